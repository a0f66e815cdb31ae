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

}  // namespace xgrad::nn
