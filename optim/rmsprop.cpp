#include "xgrad/optim/rmsprop.hpp"

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::optim {

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : OptimizerWith("RMSprop", std::move(params), options) {}
RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults)
    : OptimizerWith("RMSprop", std::move(groups), defaults) {}
RMSprop::~RMSprop() = default;

void RMSpropOptions::validate(const char* name) const {
  detail::check_lr(name, lr);
  detail::check_option(eps >= 0.0, name, "epsilon value", eps, "must be >= 0");
  detail::check_option(momentum >= 0.0, name, "momentum value", momentum, "must be >= 0");
  detail::check_option(weight_decay >= 0.0, name, "weight_decay value", weight_decay,
                       "must be >= 0");
  detail::check_option(alpha >= 0.0, name, "alpha value", alpha, "must be >= 0");
}

void RMSprop::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params_.size(); ++g) {
    const RMSpropOptions& o = options_[g];
    for (size_t i = 0; i < params_[g].size(); ++i) {
      Tensor p = params_[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& s = state_[g][i];
      s.step += 1;
      if (o.maximize) grad = -grad;
      if (o.weight_decay != 0.0) grad = grad + p * o.weight_decay;
      Tensor& square_avg = state_buffer(s, "square_avg", p);
      square_avg.mul_(o.alpha).add_(grad * grad, 1.0 - o.alpha);
      Tensor avg;
      if (o.centered) {
        Tensor& grad_avg = state_buffer(s, "grad_avg", p);
        grad_avg.mul_(o.alpha).add_(grad, 1.0 - o.alpha);
        avg = sqrt(square_avg - grad_avg * grad_avg) + o.eps;
      } else {
        avg = sqrt(square_avg) + o.eps;
      }
      if (o.momentum > 0.0) {
        Tensor& buf = state_buffer(s, "momentum_buffer", p);
        buf.mul_(o.momentum).add_(grad / avg);
        p.add_(buf, -o.lr);
      } else {
        p.add_(grad / avg, -o.lr);
      }
    }
  }
}

}  // namespace xgrad::optim
