// The emulated CUDA runtime (XGRAD_CUDA=EMULATE): the part of <cuda_runtime.h> that xgrad uses,
// and the kernel language (__global__, threadIdx, __shared__, __syncthreads, warp shuffles,
// atomics), so that cuda/*.cu compile as C++ and run on the CPU. One emulated device; device
// memory is host memory; every call and launch runs to completion before it returns (which keeps
// every ordering that streams and events promise). See cuda/emulate/README.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>

// ---- types and constants (the real runtime's names and values)

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorLaunchFailure = 719,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMaxBlockDimX = 2,
  cudaDevAttrMaxBlockDimY = 3,
  cudaDevAttrMaxBlockDimZ = 4,
  cudaDevAttrMaxGridDimX = 5,
  cudaDevAttrMaxGridDimY = 6,
  cudaDevAttrMaxGridDimZ = 7,
  cudaDevAttrMaxSharedMemoryPerBlock = 8,
  cudaDevAttrWarpSize = 10,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrComputeCapabilityMajor = 75,
  cudaDevAttrComputeCapabilityMinor = 76,
};

struct uint3 {
  unsigned x, y, z;
};
struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int major, minor;
  int multiProcessorCount;
};

struct CUstream_st;
struct CUevent_st;
using cudaStream_t = CUstream_st*;  // nullptr: the legacy default stream
using cudaEvent_t = CUevent_st*;

// ---- the runtime API

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);

cudaError_t cudaMalloc(void** ptr, size_t size);
template <class T>
cudaError_t cudaMalloc(T** ptr, size_t size) {
  return cudaMalloc(reinterpret_cast<void**>(ptr), size);
}
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t count, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t count, cudaMemcpyKind kind,
                            cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* ptr, int value, size_t count);
cudaError_t cudaMemsetAsync(void* ptr, int value, size_t count, cudaStream_t stream = nullptr);

cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamQuery(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned flags = 0);
cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventQuery(cudaEvent_t event);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

// ---- the kernel language

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
// Static storage, shared by the fibers of a block (blocks and launches run one at a time);
// AddressSanitizer puts redzones around it. It keeps the previous block's values, where a GPU
// block would find undefined ones.
#define __shared__ static

// The running thread's coordinates, set by the emulation before it resumes the thread. Kernels
// read them all the time: initial-exec TLS spares each read a call to __tls_get_addr.
#define XGRAD_EMULATE_TLS __attribute__((tls_model("initial-exec"))) inline thread_local
XGRAD_EMULATE_TLS uint3 threadIdx, blockIdx;
XGRAD_EMULATE_TLS dim3 blockDim, gridDim;
constexpr int warpSize = 32;

namespace xgrad::cuda::emulate {

// Waits until every thread of the block has arrived.
void block_barrier();
// The warp exchange behind the shuffles: deposits `value`, waits for every lane of `mask`, and
// returns the value lane `source` deposited (an error when `source` is not in `mask`).
uint64_t warp_exchange(unsigned mask, uint64_t value, unsigned source);
unsigned lane_id();

template <class T>
T shuffle(unsigned mask, T var, unsigned source) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffle: at most 8 bytes");
  uint64_t bits = 0;
  std::memcpy(&bits, &var, sizeof(T));
  bits = warp_exchange(mask, bits, source);
  std::memcpy(&var, &bits, sizeof(T));
  return var;
}

// Runs `thread(context)` once per thread of the grid and returns the launch's error (also left
// for cudaGetLastError). `kernel` names it in the emulation's own reports.
cudaError_t run_grid(const char* kernel, dim3 grid, dim3 block, void (*thread)(const void*),
                     const void* context);

// What `fn<<<grid, block>>>(args...)` does: the arguments are converted to the parameters once,
// and every thread runs `fn` on its own copies of them.
template <class... Params, class... Args>
void launch(const char* kernel, void (*fn)(Params...), dim3 grid, dim3 block, const Args&... args) {
  struct Launch {
    void (*fn)(Params...);
    std::tuple<std::decay_t<Params>...> params;
  } launch{fn, {static_cast<std::decay_t<Params>>(args)...}};
  run_grid(
      kernel, grid, block,
      [](const void* p) {
        const auto* l = static_cast<const Launch*>(p);
        std::apply(l->fn, l->params);
      },
      &launch);
}

}  // namespace xgrad::cuda::emulate

inline void __syncthreads() { xgrad::cuda::emulate::block_barrier(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) {
  xgrad::cuda::emulate::warp_exchange(mask, 0, xgrad::cuda::emulate::lane_id());
}

template <class T>
T __shfl_sync(unsigned mask, T var, int source, int width = warpSize) {
  unsigned lane = xgrad::cuda::emulate::lane_id(), base = lane / width * width;
  return xgrad::cuda::emulate::shuffle(mask, var, base + static_cast<unsigned>(source) % width);
}
template <class T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize) {
  unsigned lane = xgrad::cuda::emulate::lane_id(), base = lane / width * width;
  unsigned source = lane ^ static_cast<unsigned>(lane_mask);
  return xgrad::cuda::emulate::shuffle(mask, var, source < base + width ? source : lane);
}
template <class T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  unsigned lane = xgrad::cuda::emulate::lane_id(), base = lane / width * width;
  unsigned source = lane + delta;
  return xgrad::cuda::emulate::shuffle(mask, var, source < base + width ? source : lane);
}
template <class T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  unsigned lane = xgrad::cuda::emulate::lane_id(), base = lane / width * width;
  return xgrad::cuda::emulate::shuffle(mask, var, lane >= base + delta ? lane - delta : lane);
}

// Arithmetic that is never fused into a multiply-add, as nvcc promises for these: the product is
// stored (volatile), so no -ffp-contract setting can fuse it with the add that follows.
inline double __dmul_rn(double a, double b) {
  volatile double p = a * b;
  return p;
}
inline double __dadd_rn(double a, double b) { return a + b; }
inline float __fmul_rn(float a, float b) {
  volatile float p = a * b;
  return p;
}
inline float __fadd_rn(float a, float b) { return a + b; }

// Atomics: the threads of a block are fibers on one host thread and a fiber only yields at a
// barrier or a shuffle, so a read-modify-write is never interrupted.
namespace xgrad::cuda::emulate {
template <class T>
T atomic_add(T* address, T value) {
  T old = *address;
  *address = old + value;
  return old;
}
}  // namespace xgrad::cuda::emulate
inline int atomicAdd(int* a, int v) { return xgrad::cuda::emulate::atomic_add(a, v); }
inline unsigned atomicAdd(unsigned* a, unsigned v) {
  return xgrad::cuda::emulate::atomic_add(a, v);
}
inline unsigned long long atomicAdd(unsigned long long* a, unsigned long long v) {
  return xgrad::cuda::emulate::atomic_add(a, v);
}
inline float atomicAdd(float* a, float v) { return xgrad::cuda::emulate::atomic_add(a, v); }
inline double atomicAdd(double* a, double v) { return xgrad::cuda::emulate::atomic_add(a, v); }
template <class T>
T atomicExch(T* address, T value) {
  T old = *address;
  *address = value;
  return old;
}
template <class T>
T atomicCAS(T* address, T compare, T value) {
  T old = *address;
  if (old == compare) *address = value;
  return old;
}
template <class T>
T atomicMax(T* address, T value) {
  T old = *address;
  if (value > old) *address = value;
  return old;
}
template <class T>
T atomicMin(T* address, T value) {
  T old = *address;
  if (value < old) *address = value;
  return old;
}
