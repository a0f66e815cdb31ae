/// \file
/// nn::functional: the stateless forms of the layers (F.linear, F.relu, F.dropout, ... in
/// PyTorch). Losses are in nn/loss.hpp, in the same namespace. Usual alias:
/// \code{.cpp}
///   namespace F = xgrad::nn::functional;
/// \endcode
#pragma once

#include <optional>
#include <string_view>

#include "xgrad/autograd/tensor.hpp"
#include "xgrad/nn/loss.hpp"

namespace xgrad::nn::functional {

/// x @ weight^T + bias; x: [*, in], weight: [out, in], bias: [out] or undefined. The transpose is a
/// GEMM flag, not a copy.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

/// max(0, x).
Tensor relu(const Tensor& x);
/// x where x >= 0, negative_slope * x elsewhere.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
/// tanh(x).
Tensor tanh(const Tensor& x);
/// 1 / (1 + exp(-x)).
Tensor sigmoid(const Tensor& x);
/// exp(x) / sum(exp(x)) along `dim`, computed stably.
Tensor softmax(const Tensor& x, int64_t dim);
/// log(softmax(x, dim)), computed stably.
Tensor log_softmax(const Tensor& x, int64_t dim);

/// Inverted dropout: in training, zeroes each element with probability p (mask from the seeded
/// engine, xgrad::bernoulli) and scales the rest by 1 / (1 - p); otherwise returns x unchanged.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

/// Merges dims start_dim..end_dim into one (a view of x).
Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);

/// x Phi(x) (approximate "none"), or its tanh form (approximate "tanh").
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
/// x * sigmoid(x).
Tensor silu(const Tensor& x);
/// x where x > 0, alpha * (exp(x) - 1) elsewhere.
Tensor elu(const Tensor& x, double alpha = 1.0);
/// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold, as PyTorch.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);

// ---- convolution and pooling (the ops of autograd/tensor.hpp, under PyTorch's F. names)
using xgrad::adaptive_avg_pool2d;
using xgrad::avg_pool2d;
using xgrad::conv1d;
using xgrad::conv2d;
using xgrad::max_pool2d;
using xgrad::max_pool2d_with_indices;

// ---- normalization
/// x [N, C, *]: normalizes each channel over every dim but 1. Training (or no running stats):
/// with the batch's mean and biased variance, and updates running_mean / running_var in place
/// (when defined) by running = (1 - momentum) running + momentum stat, the variance unbiased;
/// otherwise with the running stats. weight and bias [C] scale and shift (each may be undefined).
Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);
/// Normalizes over the last normalized_shape.ndim() dims (biased variance), then weight * x + bias.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);
/// Rows of weight [num, dim] at int64 indices of any shape: [*, dim]. The row padding_idx (when
/// given; negative counts from the end) gets no gradient.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace xgrad::nn::functional
