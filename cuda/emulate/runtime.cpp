// The emulated runtime's host side: one device, its memory (host memory, each block from the
// host allocator at its exact size, so AddressSanitizer sees past its end), copies that check
// their direction, errors, streams and events. Every call completes before it returns.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "cuda/emulate/device.hpp"

namespace xgrad::cuda::emulate {

namespace {

int env_int(const char* name, int fallback) {
  const char* s = std::getenv(name);
  return s && *s ? std::atoi(s) : fallback;
}

thread_local cudaError_t last_error = cudaSuccess;

// Live cudaMalloc blocks: start address -> size.
struct Memory {
  std::mutex mutex;
  std::map<uintptr_t, size_t> blocks;
  size_t used = 0;
};
Memory& memory() {
  static Memory* m = new Memory();  // never destroyed: tensors may be freed during exit
  return *m;
}

bool in_block_locked(Memory& m, uintptr_t p, size_t bytes) {
  auto it = m.blocks.upper_bound(p);
  if (it == m.blocks.begin()) return false;
  --it;
  return p >= it->first && p - it->first <= it->second && bytes <= it->second - (p - it->first);
}

// Which side a cudaMemcpy kind says each pointer is on; Default lets the pointers say.
cudaError_t check_copy(void* dst, const void* src, size_t count, cudaMemcpyKind kind) {
  bool dst_dev = is_device_pointer(dst), src_dev = is_device_pointer(src);
  bool want_dst, want_src;
  switch (kind) {
    case cudaMemcpyHostToHost:
      want_dst = want_src = false;
      break;
    case cudaMemcpyHostToDevice:
      want_dst = true, want_src = false;
      break;
    case cudaMemcpyDeviceToHost:
      want_dst = false, want_src = true;
      break;
    case cudaMemcpyDeviceToDevice:
      want_dst = want_src = true;
      break;
    case cudaMemcpyDefault:
      want_dst = dst_dev, want_src = src_dev;
      break;
    default:
      return cudaErrorInvalidValue;
  }
  if (dst_dev != want_dst || src_dev != want_src) {
    report("cudaMemcpy: kind " + std::to_string(kind) + " but the destination is " +
           (dst_dev ? "device" : "host") + " memory and the source " +
           (src_dev ? "device" : "host") + " memory");
    return cudaErrorInvalidValue;
  }
  if ((want_dst && !is_device_range(dst, count)) || (want_src && !is_device_range(src, count))) {
    report("cudaMemcpy: " + std::to_string(count) + " bytes run past the end of a device block");
    return cudaErrorInvalidValue;
  }
  return cudaSuccess;
}

}  // namespace

int multiprocessors() {
  static const int n = std::max(1, env_int("XGRAD_CUDA_EMULATE_SMS", 2));
  return n;
}

uint64_t seed() {
  static const uint64_t s = [] {
    const char* e = std::getenv("XGRAD_CUDA_EMULATE_SEED");
    return e && *e ? std::strtoull(e, nullptr, 0) : 0x5eedc0dau;
  }();
  return s;
}

std::recursive_mutex& device_lock() {
  static std::recursive_mutex* m = new std::recursive_mutex();
  return *m;
}

cudaError_t set_error(cudaError_t err) {
  if (err != cudaSuccess) last_error = err;
  return err;
}

bool is_device_range(const void* ptr, size_t bytes) {
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mutex);
  return in_block_locked(m, reinterpret_cast<uintptr_t>(ptr), bytes);
}

bool is_device_pointer(const void* ptr) { return ptr != nullptr && is_device_range(ptr, 0); }

void report(const std::string& message) {
  std::fprintf(stderr, "xgrad emulated CUDA: %s\n", message.c_str());
  std::fflush(stderr);
}

}  // namespace xgrad::cuda::emulate

using namespace xgrad::cuda::emulate;

// ---- device

cudaError_t cudaGetDeviceCount(int* count) {
  if (!count) return set_error(cudaErrorInvalidValue);
  *count = 1;
  return cudaSuccess;
}

cudaError_t cudaGetDevice(int* device) {
  if (!device) return set_error(cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
  return device == 0 ? cudaSuccess : set_error(cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
  if (!prop) return set_error(cudaErrorInvalidValue);
  if (device != 0) return set_error(cudaErrorInvalidDevice);
  *prop = {};
  std::snprintf(prop->name, sizeof prop->name, "xgrad emulated CUDA device");
  prop->totalGlobalMem = kGlobalMemory;
  prop->sharedMemPerBlock = kSharedMemoryPerBlock;
  prop->warpSize = warpSize;
  prop->maxThreadsPerBlock = kMaxThreadsPerBlock;
  for (int d = 0; d < 3; ++d) {
    prop->maxThreadsDim[d] = kMaxBlockDim[d];
    prop->maxGridSize[d] = kMaxGridDim[d];
  }
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = multiprocessors();
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
  if (!value) return set_error(cudaErrorInvalidValue);
  cudaDeviceProp p;
  if (cudaError_t err = cudaGetDeviceProperties(&p, device); err != cudaSuccess) return err;
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock:
      *value = p.maxThreadsPerBlock;
      break;
    case cudaDevAttrMaxBlockDimX:
    case cudaDevAttrMaxBlockDimY:
    case cudaDevAttrMaxBlockDimZ:
      *value = p.maxThreadsDim[attr - cudaDevAttrMaxBlockDimX];
      break;
    case cudaDevAttrMaxGridDimX:
    case cudaDevAttrMaxGridDimY:
    case cudaDevAttrMaxGridDimZ:
      *value = p.maxGridSize[attr - cudaDevAttrMaxGridDimX];
      break;
    case cudaDevAttrMaxSharedMemoryPerBlock:
      *value = static_cast<int>(p.sharedMemPerBlock);
      break;
    case cudaDevAttrWarpSize:
      *value = p.warpSize;
      break;
    case cudaDevAttrMultiProcessorCount:
      *value = p.multiProcessorCount;
      break;
    case cudaDevAttrComputeCapabilityMajor:
      *value = p.major;
      break;
    case cudaDevAttrComputeCapabilityMinor:
      *value = p.minor;
      break;
    default:
      return set_error(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

// Every call has finished when it returns: nothing is ever pending.
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaGetLastError() {
  cudaError_t err = last_error;
  last_error = cudaSuccess;
  return err;
}

cudaError_t cudaPeekAtLastError() { return last_error; }

const char* cudaGetErrorString(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
    case cudaErrorInvalidDevice:
      return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle:
      return "invalid resource handle";
    case cudaErrorNotReady:
      return "device not ready";
    case cudaErrorLaunchFailure:
      return "unspecified launch failure";
  }
  return "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t error) {
  switch (error) {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle:
      return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady:
      return "cudaErrorNotReady";
    case cudaErrorLaunchFailure:
      return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

// ---- memory

cudaError_t cudaMalloc(void** ptr, size_t size) {
  if (!ptr) return set_error(cudaErrorInvalidValue);
  *ptr = nullptr;
  if (size == 0) return cudaSuccess;
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mutex);
  if (size > kGlobalMemory - m.used) return set_error(cudaErrorMemoryAllocation);
  void* p = nullptr;
  if (posix_memalign(&p, 256, size) != 0) return set_error(cudaErrorMemoryAllocation);
  m.blocks[reinterpret_cast<uintptr_t>(p)] = size;
  m.used += size;
  *ptr = p;
  return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
  if (!ptr) return cudaSuccess;
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mutex);
  auto it = m.blocks.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == m.blocks.end()) {
    report("cudaFree of a pointer that is not a live cudaMalloc block");
    return set_error(cudaErrorInvalidValue);
  }
  m.used -= it->second;
  m.blocks.erase(it);
  std::free(ptr);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  if (!free || !total) return set_error(cudaErrorInvalidValue);
  Memory& m = memory();
  std::lock_guard<std::mutex> lock(m.mutex);
  *total = kGlobalMemory;
  *free = kGlobalMemory - m.used;
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, cudaMemcpyKind kind) {
  if (count == 0) return cudaSuccess;
  if (cudaError_t err = check_copy(dst, src, count, kind); err != cudaSuccess)
    return set_error(err);
  std::lock_guard<std::recursive_mutex> lock(device_lock());
  std::memmove(dst, src, count);
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind,
                            cudaStream_t) {
  return cudaMemcpy(dst, src, count, kind);
}

cudaError_t cudaMemset(void* ptr, int value, size_t count) {
  if (count == 0) return cudaSuccess;
  if (!is_device_range(ptr, count)) {
    report("cudaMemset: " + std::to_string(count) + " bytes not inside one device block");
    return set_error(cudaErrorInvalidValue);
  }
  std::lock_guard<std::recursive_mutex> lock(device_lock());
  std::memset(ptr, value, count);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* ptr, int value, size_t count, cudaStream_t) {
  return cudaMemset(ptr, value, count);
}

// ---- streams and events: work is done when issued, so a stream is always idle and an event
// completes when recorded (its time is the host's clock then).

struct CUstream_st {};
struct CUevent_st {
  std::chrono::steady_clock::time_point when;
  bool recorded = false;
};

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  if (!stream) return set_error(cudaErrorInvalidValue);
  *stream = new CUstream_st();
  return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
cudaError_t cudaStreamQuery(cudaStream_t) { return cudaSuccess; }

cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t event, unsigned) {
  return event ? cudaSuccess : set_error(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  if (!event) return set_error(cudaErrorInvalidValue);
  *event = new CUevent_st();
  return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t) {
  if (!event) return set_error(cudaErrorInvalidResourceHandle);
  event->when = std::chrono::steady_clock::now();
  event->recorded = true;
  return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  return event ? cudaSuccess : set_error(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) { return cudaEventQuery(event); }

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!ms) return set_error(cudaErrorInvalidValue);
  if (!start || !end) return set_error(cudaErrorInvalidResourceHandle);
  if (!start->recorded || !end->recorded) return set_error(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}
