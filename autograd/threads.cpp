// set_num_threads / get_num_threads: the kernels' worker pool, which also runs the pieces of large
// GEMMs; OpenBLAS itself stays on one thread per call, so the two never oversubscribe the CPUs.
#include <string>

#include "autograd/cpu/parallel.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

void set_num_threads(int n) {
  if (n < 1) throw Error("set_num_threads: the thread count must be at least 1, got " + std::to_string(n));
  kernels::cpu_detail::set_parallel_threads(n);  // OpenBLAS runs on one thread per call: cpu/gemm.cpp
}

int get_num_threads() { return kernels::cpu_detail::parallel_threads(); }

}  // namespace xgrad
