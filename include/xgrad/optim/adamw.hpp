// AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay, as torch.optim.AdamW:
// p *= 1 - lr * weight_decay, then Adam's step on the plain gradient.
#pragma once

#include "xgrad/optim/adam.hpp"

namespace xgrad::optim {

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;

  void validate(const char* name) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("amsgrad", amsgrad), f("maximize", maximize);
  }
};

class AdamW : public OptimizerWith<AdamWOptions> {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {})
      : OptimizerWith("AdamW", std::move(params), options) {}
  AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults)
      : OptimizerWith("AdamW", std::move(groups), defaults) {}
  void step() override;
};

}  // namespace xgrad::optim
