// Turning CUDA and cuBLAS failures into xgrad::Error: every message names the kernel or call
// that failed and the driver's own words, so a failure on a device never aborts the process.
// Internal to cuda/.
#pragma once

#include <cuda_runtime.h>

#include "xgrad/autograd/core.hpp"

#if defined(__CUDACC__) && __cplusplus < 202002L
// CMake 3.25 knows no nvcc flag for C++20: CMakeLists.txt must set
// CMAKE_CUDA20_STANDARD_COMPILE_OPTION (and _EXTENSION_) to -std=c++20 after enable_language(CUDA).
#error "xgrad's CUDA sources need nvcc -std=c++20 (see cuda/check.hpp)"
#endif

namespace xgrad::cuda {

// "<what>: <call> failed: <error string> (<error name>)"
[[noreturn]] void throw_error(const char* what, const char* call, cudaError_t err);
[[noreturn]] void throw_error(const char* what, const char* call, const char* reason);

inline void check(cudaError_t err, const char* what, const char* call) {
  if (err != cudaSuccess) throw_error(what, call, err);
}

// After a kernel launch: a bad configuration (or an earlier asynchronous fault) surfaces here.
inline void check_launch(const char* kernel) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw_error(kernel, "kernel launch", err);
}

}  // namespace xgrad::cuda

// XGRAD_CUDA_CHECK("copy", cudaMemcpy, dst, src, n, kind): calls cudaMemcpy(dst, src, n, kind)
// and throws xgrad::Error naming "copy", "cudaMemcpy" and the error.
#define XGRAD_CUDA_CHECK(what, fn, ...) ::xgrad::cuda::check(fn(__VA_ARGS__), (what), #fn)
