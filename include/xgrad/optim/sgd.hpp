/// \file
/// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay, following
/// torch.optim.SGD's update exactly:
/// \code{.cpp}
///   g = grad (+ weight_decay * p);  b = g at the first step, else momentum * b + (1 - dampening) g;
///   g = nesterov ? g + momentum * b : b  (when momentum != 0);  p -= lr * g
/// \endcode
#pragma once

#include <limits>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

/// Options of SGD (defaults as torch.optim.SGD's); also the options of each parameter group.
struct SGDOptions {
  double lr = std::numeric_limits<double>::quiet_NaN();  ///< required, as in PyTorch
  double momentum = 0.0;  ///< Momentum factor (0: none).
  double dampening = 0.0;  ///< Dampening of the momentum.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
  bool nesterov = false;  ///< Nesterov momentum (needs momentum > 0 and zero dampening).
  bool maximize = false;  ///< Ascend instead of descend.

  /// Throws xgrad::Error, naming the optimizer `name`, the option and its value, for a value out of
  /// range.
  void validate(const char* name) const;
  /// Calls f("name", field) on each option (how the optimizer saves and prints them).
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("momentum", momentum), f("dampening", dampening);
    f("weight_decay", weight_decay), f("nesterov", nesterov), f("maximize", maximize);
  }
};

/// SGD: `optim::SGD(model.parameters(), {.lr = 0.01, .momentum = 0.9})`; see the file's
/// description.
class SGD : public OptimizerWith<SGDOptions> {
 public:
  /// Plain SGD over `params` with `options` (lr is required). Throws xgrad::Error for a bad option.
  SGD(std::vector<Tensor> params, SGDOptions options);
  /// Parameter groups, each with its own options; `defaults` is what add_param_group(params) uses.
  SGD(std::vector<ParamGroup> groups, SGDOptions defaults);
  ~SGD() override;
  /// Updates every parameter that has a gradient, as the file's description says.
  void step() override;
};

}  // namespace xgrad::optim
