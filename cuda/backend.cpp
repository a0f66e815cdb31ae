// libxgrad_cuda.so's entry point: the kernel table and the device controls, handed to libxgrad's
// loader (cuda/loader.cpp) once, and the Tensor accessors the kernels call, forwarded to libxgrad.
#include "cuda/backend.hpp"

#include "cuda/allocator.hpp"
#include "cuda/check.hpp"
#include "cuda/device.hpp"
#include "cuda/kernels.hpp"

namespace xgrad {

namespace {
const cuda::Host* host = nullptr;  // set before any kernel can run
}  // namespace

// The backend's copies of libxgrad's accessors (hidden: the backend is built with hidden
// visibility), so that it links without libxgrad and works with a static or a shared one.
Dtype Tensor::dtype() const { return host->dtype(*this); }
void* Tensor::data_ptr() const { return host->data_ptr(*this); }
int64_t Tensor::numel() const { return host->numel(*this); }
const Shape& Tensor::shape() const { return host->shape(*this); }
bool is_deterministic() { return host->is_deterministic(); }

namespace cuda {
namespace {

// Without a device there is no work to wait for and no cache to empty.
void synchronize_device() {
  if (detected_devices() == 0) return;
  XGRAD_CUDA_CHECK("synchronize", cudaDeviceSynchronize);
}

void empty_device_cache() {
  if (detected_devices() > 0) CachingAllocator::instance().empty_cache();
}

MemoryStats device_memory_stats() {
  if (detected_devices() == 0) return {};
  return CachingAllocator::instance().stats();
}

const ::xgrad::kernels::Table& table() {
  static const ::xgrad::kernels::Table t = [] {
    ::xgrad::kernels::Table r;
#define XGRAD_CUDA_KERNEL_ENTRY(name, ret, params) r.name = &::xgrad::cuda::kernels::name;
    XGRAD_KERNELS(XGRAD_CUDA_KERNEL_ENTRY)
#undef XGRAD_CUDA_KERNEL_ENTRY
    return r;
  }();
  return t;
}

}  // namespace
}  // namespace cuda
}  // namespace xgrad

extern "C" __attribute__((visibility("default"))) const xgrad::cuda::Backend* xgrad_cuda_backend(
    const xgrad::cuda::Host* host, int abi) {
  using namespace xgrad::cuda;
  if (abi != kBackendAbi || host == nullptr) return nullptr;
  xgrad::host = host;
  static const Backend backend{.abi = kBackendAbi,
                               .table_size = sizeof(xgrad::kernels::Table),
                               .table = &table(),
                               .require_device = &require_device,
                               .device_count = &detected_devices,
                               .synchronize = &synchronize_device,
                               .empty_cache = &empty_device_cache,
                               .memory_stats = &device_memory_stats};
  return &backend;
}
