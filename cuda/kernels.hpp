// The CUDA table's entries, one function per X-macro entry of autograd/kernels.hpp with the same
// signature; table.cpp takes their addresses, so a missing one fails to link. Internal to cuda/.
#pragma once

#include "autograd/kernels.hpp"

namespace xgrad::cuda::kernels {

using ::xgrad::kernels::AdamStep;
using ::xgrad::kernels::Binary;
using ::xgrad::kernels::Random;
using ::xgrad::kernels::Reduce;
using ::xgrad::kernels::Unary;
using ::xgrad::kernels::Window2d;

#define XGRAD_CUDA_KERNEL_DECLARE(name, ret, params) ret name params;
XGRAD_KERNELS(XGRAD_CUDA_KERNEL_DECLARE)
#undef XGRAD_CUDA_KERNEL_DECLARE

}  // namespace xgrad::cuda::kernels
