// Indexing kernels: index_select, gather (reads at indices), index_add, scatter_add (atomic
// accumulation, so repeated indices add up; in deterministic mode floats add in a fixed order
// instead, see ordered_add.cuh), one_hot. Indices are trusted: ops check the range.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"
#include "cuda/ordered_add.cuh"

namespace xgrad::cuda::kernels {
namespace {

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
  // Two's complement: unsigned wrap-around is the same sum.
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}

// out [outer, k, inner] = x [outer, n, inner] at rows index[j].
template <class W>
__global__ void index_select_kernel(const W* x, const int64_t* index, W* out, int64_t n, int64_t k,
                                    int64_t inner, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, j = e / inner % k, o = e / (inner * k);
    out[e] = x[(o * n + index[j]) * inner + i];
  }
}

// out [outer, n, inner] += src [outer, k, inner] at rows index[j].
template <class T>
__global__ void index_add_kernel(const T* src, const int64_t* index, T* out, int64_t n, int64_t k,
                                 int64_t inner, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, j = e / inner % k, o = e / (inner * k);
    atomic_add(&out[(o * n + index[j]) * inner + i], src[e]);
  }
}

// out [outer, k, inner] = x [outer, n, inner] at (o, index[o, j, i], i).
template <class W>
__global__ void gather_kernel(const W* x, const int64_t* index, W* out, int64_t n, int64_t k,
                              int64_t inner, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, o = e / (inner * k);
    out[e] = x[(o * n + index[e]) * inner + i];
  }
}

// out [outer, n, inner] at (o, index[o, j, i], i) += src [outer, k, inner].
template <class T>
__global__ void scatter_add_kernel(const T* src, const int64_t* index, T* out, int64_t n, int64_t k,
                                   int64_t inner, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, o = e / (inner * k);
    atomic_add(&out[(o * n + index[e]) * inner + i], src[e]);
  }
}

// Where source element e of index_add and scatter_add lands in out (as the kernels above).
struct IndexAddDest {
  const int64_t* index;
  int64_t n, k, inner;
  __device__ __forceinline__ int64_t operator()(int64_t e) const {
    int64_t i = e % inner, j = e / inner % k, o = e / (inner * k);
    return (o * n + index[j]) * inner + i;
  }
};
struct ScatterAddDest {
  const int64_t* index;
  int64_t n, k, inner;
  __device__ __forceinline__ int64_t operator()(int64_t e) const {
    int64_t i = e % inner, o = e / (inner * k);
    return (o * n + index[e]) * inner + i;
  }
};

// Atomics add floats in whatever order the threads run: deterministic mode orders them. Integer
// sums are exact in any order.
bool ordered(Dtype d) { return is_deterministic() && d != Dtype::i64; }

template <class T>
__global__ void one_hot_kernel(const int64_t* labels, T* out, int64_t classes, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride())
    out[e] = labels[e / classes] == e % classes ? T(1) : T(0);
}

}  // namespace

void index_select(const Tensor& x, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
                  int64_t inner) {
  int64_t k = index.numel(), total = outer * k * inner;
  if (total == 0) return;
  dispatch_bits(x.dtype(), [&](auto tag) {
    using W = decltype(tag);
    launch("index_select", index_select_kernel<W>, grid_for(total), kThreads, data_of<W>(x),
           data_of<int64_t>(index), data_of<W>(out), n, k, inner, total);
  });
}

void index_add(const Tensor& src, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
               int64_t inner) {
  int64_t k = index.numel(), total = outer * k * inner;
  if (total == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (ordered(out.dtype()))
      return ordered_add("index_add", data_of<T>(src), data_of<T>(out), total,
                         IndexAddDest{data_of<int64_t>(index), n, k, inner});
    launch("index_add", index_add_kernel<T>, grid_for(total), kThreads, data_of<T>(src),
           data_of<int64_t>(index), data_of<T>(out), n, k, inner, total);
  });
}

void gather(const Tensor& x, const Tensor& index, Tensor& out, int64_t outer, int64_t n, int64_t k,
            int64_t inner) {
  int64_t total = outer * k * inner;
  if (total == 0) return;
  dispatch_bits(x.dtype(), [&](auto tag) {
    using W = decltype(tag);
    launch("gather", gather_kernel<W>, grid_for(total), kThreads, data_of<W>(x),
           data_of<int64_t>(index), data_of<W>(out), n, k, inner, total);
  });
}

void scatter_add(const Tensor& src, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
                 int64_t k, int64_t inner) {
  int64_t total = outer * k * inner;
  if (total == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (ordered(out.dtype()))
      return ordered_add("scatter_add", data_of<T>(src), data_of<T>(out), total,
                         ScatterAddDest{data_of<int64_t>(index), n, k, inner});
    launch("scatter_add", scatter_add_kernel<T>, grid_for(total), kThreads, data_of<T>(src),
           data_of<int64_t>(index), data_of<T>(out), n, k, inner, total);
  });
}

void one_hot(const Tensor& labels, Tensor& out, int64_t classes) {
  int64_t total = out.numel();
  if (total == 0 || classes == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("one_hot", one_hot_kernel<T>, grid_for(total), kThreads, data_of<int64_t>(labels),
           data_of<T>(out), classes, total);
  });
}

}  // namespace xgrad::cuda::kernels
