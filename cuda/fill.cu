// Kernels that write a tensor from a rule: cast, fill, arange.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

template <class From, class To>
__global__ void cast_kernel(const From* x, To* out, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = static_cast<To>(x[i]);
}

template <class T>
__global__ void fill_kernel(T* out, T value, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = value;
}

// start + i * step in double, rounded twice as on the CPU (built with -ffp-contract=off: nvcc
// would fuse a plain expression), then converted.
template <class T>
__global__ void arange_kernel(T* out, double start, double step, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride())
    out[i] = static_cast<T>(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));
}

}  // namespace

void cast(const Tensor& x, Tensor& out) {
  int64_t n = out.numel();
  if (n == 0) return;
  if (x.dtype() == out.dtype()) {
    copy(out.data_ptr(), x.data_ptr(), static_cast<size_t>(n) * element_size(x.dtype()));
    return;
  }
  dispatch(x.dtype(), [&](auto from_tag) {
    using From = decltype(from_tag);
    dispatch(out.dtype(), [&](auto to_tag) {
      using To = decltype(to_tag);
      launch("cast", cast_kernel<From, To>, grid_for(n), kThreads, data_of<From>(x),
             data_of<To>(out), n);
    });
  });
}

void fill(Tensor& out, double value) {
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("fill", fill_kernel<T>, grid_for(n), kThreads, data_of<T>(out), static_cast<T>(value),
           n);
  });
}

void arange(Tensor& out, double start, double step) {
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("arange", arange_kernel<T>, grid_for(n), kThreads, data_of<T>(out), start, step, n);
  });
}

}  // namespace xgrad::cuda::kernels
