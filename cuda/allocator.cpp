// The caching device allocator (see allocator.hpp).
#include "cuda/allocator.hpp"

#include <cuda_runtime.h>

#include <bit>
#include <cstdio>
#include <mutex>
#include <string>

#include "cuda/check.hpp"
#include "cuda/emulate/poison.hpp"

namespace xgrad::cuda {

namespace {
constexpr size_t kSmallStep = 512;
constexpr size_t kSmallLimit = size_t{1} << 20;

// The first nbytes of a block of `size` belong to the caller; the rest stays unowned.
void* owned(void* p, size_t nbytes, size_t size) {
  mark_owned(p, nbytes);
  mark_unowned(static_cast<char*>(p) + nbytes, size - nbytes);
  return p;
}

std::string mib(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}
}  // namespace

CachingAllocator& CachingAllocator::instance() {
  static CachingAllocator* a = new CachingAllocator();  // leaked on purpose (see header)
  return *a;
}

size_t CachingAllocator::size_class(size_t nbytes) {
  if (nbytes <= kSmallLimit) return (nbytes + kSmallStep - 1) / kSmallStep * kSmallStep;
  // Four classes per power of two: 1, 1.25, 1.5, 1.75 times 2^k.
  size_t top = std::bit_floor(nbytes);
  size_t quarter = top / 4;
  return (nbytes + quarter - 1) / quarter * quarter;
}

void* CachingAllocator::allocate(size_t nbytes, const char* op) {
  if (nbytes == 0) return nullptr;
  size_t size = size_class(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = free_.find(size);
  if (it != free_.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    stats_.cached_bytes -= size;
    stats_.allocated_bytes += size;
    return owned(p, nbytes, size);
  }
  void* p = nullptr;
  cudaError_t err = cudaMalloc(&p, size);
  if (err == cudaErrorMemoryAllocation) {
    // Out of memory is not sticky: clear it, give the cache back to the driver and try once more.
    cudaGetLastError();
    release_cached_locked();
    err = cudaMalloc(&p, size);
  }
  if (err != cudaSuccess) {
    cudaGetLastError();
    if (err == cudaErrorMemoryAllocation)
      throw Error(std::string(op) + ": CUDA out of memory allocating " + mib(size) + " (" +
                  mib(stats_.allocated_bytes) + " in tensors): " + cudaGetErrorString(err));
    throw_error(op, "cudaMalloc", err);
  }
  ++stats_.device_mallocs;
  stats_.allocated_bytes += size;
  return owned(p, nbytes, size);
}

void CachingAllocator::deallocate(void* ptr, size_t nbytes) noexcept {
  if (ptr == nullptr) return;
  size_t size = size_class(nbytes);
  std::lock_guard<std::mutex> lock(mutex_);
  try {
    free_[size].push_back(ptr);
    mark_unowned(ptr, size);
  } catch (...) {  // no host memory for the list: hand the block back to the driver instead
    cudaFree(ptr);
    stats_.allocated_bytes -= size;
    return;
  }
  stats_.allocated_bytes -= size;
  stats_.cached_bytes += size;
}

void CachingAllocator::release_cached_locked() noexcept {
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) cudaFree(p);
    stats_.cached_bytes -= size * blocks.size();
    blocks.clear();
  }
  free_.clear();
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mutex_);
  release_cached_locked();
  // cudaFree reports earlier asynchronous faults; surface them here rather than at a later launch.
  XGRAD_CUDA_CHECK("empty_cache", cudaGetLastError);
}

MemoryStats CachingAllocator::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

}  // namespace xgrad::cuda
