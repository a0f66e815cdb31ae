#include "xgrad/nn/dropout.hpp"

#include "xgrad/nn/functional.hpp"

namespace xgrad::nn {

DropoutImpl::DropoutImpl(double p) : Module("Dropout"), p(p) {
  if (!(p >= 0.0 && p <= 1.0))
    throw Error("Dropout: probability has to be between 0 and 1, but got " + detail::py_repr(p));
}

Tensor DropoutImpl::forward(const Tensor& x) { return functional::dropout(x, p, is_training()); }

std::string DropoutImpl::extra_repr() const { return "p=" + detail::py_repr(p); }

}  // namespace xgrad::nn
