// What the parts of the emulation share: the emulated device's properties, its memory map, the
// lock that makes it one device, the last error, and the emulation's own reports. Internal to
// cuda/emulate/.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

namespace xgrad::cuda::emulate {

// Properties a real device would report. Few multiprocessors keep grids (capped at 32 per
// multiprocessor by grid_for) small; XGRAD_CUDA_EMULATE_SMS overrides.
int multiprocessors();
constexpr int kMaxThreadsPerBlock = 1024;
constexpr int kMaxBlockDim[3] = {1024, 1024, 64};
constexpr int kMaxGridDim[3] = {2147483647, 65535, 65535};
constexpr size_t kSharedMemoryPerBlock = 48 * 1024;
constexpr size_t kGlobalMemory = size_t{8} << 30;  // allocations past it fail as out of memory

// Seed of the thread and block orders (XGRAD_CUDA_EMULATE_SEED overrides the fixed default).
uint64_t seed();

// Work on the device runs one call at a time, as on the legacy default stream.
std::recursive_mutex& device_lock();

// Sets the calling thread's last error (when err is not cudaSuccess) and returns err.
cudaError_t set_error(cudaError_t err);

// Whether [ptr, ptr + bytes) lies inside one live cudaMalloc block.
bool is_device_range(const void* ptr, size_t bytes);
bool is_device_pointer(const void* ptr);

// Prints "xgrad emulated CUDA: <message>" on stderr: the detail behind an error code.
void report(const std::string& message);

}  // namespace xgrad::cuda::emulate
