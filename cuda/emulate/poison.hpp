// On the emulated device under AddressSanitizer, device memory is host memory: the caching
// allocator marks the bytes no tensor owns (a cached block, and a block's tail past the size
// asked for) so that a kernel touching them is reported like a host heap error. In every other
// build these do nothing (on a real GPU the addresses are not host memory).
#pragma once

#include <cstddef>

#if defined(XGRAD_CUDA_EMULATE) && defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace xgrad::cuda {

#if defined(XGRAD_CUDA_EMULATE) && defined(__SANITIZE_ADDRESS__)
inline void mark_unowned(void* p, size_t n) { ASAN_POISON_MEMORY_REGION(p, n); }
inline void mark_owned(void* p, size_t n) { ASAN_UNPOISON_MEMORY_REGION(p, n); }
#else
inline void mark_unowned(void*, size_t) {}
inline void mark_owned(void*, size_t) {}
#endif

}  // namespace xgrad::cuda
