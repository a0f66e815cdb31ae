// CPU memory: a caching allocator (size-bucketed free lists of 64-byte aligned blocks, so a
// steady-state training loop calls the system allocator no more) and host copies (memcpy).
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "autograd/cpu/cpu.hpp"

// Under AddressSanitizer every block goes back to the system, so use-after-free is caught.
#if defined(__SANITIZE_ADDRESS__)
#define XGRAD_CPU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XGRAD_CPU_ASAN 1
#endif
#endif

namespace xgrad::kernels::cpu_detail {
namespace {

constexpr size_t kAlignment = 64;  // a cache line, and the widest SIMD register (AVX-512)
constexpr size_t kSmallLimit = 4096;
constexpr int kSmallClasses = kSmallLimit / kAlignment;  // 64-byte steps up to 4 KiB
constexpr int kClasses = kSmallClasses + 4 * (64 - 12);  // then quarter powers of two
constexpr size_t kMaxBytes = size_t{1} << 62;

struct SizeClass {
  int index;
  size_t bytes;
};

// Rounds up to 64-byte steps below 4 KiB, above to 2^e * {1.25, 1.5, 1.75, 2}: at most 25% waste.
SizeClass size_class(size_t n) {
  if (n <= kSmallLimit) {
    size_t steps = n == 0 ? 1 : (n + kAlignment - 1) / kAlignment;
    return {static_cast<int>(steps) - 1, steps * kAlignment};
  }
  int e = std::bit_width(n - 1) - 1;  // n in (2^e, 2^(e+1)]
  size_t quarter = size_t{1} << (e - 2);
  size_t m = (n + quarter - 1) / quarter;  // 5..8
  return {kSmallClasses + (e - 12) * 4 + static_cast<int>(m) - 5, m * quarter};
}

size_t cache_limit() {
#ifdef XGRAD_CPU_ASAN
  return 0;
#endif
  // Free bytes kept for reuse; XGRAD_CPU_CACHE_MB overrides (0 turns caching off).
  if (const char* s = std::getenv("XGRAD_CPU_CACHE_MB")) return std::strtoull(s, nullptr, 10) << 20;
  return size_t{2} << 30;
}

// The lock around the free lists: held for a few instructions, almost never contended (one
// training thread), where a pthread mutex's lock and unlock cost several times more.
class SpinLock {
 public:
  void lock() {
    while (locked_.exchange(true, std::memory_order_acquire))
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

class CachingAllocator {
 public:
  void* allocate(size_t nbytes) {
    if (nbytes > kMaxBytes) throw_out_of_memory(nbytes);
    SizeClass c = size_class(nbytes);
    {
      std::lock_guard<SpinLock> lock(lock_);
      stats_.allocated_bytes += c.bytes;
      std::vector<void*>& list = free_[c.index];
      if (!list.empty()) {
        void* p = list.back();
        list.pop_back();
        stats_.cached_bytes -= c.bytes;
        return p;
      }
      ++stats_.system_allocs;
    }
    void* p = std::aligned_alloc(kAlignment, c.bytes);
    if (p == nullptr) {
      // Cached blocks of other sizes may be what the system is missing: give them back, retry.
      empty_cache();
      p = std::aligned_alloc(kAlignment, c.bytes);
    }
    if (p == nullptr) {
      std::lock_guard<SpinLock> lock(lock_);
      stats_.allocated_bytes -= c.bytes;
      throw_out_of_memory(nbytes);
    }
    return p;
  }

  void deallocate(void* p, size_t nbytes) {
    if (p == nullptr) return;
    SizeClass c = size_class(nbytes);
    {
      std::lock_guard<SpinLock> lock(lock_);
      stats_.allocated_bytes -= c.bytes;
      if (stats_.cached_bytes + c.bytes <= limit_) {
        free_[c.index].push_back(p);
        stats_.cached_bytes += c.bytes;
        return;
      }
    }
    std::free(p);
  }

  void empty_cache() {
    std::vector<void*> blocks;
    {
      std::lock_guard<SpinLock> lock(lock_);
      for (std::vector<void*>& list : free_) {
        blocks.insert(blocks.end(), list.begin(), list.end());
        list.clear();
      }
      stats_.cached_bytes = 0;
    }
    for (void* p : blocks) std::free(p);
  }

  AllocatorStats stats() {
    std::lock_guard<SpinLock> lock(lock_);
    AllocatorStats s = stats_;
    s.cache_limit = limit_;
    return s;
  }

 private:
  [[noreturn]] static void throw_out_of_memory(size_t nbytes) {
    throw Error("allocate: out of memory allocating " + std::to_string(nbytes) + " bytes on cpu");
  }

  SpinLock lock_;
  std::vector<void*> free_[kClasses];
  AllocatorStats stats_;
  size_t limit_ = cache_limit();
};

// Never destroyed: tensors freed during static destruction still find it alive.
CachingAllocator& allocator() {
  static CachingAllocator* instance = new CachingAllocator;
  return *instance;
}

}  // namespace

void* allocate(size_t nbytes) { return allocator().allocate(nbytes); }
void deallocate(void* ptr, size_t nbytes) { allocator().deallocate(ptr, nbytes); }
AllocatorStats allocator_stats() { return allocator().stats(); }
void empty_cache() { allocator().empty_cache(); }

// memcpy with a null pointer is undefined even for zero bytes.
void copy_from_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes != 0) std::memcpy(dst, src, nbytes);
}
void copy_to_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes != 0) std::memcpy(dst, src, nbytes);
}
void copy(void* dst, const void* src, size_t nbytes) {
  if (nbytes != 0 && dst != src) std::memmove(dst, src, nbytes);
}

}  // namespace xgrad::kernels::cpu_detail
