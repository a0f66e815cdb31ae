// What every kernel file shares: the one launch helper, grid sizes for grid-stride loops, dtype
// dispatch, the type a kernel computes in, and float/double overloads of the math functions.
// Internal to cuda/.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "xgrad/autograd/tensor.hpp"
#include "cuda/check.hpp"
#include "cuda/device.hpp"

namespace xgrad::cuda {

constexpr int kThreads = 256;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Blocks for a grid-stride loop over n items: enough to fill the device several times over.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  int64_t cap = int64_t{32} * multiprocessor_count();
  return static_cast<unsigned>(std::clamp<int64_t>(ceil_div(n, threads), 1, cap));
}

// Every kernel launches through here, never with <<<...>>> at the call site, so that the
// emulated device (XGRAD_CUDA=EMULATE, cuda/emulate/) runs the same kernels on the CPU. Checks the
// launch: an error names `kernel`.
template <class... Params, class... Args>
void launch(const char* kernel, void (*fn)(Params...), dim3 grid, dim3 block, const Args&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "launch: wrong number of kernel arguments");
#if defined(XGRAD_CUDA_EMULATE)
  emulate::launch(kernel, fn, grid, block, args...);
#else
  // clang-format splits the chevrons in a .cuh:
  // clang-format off
  fn<<<grid, block>>>(args...);
  // clang-format on
#endif
  check_launch(kernel);
}

// "<kernel>: int64 is not supported; cast to a floating dtype first", as the CPU kernels say.
[[noreturn]] inline void int64_unsupported(const char* kernel) {
  throw Error(std::string(kernel) + ": int64 is not supported; cast to a floating dtype first");
}

// Integer division by zero is an error, as on the CPU: scans the int64 divisor on the device.
void check_no_zero_divisor(const Tensor& divisor, const char* op);

// Calls f(T{}) with T the C++ type of dtype d.
template <class F>
void dispatch(Dtype d, F&& f) {
  switch (d) {
    case kFloat32:
      f(float{});
      return;
    case kFloat64:
      f(double{});
      return;
    case kInt64:
      f(int64_t{});
      return;
  }
}

// Floating dtypes only; int64 raises an error naming the op.
template <class F>
void dispatch_floating(const char* op, Dtype d, F&& f) {
  switch (d) {
    case kFloat32:
      f(float{});
      return;
    case kFloat64:
      f(double{});
      return;
    case kInt64:
      break;
  }
  int64_unsupported(op);
}

// Pure data movement only needs the element width.
template <class F>
void dispatch_bits(Dtype d, F&& f) {
  if (element_size(d) == 4)
    f(uint32_t{});
  else
    f(uint64_t{});
}

template <class T>
const T* data_of(const Tensor& t) {
  return static_cast<const T*>(t.data_ptr());
}
template <class T>
T* data_of(Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

}  // namespace xgrad::cuda

// Device math by overload, so templates call one name for float and double.
namespace xgrad::cuda::math {
__device__ __forceinline__ float exp(float x) { return ::expf(x); }
__device__ __forceinline__ double exp(double x) { return ::exp(x); }
__device__ __forceinline__ float log(float x) { return ::logf(x); }
__device__ __forceinline__ double log(double x) { return ::log(x); }
__device__ __forceinline__ float log1p(float x) { return ::log1pf(x); }
__device__ __forceinline__ double log1p(double x) { return ::log1p(x); }
__device__ __forceinline__ float expm1(float x) { return ::expm1f(x); }
__device__ __forceinline__ double expm1(double x) { return ::expm1(x); }
__device__ __forceinline__ float sin(float x) { return ::sinf(x); }
__device__ __forceinline__ double sin(double x) { return ::sin(x); }
__device__ __forceinline__ float cos(float x) { return ::cosf(x); }
__device__ __forceinline__ double cos(double x) { return ::cos(x); }
__device__ __forceinline__ float erf(float x) { return ::erff(x); }
__device__ __forceinline__ double erf(double x) { return ::erf(x); }
__device__ __forceinline__ float sqrt(float x) { return ::sqrtf(x); }
__device__ __forceinline__ double sqrt(double x) { return ::sqrt(x); }
__device__ __forceinline__ float tanh(float x) { return ::tanhf(x); }
__device__ __forceinline__ double tanh(double x) { return ::tanh(x); }
__device__ __forceinline__ float pow(float x, float y) { return ::powf(x, y); }
__device__ __forceinline__ double pow(double x, double y) { return ::pow(x, y); }
__device__ __forceinline__ float fabs(float x) { return ::fabsf(x); }
__device__ __forceinline__ double fabs(double x) { return ::fabs(x); }
template <class T>
__device__ __forceinline__ T abs(T x) {
  if constexpr (std::is_floating_point_v<T>)
    return fabs(x);
  else
    return x < 0 ? -x : x;
}
template <class T>
__device__ __forceinline__ T lowest() {
  if constexpr (std::is_floating_point_v<T>)
    return -INFINITY;
  else
    return INT64_MIN;
}
template <class T>
__device__ __forceinline__ T highest() {
  if constexpr (std::is_floating_point_v<T>)
    return INFINITY;
  else
    return INT64_MAX;
}
}  // namespace xgrad::cuda::math

namespace xgrad::cuda {
// Grid-stride loop index and step, 64-bit.
__device__ __forceinline__ int64_t thread_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t thread_stride() {
  return static_cast<int64_t>(blockDim.x) * gridDim.x;
}
}  // namespace xgrad::cuda
