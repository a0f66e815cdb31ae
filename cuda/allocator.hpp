// The caching device allocator: freed blocks go to a free list of their size class and are
// handed out again, so a training loop stops calling cudaMalloc/cudaFree once warm. All work runs
// on the legacy default stream, so a block freed on the host may be reused at once: the kernels
// that used it run before any kernel launched later. Internal to cuda/.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "xgrad/cuda/cuda.hpp"

namespace xgrad::cuda {

class CachingAllocator {
 public:
  // The process's allocator; never destroyed, so tensors freed during static destruction are safe.
  static CachingAllocator& instance();

  // nbytes == 0 gives nullptr. Throws xgrad::Error naming `op` when the device is out of memory
  // even after the cache has been returned to the driver.
  void* allocate(size_t nbytes, const char* op = "allocate");
  // `nbytes` must be the size passed to allocate. Never throws.
  void deallocate(void* ptr, size_t nbytes) noexcept;
  void empty_cache();
  MemoryStats stats();

  // The size class of a request: 512-byte steps up to 1 MiB, then four classes per power of two
  // (at most 25% slack), so blocks of nearby sizes share a free list.
  static size_t size_class(size_t nbytes);

 private:
  CachingAllocator() = default;
  void release_cached_locked() noexcept;

  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  MemoryStats stats_;
};

// Scratch device memory for one kernel call (reduction partials), back to the cache on scope
// exit; stream order makes that safe before the kernels that use it have run.
class DeviceBuffer {
 public:
  explicit DeviceBuffer(size_t nbytes, const char* op)
      : ptr_(CachingAllocator::instance().allocate(nbytes, op)), nbytes_(nbytes) {}
  ~DeviceBuffer() { CachingAllocator::instance().deallocate(ptr_, nbytes_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }

 private:
  void* ptr_;
  size_t nbytes_;
};

}  // namespace xgrad::cuda
