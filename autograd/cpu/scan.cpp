// Kernels along one dim of x seen as [outer, n, inner]: cumsum (running sums, accumulated in
// double, int64 in int64) and sort_indices (the positions of a stable sort, NaN above every
// number as PyTorch orders it).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {

void cumsum(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    using A = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
    const T* px = data<const T>(x);
    T* po = data<T>(out);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        A acc = 0;
        for (int64_t j = 0; j < n; ++j) {
          const int64_t at = (o * n + j) * inner + i;
          acc += static_cast<A>(px[at]);
          po[at] = static_cast<T>(acc);
        }
      }
    }
  });
}

namespace {
// a sorts after b: greater, or NaN against a number.
template <class T>
bool above(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}
}  // namespace

void sort_indices(const Tensor& x, Tensor& indices, int64_t outer, int64_t n, int64_t inner,
                  bool descending) {
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    int64_t* pi = data<int64_t>(indices);
    std::vector<int64_t> order(n);
    std::vector<T> column(n);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        for (int64_t j = 0; j < n; ++j) column[j] = px[(o * n + j) * inner + i];
        std::iota(order.begin(), order.end(), int64_t{0});
        std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
          return descending ? above(column[a], column[b]) : above(column[b], column[a]);
        });
        for (int64_t j = 0; j < n; ++j) pi[(o * n + j) * inner + i] = order[j];
      }
    }
  });
}

}  // namespace xgrad::kernels::cpu_detail
