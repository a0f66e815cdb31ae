// Offsets into N inputs read with strides (0 along a broadcast dim, permuted for a permute) while
// a contiguous output is walked in order: the one index calculation behind broadcasting
// elementwise ops, expand and permute. Internal to cuda/.
#pragma once

#include <array>

#include "cuda/launch.cuh"

namespace xgrad::cuda {

template <int N>
struct Strided {
  int ndim = 0;
  int64_t size[Shape::kMaxDims] = {};
  int64_t stride[N][Shape::kMaxDims] = {};

  // Drops size-1 dims and merges neighbours every input walks contiguously, so a same-shape op
  // becomes one dim of stride 1 (or 0 for a scalar operand) and needs no division.
  void coalesce() {
    int n = 0;  // dims kept so far, innermost first, in place at index n
    int64_t sz[Shape::kMaxDims], st[N][Shape::kMaxDims];
    for (int d = ndim - 1; d >= 0; --d) {
      if (size[d] == 1) continue;
      bool merge = n > 0;
      for (int k = 0; k < N && merge; ++k) merge = stride[k][d] == st[k][n - 1] * sz[n - 1];
      if (merge) {
        sz[n - 1] *= size[d];
      } else {
        sz[n] = size[d];
        for (int k = 0; k < N; ++k) st[k][n] = stride[k][d];
        ++n;
      }
    }
    ndim = n;
    for (int d = 0; d < n; ++d) {
      size[d] = sz[n - 1 - d];
      for (int k = 0; k < N; ++k) stride[k][d] = st[k][n - 1 - d];
    }
  }

  template <class I>
  __device__ __forceinline__ void offsets(I linear, I (&off)[N]) const {
    if (ndim == 1) {
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] = linear * static_cast<I>(stride[k][0]);
      return;
    }
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      I s = static_cast<I>(size[d]);
      I c = linear % s;
      linear /= s;
#pragma unroll
      for (int k = 0; k < N; ++k) off[k] += c * static_cast<I>(stride[k][d]);
    }
  }
};

// Input k of shape in[k] broadcast (NumPy rules, shapes aligned at the right) to `out`.
template <int N>
Strided<N> broadcast_strides(const Shape& out, const std::array<const Shape*, N>& in) {
  Strided<N> s;
  s.ndim = static_cast<int>(out.ndim());
  for (int d = 0; d < s.ndim; ++d) s.size[d] = out[d];
  for (int k = 0; k < N; ++k) {
    const Shape& shape = *in[k];
    int64_t stride = 1;
    for (int64_t d = shape.ndim() - 1; d >= 0; --d) {
      int64_t od = d + out.ndim() - shape.ndim();
      s.stride[k][od] = shape[d] == 1 ? 0 : stride;
      stride *= shape[d];
    }
  }
  s.coalesce();
  return s;
}

template <class I, int N, class F>
__global__ void strided_kernel(Strided<N> s, I n, F f) {
  for (I i = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += static_cast<I>(blockDim.x) * gridDim.x) {
    I off[N];
    s.offsets(i, off);
    f(i, off);
  }
}

// Calls f(i, off) for every output element i (contiguous) with off[k] the element of input k;
// 32-bit index arithmetic where every offset fits.
template <int N, class F>
void launch_strided(const char* kernel, const Strided<N>& s, int64_t n, const F& f) {
  if (n == 0) return;
  if (n <= INT32_MAX)
    launch(kernel, strided_kernel<uint32_t, N, F>, grid_for(n), kThreads, s,
           static_cast<uint32_t>(n), f);
  else
    launch(kernel, strided_kernel<uint64_t, N, F>, grid_for(n), kThreads, s,
           static_cast<uint64_t>(n), f);
}

}  // namespace xgrad::cuda
