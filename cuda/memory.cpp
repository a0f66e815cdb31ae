// The memory entries: device blocks from the caching allocator, copies with cudaMemcpy on the
// legacy default stream (so they are ordered with every kernel).
#include <cuda_runtime.h>

#include "cuda/allocator.hpp"
#include "cuda/check.hpp"
#include "cuda/kernels.hpp"

namespace xgrad::cuda::kernels {

void* allocate(size_t nbytes) { return CachingAllocator::instance().allocate(nbytes); }

void deallocate(void* ptr, size_t nbytes) { CachingAllocator::instance().deallocate(ptr, nbytes); }

void copy_from_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  XGRAD_CUDA_CHECK("copy_from_host", cudaMemcpy, dst, src, nbytes, cudaMemcpyHostToDevice);
}

void copy_to_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  XGRAD_CUDA_CHECK("copy_to_host", cudaMemcpy, dst, src, nbytes, cudaMemcpyDeviceToHost);
}

void copy(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0 || dst == src) return;
  XGRAD_CUDA_CHECK("copy", cudaMemcpy, dst, src, nbytes, cudaMemcpyDeviceToDevice);
}

}  // namespace xgrad::cuda::kernels
