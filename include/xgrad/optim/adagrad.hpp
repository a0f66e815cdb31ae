// Adagrad (Duchi et al., 2011), following torch.optim.Adagrad's update exactly:
//   g = grad (+ weight_decay * p);  clr = lr / (1 + (t - 1) lr_decay)
//   s += g^2;  p -= clr * g / (sqrt(s) + eps)        (s starts at initial_accumulator_value)
#pragma once

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;

  void validate(const char* name) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("lr_decay", lr_decay), f("weight_decay", weight_decay);
    f("initial_accumulator_value", initial_accumulator_value), f("eps", eps);
    f("maximize", maximize);
  }
};

class Adagrad : public OptimizerWith<AdagradOptions> {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {})
      : OptimizerWith("Adagrad", std::move(params), options) {}
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults)
      : OptimizerWith("Adagrad", std::move(groups), defaults) {}
  void step() override;
};

}  // namespace xgrad::optim
