#include "xgrad/optim/adam.hpp"

#include <cmath>

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/optim/adamw.hpp"

namespace xgrad::optim {

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : OptimizerWith("Adam", std::move(params), options) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions defaults)
    : OptimizerWith("Adam", std::move(groups), defaults) {}
Adam::~Adam() = default;

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : OptimizerWith("AdamW", std::move(params), options) {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults)
    : OptimizerWith("AdamW", std::move(groups), defaults) {}
AdamW::~AdamW() = default;

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

void adam_update(Tensor& p, const Tensor& grad, ParamState& s, double lr, std::pair<double, double> betas,
                 double eps, double weight_decay, bool decoupled, bool amsgrad, bool maximize) {
  const char* name = decoupled ? "AdamW" : "Adam";
  if (grad.dtype() != p.dtype() || !(grad.device() == p.device()) || !(grad.shape() == p.shape()))
    throw Error(std::string(name) + ": gradient " + grad.shape().str() + " " + dtype_name(grad.dtype()) + " on " +
                grad.device().str() + " does not match its parameter " + p.shape().str() + " " +
                dtype_name(p.dtype()) + " on " + p.device().str());
  s.step += 1;
  Tensor& exp_avg = state_buffer(s, "exp_avg", p);
  Tensor& exp_avg_sq = state_buffer(s, "exp_avg_sq", p);
  Tensor max_exp_avg_sq = amsgrad ? state_buffer(s, "max_exp_avg_sq", p) : Tensor();
  adam_step_(p, grad, exp_avg, exp_avg_sq, max_exp_avg_sq,
             {.lr = lr,
              .beta1 = betas.first,
              .beta2 = betas.second,
              .eps = eps,
              .weight_decay = weight_decay,
              .step = s.step,
              .decoupled = decoupled,
              .amsgrad = amsgrad,
              .maximize = maximize});
}

}  // namespace detail

void AdamOptions::validate(const char* name) const {
  detail::check_adam_options(name, lr, betas, eps, weight_decay);
}

void AdamWOptions::validate(const char* name) const {
  detail::check_adam_options(name, lr, betas, eps, weight_decay);
}

namespace {
// Adam and AdamW differ only in how weight decay enters (decoupled for AdamW).
template <class Options>
void adam_steps(const std::vector<std::vector<Tensor>>& params, const std::vector<Options>& options,
                std::vector<std::vector<ParamState>>& state, bool decoupled) {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params.size(); ++g) {
    const Options& o = options[g];
    for (size_t i = 0; i < params[g].size(); ++i) {
      Tensor p = params[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      detail::adam_update(p, grad, state[g][i], o.lr, o.betas, o.eps, o.weight_decay, decoupled, o.amsgrad,
                          o.maximize);
    }
  }
}
}  // namespace

void Adam::step() { adam_steps(params_, options_, state_, false); }

void AdamW::step() { adam_steps(params_, options_, state_, true); }

}  // namespace xgrad::optim
