#include "xgrad/nn/functional.hpp"

#include <string>

namespace xgrad::nn::functional {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2)
    throw Error("linear: weight must be 2-D [out_features, in_features], got shape " +
                weight.shape().str());
  if (x.dim() < 1 || x.size(-1) != weight.size(1))
    throw Error("linear: input of shape " + x.shape().str() + " does not match weight of shape " +
                weight.shape().str() + " (the input's last dimension must be " +
                std::to_string(weight.size(1)) + ")");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw Error("linear: bias of shape " + bias.shape().str() + " does not match weight of shape " +
                weight.shape().str() + " (expected [" + std::to_string(weight.size(0)) + "])");
  // GEMM wants 2-D: fold the leading dimensions into rows, then unfold them.
  Tensor x2 = x.dim() == 2 ? x : x.reshape({-1, x.size(-1)});
  Tensor y = xgrad::linear(x2, weight, bias);
  if (x.dim() == 2) return y;
  Shape out = x.shape();
  out[out.ndim() - 1] = weight.size(0);
  return y.reshape(out);
}

Tensor relu(const Tensor& x) { return xgrad::relu(x); }
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return xgrad::leaky_relu(x, negative_slope);
}
Tensor tanh(const Tensor& x) { return xgrad::tanh(x); }
Tensor sigmoid(const Tensor& x) { return xgrad::sigmoid(x); }
Tensor softmax(const Tensor& x, int64_t dim) { return xgrad::softmax(x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return xgrad::log_softmax(x, dim); }

Tensor dropout(const Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p <= 1.0))
    throw Error("dropout: probability has to be between 0 and 1, but got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  if (!is_floating(x.dtype()))
    throw Error(std::string("dropout: needs a floating input, got ") + dtype_name(x.dtype()));
  if (p == 1.0) return x * zeros_like(x);
  // The kept mask, already scaled: one differentiable multiply.
  Tensor scaled_mask = bernoulli(x.shape(), 1.0 - p, TensorOptions{x.dtype(), x.device()});
  scaled_mask.mul_(1.0 / (1.0 - p));
  return x * scaled_mask;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return xgrad::flatten(x, start_dim, end_dim);
}

}  // namespace xgrad::nn::functional
