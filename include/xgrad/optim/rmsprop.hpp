/// \file
/// RMSprop (Hinton), following torch.optim.RMSprop's update exactly:
/// \code{.cpp}
///   g = grad (+ weight_decay * p);  v = alpha v + (1 - alpha) g^2
///   centered: m = alpha m + (1 - alpha) g, avg = sqrt(v - m^2) + eps; else avg = sqrt(v) + eps
///   momentum > 0: b = momentum b + g / avg, p -= lr b;  else p -= lr g / avg
/// \endcode
#pragma once

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

/// Options of RMSprop (defaults as torch.optim.RMSprop's); also the options of each parameter
/// group.
struct RMSpropOptions {
  double lr = 1e-2;  ///< Learning rate.
  double alpha = 0.99;  ///< Smoothing constant of the squared-gradient average.
  double eps = 1e-8;  ///< Added to the denominator.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
  double momentum = 0.0;  ///< Momentum factor (0: none).
  bool centered = false;  ///< Divide by the estimated variance (the mean gradient subtracted)
                          ///< instead.
  bool maximize = false;  ///< Ascend instead of descend.

  /// Throws xgrad::Error, naming the optimizer `name`, the option and its value, for a value out of
  /// range.
  void validate(const char* name) const;
  /// Calls f("name", field) on each option (how the optimizer saves and prints them).
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("alpha", alpha), f("eps", eps), f("weight_decay", weight_decay);
    f("momentum", momentum), f("centered", centered), f("maximize", maximize);
  }
};

/// RMSprop: `optim::RMSprop(model.parameters(), {.lr = 1e-3})`; see the file's description.
class RMSprop : public OptimizerWith<RMSpropOptions> {
 public:
  /// RMSprop over `params` with `options`. Throws xgrad::Error for a bad option.
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  /// Parameter groups, each with its own options; `defaults` is what add_param_group(params) uses.
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults);
  ~RMSprop() override;
  /// Updates every parameter that has a gradient, as the file's description says.
  void step() override;
};

}  // namespace xgrad::optim
