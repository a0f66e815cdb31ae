#include "xgrad/nn/linear.hpp"

#include <cmath>

#include "xgrad/nn/functional.hpp"

namespace xgrad::nn {

namespace {
int64_t checked_features(int64_t n, const char* what) {
  if (n <= 0)
    throw Error(std::string("Linear: ") + what + " must be positive, got " + std::to_string(n));
  return n;
}
}  // namespace

LinearImpl::LinearImpl(int64_t in, int64_t out, LinearOptions opt)
    : Module("Linear"),
      in_features(checked_features(in, "in_features")),
      out_features(checked_features(out, "out_features")),
      options(std::move(opt)),
      weight(register_parameter("weight",
                                empty({out, in}, TensorOptions{options.dtype, options.device}))),
      bias(register_parameter(
          "bias",
          options.bias ? empty({out}, TensorOptions{options.dtype, options.device}) : Tensor())) {
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  if (options.weight_init)
    options.weight_init(weight);
  else
    init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  if (options.bias_init) {
    options.bias_init(bias);
  } else {
    double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& x) { return functional::linear(x, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return "in_features=" + std::to_string(in_features) +
         ", out_features=" + std::to_string(out_features) +
         ", bias=" + detail::py_bool(bias.defined());
}

}  // namespace xgrad::nn
