// The NCCL side of a build without NCCL: CUDA tensors go through host memory over MPI.
#include "distributed/nccl_backend.hpp"

#ifdef XGRAD_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace xgrad::distributed::detail {

std::string nccl_unavailable_reason() {
#ifdef XGRAD_WITH_CUDA
  return "this build of xgrad found no NCCL (nccl.h and libnccl) in the CUDA toolkit";
#else
  return "this build of xgrad has no CUDA backend";
#endif
}

std::unique_ptr<Backend> make_nccl_backend(Backend&) {
  throw Error("distributed: NCCL is not available: " + nccl_unavailable_reason());
}

void select_cuda_device(int local_rank) {
#ifdef XGRAD_WITH_CUDA
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();  // no device: nothing to select, and no error left for the next call
    return;
  }
  cudaSetDevice(local_rank % count);
#else
  (void)local_rank;
#endif
}

}  // namespace xgrad::distributed::detail
