#include "optim/adam.hpp"

#include <cmath>

#include "autograd/graph.hpp"
#include "optim/adamw.hpp"

namespace xgrad::optim {

namespace detail {

void check_adam_options(const char* name, double lr, std::pair<double, double> betas, double eps,
                        double weight_decay) {
  check_lr(name, lr);
  check_option(eps >= 0.0, name, "epsilon value", eps, "must be >= 0");
  check_option(betas.first >= 0.0 && betas.first < 1.0, name, "beta parameter at index 0",
               betas.first, "must be in [0, 1)");
  check_option(betas.second >= 0.0 && betas.second < 1.0, name, "beta parameter at index 1",
               betas.second, "must be in [0, 1)");
  check_option(weight_decay >= 0.0, name, "weight_decay value", weight_decay, "must be >= 0");
}

void adam_update(Tensor& p, const Tensor& grad, ParamState& s, double lr,
                 std::pair<double, double> betas, double eps, bool amsgrad) {
  const auto [beta1, beta2] = betas;
  s.step += 1;
  Tensor& exp_avg = state_buffer(s, "exp_avg", p);
  Tensor& exp_avg_sq = state_buffer(s, "exp_avg_sq", p);
  exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
  exp_avg_sq.mul_(beta2).add_(grad * grad, 1.0 - beta2);

  const double step = static_cast<double>(s.step);
  const double bias_correction1 = 1.0 - std::pow(beta1, step);
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, step));
  const double step_size = lr / bias_correction1;
  Tensor denom;
  if (amsgrad) {
    Tensor& max_exp_avg_sq = state_buffer(s, "max_exp_avg_sq", p);
    max_exp_avg_sq.copy_(maximum(max_exp_avg_sq, exp_avg_sq));
    denom = sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps;
  } else {
    denom = sqrt(exp_avg_sq) / bias_correction2_sqrt + eps;
  }
  p.add_(exp_avg / denom, -step_size);
}

}  // namespace detail

void AdamOptions::validate(const char* name) const {
  detail::check_adam_options(name, lr, betas, eps, weight_decay);
}

void AdamWOptions::validate(const char* name) const {
  detail::check_adam_options(name, lr, betas, eps, weight_decay);
}

void Adam::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params_.size(); ++g) {
    const AdamOptions& o = options_[g];
    for (size_t i = 0; i < params_[g].size(); ++i) {
      Tensor p = params_[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (o.maximize) grad = -grad;
      if (o.weight_decay != 0.0) grad = grad + p * o.weight_decay;
      detail::adam_update(p, grad, state_[g][i], o.lr, o.betas, o.eps, o.amsgrad);
    }
  }
}

void AdamW::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params_.size(); ++g) {
    const AdamWOptions& o = options_[g];
    for (size_t i = 0; i < params_[g].size(); ++i) {
      Tensor p = params_[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (o.maximize) grad = -grad;
      p.mul_(1.0 - o.lr * o.weight_decay);
      detail::adam_update(p, grad, state_[g][i], o.lr, o.betas, o.eps, o.amsgrad);
    }
  }
}

}  // namespace xgrad::optim
