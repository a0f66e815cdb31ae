// softmax and log_softmax over the middle dim of x seen as [outer, n, inner], stable by
// subtracting the max: exp never overflows and the largest term is exactly 1.
#include "autograd/cpu/elementwise.hpp"
#include "autograd/cpu/lanes.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

constexpr int64_t kChunk = 256;  // elements per stack buffer: no heap allocation per call

template <class T>
void rows(const T* x, T* out, int64_t outer, int64_t n, bool log) {
  T buf[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    const T* xr = x + o * n;
    T* orow = out + o * n;
    const T m = extreme_row<true>(xr, n);
    if (!log) {
      assign_lanes(orow, n, [&](const auto& v) { return xt::exp(v - m); }, xr);
      const T s = static_cast<T>(sum_row(orow, n));
      auto ro = xrow(orow, n);
      xt::noalias(ro) = ro / s;
      continue;
    }
    // out may alias x: the exps go to a stack buffer, x stays readable for x - m - log(sum).
    double s = 0;
    for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
      const int64_t c = std::min(kChunk, n - i0);
      assign_lanes(buf, c, [&](const auto& v) { return xt::exp(v - m); }, xr + i0);
      s += sum_row(buf, c);
    }
    const T lse = static_cast<T>(std::log(s));
    auto ro = xrow(orow, n);
    xt::noalias(ro) = (xrow(xr, n) - m) - lse;
  }
}

// inner > 1: a chunk of columns at a time, each row of the chunk contiguous.
template <class T>
void columns(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool log) {
  T mx[kChunk], tot[kChunk], buf[kChunk];
  double acc[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
      const int64_t c = std::min(kChunk, inner - i0);
      const T* first = x + o * n * inner + i0;
      T* ofirst = out + o * n * inner + i0;
      std::copy(first, first + c, mx);
      for (int64_t j = 1; j < n; ++j) {
        const T* row = first + j * inner;
        for (int64_t k = 0; k < c; ++k) mx[k] = row[k] > mx[k] ? row[k] : mx[k];
      }
      std::fill(acc, acc + c, 0.0);
      for (int64_t j = 0; j < n; ++j) {
        T* e = log ? buf : ofirst + j * inner;  // out may alias x in the log case
        assign_lanes(e, c, [](const auto& v, const auto& top) { return xt::exp(v - top); },
                     first + j * inner, static_cast<const T*>(mx));
        for (int64_t k = 0; k < c; ++k) acc[k] += e[k];
      }
      if (!log) {
        for (int64_t k = 0; k < c; ++k) tot[k] = static_cast<T>(acc[k]);
        for (int64_t j = 0; j < n; ++j) {
          auto ro = xrow(ofirst + j * inner, c);
          xt::noalias(ro) = ro / xrow(tot, c);
        }
      } else {
        for (int64_t k = 0; k < c; ++k) tot[k] = static_cast<T>(std::log(acc[k]));
        for (int64_t j = 0; j < n; ++j) {
          auto ro = xrow(ofirst + j * inner, c);
          xt::noalias(ro) = (xrow(first + j * inner, c) - xrow(mx, c)) - xrow(tot, c);
        }
      }
    }
  }
}

}  // namespace

void softmax(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (is_deterministic() && dtype(x) != kInt64) return portable_softmax(x, out, outer, n, inner, log);
  switch (dtype(x)) {
    case kFloat32:
      if (inner == 1) return rows(data<const float>(x), data<float>(out), outer, n, log);
      return columns(data<const float>(x), data<float>(out), outer, n, inner, log);
    case kFloat64:
      if (inner == 1) return rows(data<const double>(x), data<double>(out), outer, n, log);
      return columns(data<const double>(x), data<double>(out), outer, n, inner, log);
    case kInt64:
      break;
  }
  int64_unsupported(log ? "log_softmax" : "softmax");
}

}  // namespace xgrad::kernels::cpu_detail
