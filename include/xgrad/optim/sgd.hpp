// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, following
// torch.optim.SGD's update exactly:
//   g = grad (+ weight_decay * p);  b = g at the first step, else momentum * b + (1 - dampening) g;
//   g = nesterov ? g + momentum * b : b  (when momentum != 0);  p -= lr * g
#pragma once

#include <limits>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

struct SGDOptions {
  double lr = std::numeric_limits<double>::quiet_NaN();  // required, as in PyTorch
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;

  void validate(const char* name) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("momentum", momentum), f("dampening", dampening);
    f("weight_decay", weight_decay), f("nesterov", nesterov), f("maximize", maximize);
  }
};

class SGD : public OptimizerWith<SGDOptions> {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options)
      : OptimizerWith("SGD", std::move(params), options) {}
  SGD(std::vector<ParamGroup> groups, SGDOptions defaults)
      : OptimizerWith("SGD", std::move(groups), defaults) {}
  void step() override;
};

}  // namespace xgrad::optim
