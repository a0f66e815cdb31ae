#include "xgrad/optim/adagrad.hpp"

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::optim {

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : OptimizerWith("Adagrad", std::move(params), options) {}
Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults)
    : OptimizerWith("Adagrad", std::move(groups), defaults) {}
Adagrad::~Adagrad() = default;

void AdagradOptions::validate(const char* name) const {
  detail::check_lr(name, lr);
  detail::check_option(lr_decay >= 0.0, name, "lr_decay value", lr_decay, "must be >= 0");
  detail::check_option(weight_decay >= 0.0, name, "weight_decay value", weight_decay,
                       "must be >= 0");
  detail::check_option(initial_accumulator_value >= 0.0, name, "initial_accumulator_value",
                       initial_accumulator_value, "must be >= 0");
  detail::check_option(eps >= 0.0, name, "epsilon value", eps, "must be >= 0");
}

void Adagrad::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params_.size(); ++g) {
    const AdagradOptions& o = options_[g];
    for (size_t i = 0; i < params_[g].size(); ++i) {
      Tensor p = params_[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& s = state_[g][i];
      Tensor& sum = state_buffer(s, "sum", p, o.initial_accumulator_value);
      s.step += 1;
      if (o.maximize) grad = -grad;
      if (o.weight_decay != 0.0) grad = grad + p * o.weight_decay;
      const double clr = o.lr / (1.0 + static_cast<double>(s.step - 1) * o.lr_decay);
      sum.add_(grad * grad);
      p.add_(grad / (sqrt(sum) + o.eps), -clr);
    }
  }
}

}  // namespace xgrad::optim
