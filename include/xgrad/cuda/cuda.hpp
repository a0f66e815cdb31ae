/// \file
/// Device queries and controls for CUDA. Plain C++: no CUDA header is needed to use it. Without a
/// device (or in a build without CUDA) is_available() is false, device_count() 0, synchronize() and
/// empty_cache() do nothing and memory_stats() is zeros; CUDA tensor ops raise an error.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xgrad::cuda {

bool is_available();  ///< built with CUDA and at least one device is present
int device_count();   ///< 0 where none
/// Waits until every queued CUDA operation is done (nothing without a device).
void synchronize();
void empty_cache();  ///< returns cached, unused device blocks to the driver

/// Device memory use of xgrad's caching allocator.
struct MemoryStats {
  size_t allocated_bytes = 0;  ///< in tensors now
  size_t cached_bytes = 0;     ///< held by the caching allocator, free for reuse
  size_t device_mallocs = 0;   ///< cudaMalloc calls so far
};
/// The allocator's figures now (zeros without a device).
MemoryStats memory_stats();

}  // namespace xgrad::cuda
