// What nn's nll_loss needs from autograd and the public API does not offer. Internal.
#pragma once

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

// gather(logp, 1, index) ([N, C] and [N, 1] int64 -> [N, 1]) whose gradient keeps logp on its
// graph, as PyTorch's nll_loss: a second derivative through it is a zero tensor.
Tensor nll_pick(const Tensor& logp, const Tensor& index);

}  // namespace xgrad
