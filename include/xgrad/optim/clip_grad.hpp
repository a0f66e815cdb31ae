/// \file
/// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_. Runs on the
/// parameters' device without copying the norm back.
#pragma once

#include <limits>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::optim {

/// Scales every gradient by max_norm / (total_norm + 1e-6) when that is below 1, total_norm being
/// the norm of all gradients together (norm_type 2 by default; infinity for the max). Returns
/// total_norm (0-d). Parameters without a gradient are skipped.
Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
/// Clamps every gradient element into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

/// Infinity: clip_grad_norm_'s norm_type for the largest absolute value.
inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace xgrad::optim
