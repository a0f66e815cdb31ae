// The CUDA side of a build without CUDA: no device, and a table request that says how to get one.
#include <string>

#include "autograd/kernels.hpp"
#include "cuda/cuda.hpp"

namespace xgrad {

namespace kernels {
const Table& cuda(const char* op) {
  throw Error(std::string(op) +
              ": this build of xgrad has no CUDA backend (reconfigure with -DXGRAD_CUDA=ON where "
              "nvcc is installed)");
}
}  // namespace kernels

namespace cuda {
bool is_available() { return false; }
int device_count() { return 0; }
void synchronize() {}
void empty_cache() {}
MemoryStats memory_stats() { return {}; }
}  // namespace cuda

}  // namespace xgrad
