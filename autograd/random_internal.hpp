// Draws from a given Generator (the public ops draw from the default one).
#pragma once

#include "xgrad/autograd/random.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad::detail {

// randperm(n) as an int64 CPU tensor, drawn from `gen` (the same numbers randperm would give with
// the default generator at gen's position).
Tensor randperm(int64_t n, Generator& gen);

}  // namespace xgrad::detail
