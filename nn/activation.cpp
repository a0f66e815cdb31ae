#include "xgrad/nn/activation.hpp"

#include "xgrad/nn/functional.hpp"

namespace xgrad::nn {

Tensor ReLUImpl::forward(const Tensor& x) { return functional::relu(x); }

Tensor LeakyReLUImpl::forward(const Tensor& x) { return functional::leaky_relu(x, negative_slope); }
std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + detail::py_repr(negative_slope);
}

Tensor TanhImpl::forward(const Tensor& x) { return functional::tanh(x); }

Tensor SigmoidImpl::forward(const Tensor& x) { return functional::sigmoid(x); }

Tensor SoftmaxImpl::forward(const Tensor& x) { return functional::softmax(x, dim); }
std::string SoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmaxImpl::forward(const Tensor& x) { return functional::log_softmax(x, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

GELUImpl::GELUImpl(std::string a) : Module("GELU"), approximate(std::move(a)) {
  if (approximate != "none" && approximate != "tanh")
    throw Error("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
}
Tensor GELUImpl::forward(const Tensor& x) { return functional::gelu(x, approximate); }
std::string GELUImpl::extra_repr() const { return "approximate='" + approximate + "'"; }
Tensor SiLUImpl::forward(const Tensor& x) { return functional::silu(x); }
Tensor ELUImpl::forward(const Tensor& x) { return functional::elu(x, alpha); }
std::string ELUImpl::extra_repr() const { return "alpha=" + detail::py_repr(alpha); }
SoftplusImpl::SoftplusImpl(double b, double t) : Module("Softplus"), beta(b), threshold(t) {
  if (!(beta > 0.0)) throw Error("Softplus: beta must be positive, got " + detail::py_repr(beta));
}
Tensor SoftplusImpl::forward(const Tensor& x) { return functional::softplus(x, beta, threshold); }
std::string SoftplusImpl::extra_repr() const {
  return "beta=" + detail::py_repr(beta) + ", threshold=" + detail::py_repr(threshold);
}

}  // namespace xgrad::nn
