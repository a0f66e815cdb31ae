// RMSprop (Hinton), following torch.optim.RMSprop's update exactly:
//   g = grad (+ weight_decay * p);  v = alpha v + (1 - alpha) g^2
//   centered: m = alpha m + (1 - alpha) g, avg = sqrt(v - m^2) + eps; else avg = sqrt(v) + eps
//   momentum > 0: b = momentum b + g / avg, p -= lr b;  else p -= lr g / avg
#pragma once

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;

  void validate(const char* name) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("alpha", alpha), f("eps", eps), f("weight_decay", weight_decay);
    f("momentum", momentum), f("centered", centered), f("maximize", maximize);
  }
};

class RMSprop : public OptimizerWith<RMSpropOptions> {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {})
      : OptimizerWith("RMSprop", std::move(params), options) {}
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults)
      : OptimizerWith("RMSprop", std::move(groups), defaults) {}
  void step() override;
};

}  // namespace xgrad::optim
