// nn::functional: the stateless forms of the layers (F.linear, F.relu, F.dropout, ... in
// PyTorch). Losses are in nn/loss.hpp, in the same namespace. Usual alias:
//   namespace F = xgrad::nn::functional;
#pragma once

#include <optional>

#include "xgrad/autograd/tensor.hpp"
#include "xgrad/nn/loss.hpp"

namespace xgrad::nn::functional {

// x @ weight^T + bias; x: [*, in], weight: [out, in], bias: [out] or undefined. The transpose is a
// GEMM flag, not a copy.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

// Inverted dropout: in training, zeroes each element with probability p (mask from the seeded
// engine, xgrad::bernoulli) and scales the rest by 1 / (1 - p); otherwise returns x unchanged.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

Tensor flatten(const Tensor& x, int64_t start_dim = 1, int64_t end_dim = -1);

}  // namespace xgrad::nn::functional
