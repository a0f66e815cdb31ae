// Row reductions in SIMD lanes (independent partial results, so the order of a float sum stays
// well defined). Shared by reduce.cpp and softmax.cpp.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

// GCC 12 warns falsely on _mm512_undefined_* in the AVX-512 intrinsics (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

namespace xgrad::kernels::cpu_detail {

inline constexpr int kLanes = 16;

// float sums accumulate in double: a million ones, or a loss over a large batch, stays exact.
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T>
Acc<T> sum_row(const T* x, int64_t n) {
  Acc<T> lane[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] += x[i + j];
  Acc<T> s = 0;
  for (; i < n; ++i) s += x[i];
  for (int j = 0; j < kLanes; ++j) s += lane[j];
  return s;
}

// Whether v replaces best: strictly better keeps the first extreme; a NaN beats any number.
template <bool Max, class T>
bool better(T v, T best) {
  const bool beats = Max ? v > best : v < best;
  if constexpr (std::is_floating_point_v<T>) return beats | ((v != v) & (best == best));
  return beats;
}

// Lanes holding NaN. Not `v != v`: xsimd 8's != is an ordered compare under AVX and AVX-512
// (_CMP_NEQ_OQ), false for NaN.
template <class Batch>
auto nan_lanes(const Batch& v) {
  if constexpr (std::is_floating_point_v<typename Batch::value_type>)
    return xsimd::isnan(v);
  else
    return v != v;
}

// The max (Max) or min of n >= 1 elements; NaN if any is NaN. xsimd's max/min do not order NaN,
// so NaNs are tracked apart.
template <bool Max, class T>
T extreme_row(const T* x, int64_t n) {
  using Batch = xsimd::batch<T>;
  constexpr int64_t kWidth = static_cast<int64_t>(Batch::size);
  T best = x[0];
  bool nan = false;
  int64_t i = 1;
  if (n >= 2 * kWidth) {
    Batch m = Batch::load_unaligned(x);
    auto bad = nan_lanes(m);
    for (i = kWidth; i + kWidth <= n; i += kWidth) {
      const Batch v = Batch::load_unaligned(x + i);
      m = Max ? xsimd::max(m, v) : xsimd::min(m, v);
      if constexpr (std::is_floating_point_v<T>) bad = bad | nan_lanes(v);
    }
    alignas(64) T lane[kWidth];
    m.store_aligned(lane);
    best = lane[0];
    for (int64_t j = 1; j < kWidth; ++j) best = better<Max>(lane[j], best) ? lane[j] : best;
    nan = xsimd::any(bad);
  }
  for (; i < n; ++i) best = better<Max>(x[i], best) ? x[i] : best;
  return nan ? std::numeric_limits<T>::quiet_NaN() : best;
}

// The index of the first element equal to v (== : -0 matches +0), or of the first NaN when v is
// NaN; n >= 1 and such an element exists.
template <class T>
int64_t find_row(const T* x, int64_t n, T v) {
  int64_t i = 0;
  if constexpr (std::is_floating_point_v<T>) {
    using Batch = xsimd::batch<T>;
    constexpr int64_t kWidth = static_cast<int64_t>(Batch::size);
    const bool nan = v != v;
    const Batch target(v);
    for (; i + kWidth <= n; i += kWidth) {  // whole batches until one holds a match
      const Batch b = Batch::load_unaligned(x + i);
      if (xsimd::any(nan ? nan_lanes(b) : b == target)) break;
    }
    for (; i < n; ++i)
      if (nan ? x[i] != x[i] : x[i] == v) return i;
    return n - 1;  // unreachable: v came from x
  } else {
    for (; i < n; ++i)
      if (x[i] == v) return i;
    return n - 1;
  }
}

// The index of the first max (Max) or min of n >= 1 elements; of the first NaN if any. Two passes,
// both in SIMD lanes: the extreme's value (NaN if any), then the first element that equals it.
// The same index as a scalar scan that replaces only on strictly better: the first element equal
// to the extreme.
template <bool Max, class T>
int64_t arg_extreme_row(const T* x, int64_t n) {
  if (n < 64) {
    T best = x[0];
    int64_t at = 0;
    for (int64_t i = 1; i < n; ++i) {
      if (better<Max>(x[i], best)) {
        best = x[i];
        at = i;
      }
    }
    return at;
  }
  return find_row(x, n, extreme_row<Max>(x, n));
}

}  // namespace xgrad::kernels::cpu_detail
