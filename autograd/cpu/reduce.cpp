// Reductions over the middle dim of x seen as [outer, n, inner]: sum, prod, max, min (out has x's
// dtype) and argmax, argmin (int64, first index of the extreme; NaN counts as the extreme).
#include <algorithm>
#include <string>
#include <type_traits>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/lanes.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

constexpr int64_t kChunk = 256;  // columns reduced together when inner > 1 (stack buffers)

template <class T>
void sum(const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) out[o] = static_cast<T>(sum_row(x + o * n, n));
    return;
  }
  Acc<T> acc[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
      const int64_t c = std::min(kChunk, inner - i0);
      std::fill(acc, acc + c, Acc<T>(0));
      for (int64_t j = 0; j < n; ++j) {
        const T* row = x + (o * n + j) * inner + i0;
        for (int64_t k = 0; k < c; ++k) acc[k] += row[k];
      }
      for (int64_t k = 0; k < c; ++k) out[o * inner + i0 + k] = static_cast<T>(acc[k]);
    }
  }
}

// Products accumulate in double (int64 in int64, wrapping as unsigned arithmetic does).
template <class T>
void prod(const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  using A = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      A acc = 1;
      for (int64_t j = 0; j < n; ++j) acc *= static_cast<A>(x[(o * n + j) * inner + i]);
      out[o * inner + i] = static_cast<T>(acc);
    }
  }
}

// Writes the extreme's value (Arg = false) or its index along n (Arg = true).
template <bool Max, bool Arg, class T, class O>
void extreme(const T* x, O* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1 && !Arg) {
    for (int64_t o = 0; o < outer; ++o) out[o] = static_cast<O>(extreme_row<Max>(x + o * n, n));
    return;
  }
  if (inner == 1) {
    for (int64_t o = 0; o < outer; ++o) out[o] = static_cast<O>(arg_extreme_row<Max>(x + o * n, n));
    return;
  }
  T best[kChunk];
  int64_t at[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
      const int64_t c = std::min(kChunk, inner - i0);
      const T* first = x + o * n * inner + i0;
      std::copy(first, first + c, best);
      std::fill(at, at + c, int64_t{0});
      for (int64_t j = 1; j < n; ++j) {
        const T* row = first + j * inner;
        for (int64_t k = 0; k < c; ++k) {
          const bool take = better<Max>(row[k], best[k]);
          best[k] = take ? row[k] : best[k];
          at[k] = take ? j : at[k];
        }
      }
      O* dst = out + o * inner + i0;
      for (int64_t k = 0; k < c; ++k)
        dst[k] = Arg ? static_cast<O>(at[k]) : static_cast<O>(best[k]);
    }
  }
}

}  // namespace

void reduce(Reduce op, const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    switch (op) {
      case Reduce::sum:
        return sum(px, data<T>(out), outer, n, inner);
      case Reduce::prod:
        return prod(px, data<T>(out), outer, n, inner);
      case Reduce::max:
        return extreme<true, false>(px, data<T>(out), outer, n, inner);
      case Reduce::min:
        return extreme<false, false>(px, data<T>(out), outer, n, inner);
      case Reduce::argmax:
        return extreme<true, true>(px, data<int64_t>(out), outer, n, inner);
      case Reduce::argmin:
        return extreme<false, true>(px, data<int64_t>(out), outer, n, inner);
    }
  });
}

}  // namespace xgrad::kernels::cpu_detail
