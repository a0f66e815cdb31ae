#include "xgrad/optim/clip_grad.hpp"

#include <cmath>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::optim {

Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (auto& p : params)
    if (Tensor g = p.grad(); g.defined()) grads.push_back(g);
  if (grads.empty()) return scalar_tensor(0.0);
  if (!(norm_type > 0.0))
    throw Error("clip_grad_norm_: norm_type must be positive (or infinity), got " +
                std::to_string(norm_type));

  std::vector<Tensor> norms;
  const bool inf = std::isinf(norm_type);
  const Dtype dtype = grads[0].dtype();  // mixed float32/float64 gradients: norms in the first's
  for (auto& g : grads) {
    Tensor n = inf                ? max(abs(g))
               : norm_type == 2.0 ? sqrt((g * g).sum())
                                  : pow(pow(abs(g), norm_type).sum(), 1.0 / norm_type);
    norms.push_back(n.to(dtype));
  }
  Tensor stacked = stack(norms);
  Tensor total = inf ? max(stacked)
                     : (norm_type == 2.0 ? sqrt((stacked * stacked).sum())
                                         : pow(pow(stacked, norm_type).sum(), 1.0 / norm_type));
  if (error_if_nonfinite) {
    double t = total.item();
    if (!std::isfinite(t))
      throw Error("clip_grad_norm_: the total norm of order " + std::to_string(norm_type) +
                  " of the gradients is non-finite (" + std::to_string(t) +
                  "), so they cannot be clipped");
  }
  Tensor coef = clamp(rdiv(max_norm, total + 1e-6), std::nullopt, 1.0);
  for (auto& g : grads) g.mul_(coef.to(g.dtype()));
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  for (auto& p : params)
    if (Tensor g = p.grad(); g.defined()) g.copy_(clamp(g, -clip_value, clip_value));
}

}  // namespace xgrad::optim
