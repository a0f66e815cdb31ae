// The seam between libxgrad and its CUDA backend, libxgrad_cuda.so. libxgrad never links the
// backend (nor cudart or cuBLAS): cuda/loader.cpp opens it with dlopen the first time a program
// asks for CUDA (a CUDA tensor, a device query), calls xgrad_cuda_backend() once and keeps the
// answer. A CPU-only program therefore never loads the CUDA libraries. Internal to xgrad.
#pragma once

#include <cstddef>
#include <cstdint>

#include "autograd/kernels.hpp"
#include "xgrad/cuda/cuda.hpp"

namespace xgrad::cuda {

// Bumped whenever Host, Backend or a kernel's signature changes, so that a backend from another
// build is refused with both numbers rather than called wrongly (the table's size is checked too).
inline constexpr int kBackendAbi = 2;  // 2: Window2d::by_image (im2col and col2im by image)

// What the backend calls back in libxgrad: the few Tensor accessors its kernels use, and the
// process-wide switches. (The backend's own copies of these Tensor methods forward here.)
struct Host {
  Dtype (*dtype)(const Tensor&);
  void* (*data_ptr)(const Tensor&);
  int64_t (*numel)(const Tensor&);
  const Shape& (*shape)(const Tensor&);
  bool (*is_deterministic)();
};

struct Backend {
  int abi = kBackendAbi;
  size_t table_size = sizeof(kernels::Table);
  const kernels::Table* table = nullptr;
  void (*require_device)(const char* op);  // throws "<op>: no CUDA device is available (...)"
  int (*device_count)();
  void (*synchronize)();
  void (*empty_cache)();
  MemoryStats (*memory_stats)();
};

}  // namespace xgrad::cuda

// The backend's one exported symbol. Returns nullptr when `abi` differs from its own kBackendAbi.
extern "C" const xgrad::cuda::Backend* xgrad_cuda_backend(const xgrad::cuda::Host* host, int abi);
