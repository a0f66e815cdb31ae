// Deterministic mode's softmax and log_softmax: exp and log through portable_math.hpp, in double,
// rounded once to the tensor's dtype, instead of xsimd's per-architecture math. Plain loops over
// inlined branch-free functions: the compiler may vectorize them at any width and the bits stay
// the same. Sums use the fixed 16-lane order of lanes.hpp. (Elementwise ops carry their portable
// form in their functors: unary.cpp, binary.cpp.)
#include <algorithm>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/lanes.hpp"
#include "autograd/portable_math.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class T>
void softmax_rows(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool log) {
  constexpr int64_t kChunk = 256;
  T e[kChunk];
  double acc[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
      const int64_t c = std::min(kChunk, inner - i0);
      const T* first = x + o * n * inner + i0;
      T* ofirst = out + o * n * inner + i0;
      // max over n (exact), then sum of exp(x - max) over n in order, in double
      T mx[kChunk];
      std::copy(first, first + c, mx);
      for (int64_t j = 1; j < n; ++j)
        for (int64_t k = 0; k < c; ++k) mx[k] = better<true>(first[j * inner + k], mx[k]) ? first[j * inner + k] : mx[k];
      std::fill(acc, acc + c, 0.0);
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t k = 0; k < c; ++k) e[k] = static_cast<T>(pmath::exp(static_cast<double>(first[j * inner + k] - mx[k])));
        for (int64_t k = 0; k < c; ++k) acc[k] += e[k];
      }
      for (int64_t k = 0; k < c; ++k) acc[k] = log ? static_cast<double>(static_cast<T>(pmath::log(acc[k]))) : acc[k];
      // out may alias x: each element is read before it is written
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t k = 0; k < c; ++k) {
          const T d = first[j * inner + k] - mx[k];
          ofirst[j * inner + k] = log ? d - static_cast<T>(acc[k])
                                      : static_cast<T>(pmath::exp(static_cast<double>(d))) / static_cast<T>(acc[k]);
        }
      }
    }
  }
}

// inner == 1: each row is contiguous; its sum takes the 16-lane order of sum_row.
template <class T>
void softmax_contiguous(const T* x, T* out, int64_t outer, int64_t n, bool log) {
  constexpr int64_t kChunk = 256;
  T e[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    const T* xr = x + o * n;
    T* orow = out + o * n;
    const T m = extreme_row<true>(xr, n);
    // sum_row's order across chunks (kChunk is a multiple of kLanes): 16 lanes, then the tail
    double lane[kLanes] = {};
    double tail = 0;
    for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
      const int64_t c = std::min(kChunk, n - i0);
      for (int64_t k = 0; k < c; ++k) e[k] = static_cast<T>(pmath::exp(static_cast<double>(xr[i0 + k] - m)));
      int64_t k = 0;
      for (; k + kLanes <= c; k += kLanes)
        for (int j = 0; j < kLanes; ++j) lane[j] += e[k + j];
      for (; k < c; ++k) tail += e[k];
    }
    double s = tail;
    for (int j = 0; j < kLanes; ++j) s += lane[j];
    if (log) {
      const T lse = static_cast<T>(pmath::log(s));
      for (int64_t i = 0; i < n; ++i) orow[i] = (xr[i] - m) - lse;
    } else {
      const T st = static_cast<T>(s);
      for (int64_t i = 0; i < n; ++i) orow[i] = static_cast<T>(pmath::exp(static_cast<double>(xr[i] - m))) / st;
    }
  }
}

}  // namespace

void portable_softmax(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log) {
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (inner == 1) return softmax_contiguous(data<const T>(x), data<T>(out), outer, n, log);
      softmax_rows(data<const T>(x), data<T>(out), outer, n, inner, log);
    }
  });
}

}  // namespace xgrad::kernels::cpu_detail
