// set_num_threads / get_num_threads: the kernels' worker pool and OpenBLAS, set together.
#include <cblas.h>

#include <string>

#include "autograd/cpu/parallel.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

void set_num_threads(int n) {
  if (n < 1) throw Error("set_num_threads: the thread count must be at least 1, got " + std::to_string(n));
  kernels::cpu_detail::set_parallel_threads(n);
  openblas_set_num_threads(n);  // large GEMMs; small ones run on the caller (cpu/gemm.cpp)
}

int get_num_threads() { return kernels::cpu_detail::parallel_threads(); }

}  // namespace xgrad
