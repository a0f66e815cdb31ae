// Adam (Kingma and Ba, 2015) with optional AMSGrad, following torch.optim.Adam's update exactly:
//   g = grad (+ weight_decay * p);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   v_hat = amsgrad ? max(v_hat, v) : v
//   p -= lr / (1 - b1^t) * m / (sqrt(v_hat) / sqrt(1 - b2^t) + eps)
// Weight decay here is an L2 term in the gradient; AdamW (optim/adamw.hpp) decouples it.
#pragma once

#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;

  void validate(const char* name) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("amsgrad", amsgrad), f("maximize", maximize);
  }
};

class Adam : public OptimizerWith<AdamOptions> {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {})
      : OptimizerWith("Adam", std::move(params), options) {}
  Adam(std::vector<ParamGroup> groups, AdamOptions defaults)
      : OptimizerWith("Adam", std::move(groups), defaults) {}
  void step() override;
};

namespace detail {
void check_adam_options(const char* name, double lr, std::pair<double, double> betas, double eps,
                        double weight_decay);
// One fused step of Adam (decoupled = false) or AdamW (decoupled = true) on parameter p.
void adam_update(Tensor& p, const Tensor& grad, ParamState& state, double lr, std::pair<double, double> betas,
                 double eps, double weight_decay, bool decoupled, bool amsgrad, bool maximize);
}  // namespace detail

}  // namespace xgrad::optim
