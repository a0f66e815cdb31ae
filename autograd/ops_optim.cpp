// Fused optimizer updates: one pass over a parameter and its state, in place, not recorded.
#include <cmath>

#include "autograd/op.hpp"
#include "autograd/portable_math.hpp"

namespace xgrad {

void adam_step_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
                const AdamStep& o) {
  const char* op = o.decoupled ? "adamw_step_" : "adam_step_";
  check_defined(op, param);
  check_floating(op, param);
  if (GradMode::is_enabled() && param.requires_grad())
    fail(op, "updates a parameter that requires grad in place; call it under NoGradGuard");
  if (o.step < 1) fail(op, "step counts from 1, got " + std::to_string(o.step));
  auto check_like = [&](const Tensor& t, const char* what) {
    if (!t.defined()) fail(op, std::string(what) + " is undefined");
    if (t.dtype() != param.dtype() || !(t.device() == param.device()) || !(t.shape() == param.shape()))
      fail(op, std::string(what) + " " + t.shape().str() + " " + dtype_name(t.dtype()) + " on " + t.device().str() +
                   " does not match the parameter " + param.shape().str() + " " + dtype_name(param.dtype()) +
                   " on " + param.device().str());
  };
  check_like(grad, "gradient");
  check_like(exp_avg, "exp_avg");
  check_like(exp_avg_sq, "exp_avg_sq");
  if (o.amsgrad) check_like(max_exp_avg_sq, "max_exp_avg_sq");
  const double step = static_cast<double>(o.step);
  kernels::AdamStep k{.lr = o.lr,
                      .beta1 = o.beta1,
                      .beta2 = o.beta2,
                      .eps = o.eps,
                      .weight_decay = o.weight_decay,
                      // portable pow: the same bias corrections on every CPU (libm's follow it)
                      .step_size = o.lr / (1.0 - pmath::pow(o.beta1, step)),
                      .bias_correction2_sqrt = std::sqrt(1.0 - pmath::pow(o.beta2, step)),
                      .decoupled = o.decoupled,
                      .amsgrad = o.amsgrad,
                      .maximize = o.maximize};
  Tensor none;
  kernels_for(param, op).adam(param, grad, exp_avg, exp_avg_sq, o.amsgrad ? max_exp_avg_sq : none, k);
  for (Tensor* t : {&param, &exp_avg, &exp_avg_sq, &max_exp_avg_sq})
    if (t->defined() && (t != &max_exp_avg_sq || o.amsgrad)) t->impl()->storage->version++;
}

}  // namespace xgrad
