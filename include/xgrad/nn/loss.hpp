/// \file
/// Loss functions, as torch.nn.functional's: each takes the prediction first, then the target,
/// then how to reduce the per-element losses (mean by default). Dtypes of input and target must
/// agree (class indices are int64); shapes must match exactly (no silent broadcasting).
#pragma once

#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::nn {

/// How a loss reduces its per-element losses: none (keep them), mean, or sum.
enum class Reduction { none, mean, sum };

namespace functional {

/// (input - target)^2
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
/// |input - target|
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);

/// -w * (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1]; each log is clamped at -100
/// as in PyTorch, so p = 0 or 1 gives a finite loss and gradient. `weight` broadcasts to input.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            Reduction reduction = Reduction::mean, const Tensor& weight = {});
/// The same from logits x, computed stably as (1 - y) x + lw * softplus(-x) with
/// lw = 1 + (pos_weight - 1) y. pos_weight broadcasts over the last (class) dimension.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction = Reduction::mean,
                                        const Tensor& weight = {}, const Tensor& pos_weight = {});

/// Negative log likelihood of log-probabilities input [N, C] (or [N, C, d...], or [C]) at int64
/// class indices target [N] (or [N, d...], or []). With class weights w, mean divides by the sum
/// of w over the targets, as PyTorch does.
Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                const Tensor& weight = {});
/// Cross entropy from logits: nll_loss(log_softmax(input, 1), target), stable for any logits.
/// A floating target of the input's shape is a distribution over classes per sample
/// (probability targets): -sum_c w_c target_c log_softmax(input)_c, mean over samples.
Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     Reduction reduction = Reduction::mean, const Tensor& weight = {});

/// Penalties for regularized losses: sum of |p| and sum of p^2 over every element of every
/// tensor (no factor 1/2): `loss + lambda * l2_penalty(weights)`.
///@{
Tensor l1_penalty(const std::vector<Tensor>& params);
Tensor l2_penalty(const std::vector<Tensor>& params);
///@}

}  // namespace functional
}  // namespace xgrad::nn
