/// \file
/// Gradient checkpointing (PyTorch's torch.utils.checkpoint): trade compute for memory.
///
/// \code{.cpp}
///   Tensor y = checkpoint([&](const std::vector<Tensor>& in) { return block(in[0]); }, {x});
/// \endcode
///
/// The forward runs `fn` without recording a graph, so none of its intermediate tensors are kept;
/// the backward runs `fn` again on the saved inputs with the graph on and backpropagates through
/// that. The random engine is set back to where it was for the first run, so dropout inside `fn`
/// draws the same mask both times. Parameters that `fn` uses (a module's weights) receive their
/// gradients during the recomputation, accumulated into .grad() as backward() does; so use
/// backward() (not autograd::grad) through a checkpoint, and no create_graph (the recomputed
/// graph is differentiated once). Under grad mode the output requires grad even when no input
/// does, so that parameters inside `fn` still get their gradients.
#pragma once

#include <functional>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

/// What checkpoint() runs: the inputs in, one tensor out.
using CheckpointFunction = std::function<Tensor(const std::vector<Tensor>&)>;

/// `fn` must compute the same function of its inputs each time (no state it changes itself);
/// with preserve_rng_state = false the recomputation draws fresh random numbers.
Tensor checkpoint(const CheckpointFunction& fn, const std::vector<Tensor>& inputs,
                  bool preserve_rng_state = true);

}  // namespace xgrad
