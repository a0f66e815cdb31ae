// Kernels along one dim of x seen as [outer, n, inner]: cumsum (a thread per column runs the sum,
// in double, int64 in int64, as the CPU) and sort_indices (a thread per element counts the
// elements that sort before it, so the sort is stable; O(n^2) work per column, parallel over all
// elements: fine for the rows of a few thousand that sort and topk meet in training code).
#include <type_traits>

#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

template <class T>
__global__ void cumsum_kernel(const T* x, T* out, int64_t n, int64_t inner, int64_t columns) {
  using A = std::conditional_t<std::is_floating_point_v<T>, double, unsigned long long>;
  for (int64_t c = thread_index(); c < columns; c += thread_stride()) {
    int64_t o = c / inner, i = c % inner;
    A acc = 0;
    for (int64_t j = 0; j < n; ++j) {
      int64_t at = (o * n + j) * inner + i;
      acc += static_cast<A>(x[at]);
      out[at] = static_cast<T>(acc);
    }
  }
}

// a sorts after b: greater, or NaN against a number (NaN above every number, as on the CPU).
template <class T>
__device__ __forceinline__ bool above(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a) return b == b;
    if (b != b) return false;
  }
  return a > b;
}

template <class T>
__global__ void sort_indices_kernel(const T* x, int64_t* indices, int64_t n, int64_t inner,
                                    int64_t total, bool descending) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, j = e / inner % n, o = e / (inner * n);
    const T* column = x + o * n * inner + i;
    T v = column[j * inner];
    int64_t rank = 0;
    for (int64_t q = 0; q < n; ++q) {
      T w = column[q * inner];
      bool before = descending ? above(w, v) : above(v, w);
      bool tie = !above(w, v) && !above(v, w);
      rank += before || (tie && q < j);
    }
    indices[(o * n + rank) * inner + i] = j;
  }
}

}  // namespace

void cumsum(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  int64_t columns = outer * inner;
  if (columns == 0 || n == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("cumsum", cumsum_kernel<T>, grid_for(columns), kThreads, data_of<T>(x), data_of<T>(out),
           n, inner, columns);
  });
}

void sort_indices(const Tensor& x, Tensor& indices, int64_t outer, int64_t n, int64_t inner,
                  bool descending) {
  int64_t total = outer * n * inner;
  if (total == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("sort", sort_indices_kernel<T>, grid_for(total), kThreads, data_of<T>(x),
           data_of<int64_t>(indices), n, inner, total, descending);
  });
}

}  // namespace xgrad::cuda::kernels
