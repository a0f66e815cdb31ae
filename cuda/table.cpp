// kernels::cuda(op): the CUDA table, after checking once that a device is present.
#include "cuda/device.hpp"
#include "cuda/kernels.hpp"

namespace xgrad::kernels {

const Table& cuda(const char* op) {
  ::xgrad::cuda::require_device(op);
  static const Table table = [] {
    Table t;
#define XGRAD_CUDA_KERNEL_ENTRY(name, ret, params) t.name = &::xgrad::cuda::kernels::name;
    XGRAD_KERNELS(XGRAD_CUDA_KERNEL_ENTRY)
#undef XGRAD_CUDA_KERNEL_ENTRY
    return t;
  }();
  return table;
}

}  // namespace xgrad::kernels
