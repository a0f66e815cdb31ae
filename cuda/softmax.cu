// softmax and log_softmax over n of x seen as [outer, n, inner], stable: the row's max is taken
// out before exponentiating; the exponentials are summed in double, as on the CPU. inner == 1: a
// warp per row, or a block per long row; inner > 1: a thread per (outer, inner) column, adjacent
// threads reading adjacent columns.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

struct Max {
  template <class C>
  __device__ __forceinline__ C operator()(C a, C b) const {
    return b > a ? b : a;
  }
};
struct Add {
  template <class C>
  __device__ __forceinline__ C operator()(C a, C b) const {
    return a + b;
  }
};

// Combines v across the threads of a row: the lanes of a warp, then (one row per block) the
// warps through `shared`. Every thread of the row gets the result.
template <class C, class Op>
__device__ __forceinline__ C row_reduce(C v, Op op, C* shared) {
#pragma unroll
  for (int mask = 16; mask > 0; mask >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, mask));
  if (blockDim.x > 32) {
    unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = blockDim.x / 32;
    __syncthreads();  // an earlier call's readers are done with `shared`
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    v = shared[0];
    for (unsigned w = 1; w < warps; ++w) v = op(v, shared[w]);
  }
  return v;
}

template <class T>
__global__ void softmax_rows(const T* x, T* out, int64_t rows, int64_t n, bool log) {
  __shared__ T shared_max[kThreads / 32];
  __shared__ double shared_sum[kThreads / 32];
  int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  bool active = row < rows;  // inactive threads still take part in the shuffles
  const T* xr = x + row * n;
  T* outr = out + row * n;
  T m = math::lowest<T>();
  if (active)
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = Max{}(m, xr[j]);
  m = row_reduce(m, Max{}, shared_max);
  double s = 0;
  if (active)
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += math::exp(xr[j] - m);
  s = row_reduce(s, Add{}, shared_sum);
  if (!active) return;
  if (log) {
    T log_s = static_cast<T>(math::log(s));
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) outr[j] = (xr[j] - m) - log_s;
  } else {
    T total = static_cast<T>(s);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) outr[j] = math::exp(xr[j] - m) / total;
  }
}

template <class T>
__global__ void softmax_columns(const T* x, T* out, int64_t outer, int64_t n, int64_t inner,
                                bool log) {
  for (int64_t e = thread_index(); e < outer * inner; e += thread_stride()) {
    int64_t o = e / inner, i = e % inner;
    const T* xc = x + o * n * inner + i;
    T* outc = out + o * n * inner + i;
    T m = math::lowest<T>();
    for (int64_t j = 0; j < n; ++j) m = Max{}(m, xc[j * inner]);
    double s = 0;
    for (int64_t j = 0; j < n; ++j) s += math::exp(xc[j * inner] - m);
    if (log) {
      T log_s = static_cast<T>(math::log(s));
      for (int64_t j = 0; j < n; ++j) outc[j * inner] = (xc[j * inner] - m) - log_s;
    } else {
      T total = static_cast<T>(s);
      for (int64_t j = 0; j < n; ++j) outc[j * inner] = math::exp(xc[j * inner] - m) / total;
    }
  }
}

}  // namespace

void softmax(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  const char* name = log ? "log_softmax" : "softmax";
  dispatch_floating("softmax", x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (inner == 1) {
      int lanes = n <= 1024 ? 32 : kThreads;
      int rows_per_block = kThreads / lanes;
      auto blocks = static_cast<unsigned>(ceil_div(outer, rows_per_block));
      launch(name, softmax_rows<T>, blocks, dim3(lanes, rows_per_block), data_of<T>(x),
             data_of<T>(out), outer, n, log);
    } else {
      launch(name, softmax_columns<T>, grid_for(outer * inner), kThreads, data_of<T>(x),
             data_of<T>(out), outer, n, inner, log);
    }
  });
}

}  // namespace xgrad::cuda::kernels
