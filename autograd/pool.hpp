// Thread-local free lists for the small objects every op creates and drops (TensorImpl, Storage,
// graph nodes), used through std::allocate_shared: a training step recycles them without a trip
// through malloc. Each list keeps at most kMaxBlocks blocks; a block freed on another thread joins
// that thread's list. Under AddressSanitizer every block goes back to the system, so use after
// free is still caught. Internal to autograd/.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define XGRAD_POOL_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XGRAD_POOL_OFF 1
#endif
#endif

namespace xgrad::pool {

template <size_t Size>
class FreeList {
 public:
  static constexpr size_t kMaxBlocks = 4096;

  static void* get() {
#ifndef XGRAD_POOL_OFF
    if (List* l = live(); l && !l->blocks.empty()) {
      void* p = l->blocks.back();
      l->blocks.pop_back();
      return p;
    }
#endif
    return ::operator new(Size);
  }

  static void put(void* p) {
#ifndef XGRAD_POOL_OFF
    if (List* l = live(); l && l->blocks.size() < kMaxBlocks) {
      l->blocks.push_back(p);
      return;
    }
#endif
    ::operator delete(p);
  }

 private:
  struct List {
    std::vector<void*> blocks;
    List() { blocks.reserve(64); }
    ~List() {
      gone() = true;
      for (void* p : blocks) ::operator delete(p);
    }
  };
  static bool& gone() {
    thread_local bool g = false;  // constant-initialized: readable even after List is destroyed
    return g;
  }
  // This thread's list, made on first use; null once it is gone (objects freed during thread or
  // program exit go straight back to the system).
  static List* live() {
    if (gone()) return nullptr;
    thread_local List l;
    return &l;
  }
};

template <class T>
struct Allocator {
  using value_type = T;
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
  Allocator() = default;
  template <class U>
  Allocator(const Allocator<U>&) {}
  T* allocate(size_t n) {
    return n == 1 ? static_cast<T*>(FreeList<sizeof(T)>::get()) : static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n == 1)
      FreeList<sizeof(T)>::put(p);
    else
      ::operator delete(p);
  }
  template <class U>
  bool operator==(const Allocator<U>&) const {
    return true;
  }
};

// std::make_shared with the object and its control block from this thread's free list.
template <class T, class... Args>
std::shared_ptr<T> make_shared(Args&&... args) {
  return std::allocate_shared<T>(Allocator<T>(), std::forward<Args>(args)...);
}

}  // namespace xgrad::pool
