/// \file
/// Adagrad (Duchi et al., 2011), following torch.optim.Adagrad's update exactly:
/// \code{.cpp}
///   g = grad (+ weight_decay * p);  clr = lr / (1 + (t - 1) lr_decay)
///   s += g^2;  p -= clr * g / (sqrt(s) + eps)        (s starts at initial_accumulator_value)
/// \endcode
#pragma once

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

/// Options of Adagrad (defaults as torch.optim.Adagrad's); also the options of each parameter
/// group.
struct AdagradOptions {
  double lr = 1e-2;  ///< Learning rate.
  double lr_decay = 0.0;  ///< Learning-rate decay per step.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
  double initial_accumulator_value = 0.0;  ///< Starting value of the sum of squared gradients.
  double eps = 1e-10;  ///< Added to the denominator.
  bool maximize = false;  ///< Ascend instead of descend.

  /// Throws xgrad::Error, naming the optimizer `name`, the option and its value, for a value out of
  /// range.
  void validate(const char* name) const;
  /// Calls f("name", field) on each option (how the optimizer saves and prints them).
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("lr_decay", lr_decay), f("weight_decay", weight_decay);
    f("initial_accumulator_value", initial_accumulator_value), f("eps", eps);
    f("maximize", maximize);
  }
};

/// Adagrad: `optim::Adagrad(model.parameters(), {.lr = 0.01})`; see the file's description.
class Adagrad : public OptimizerWith<AdagradOptions> {
 public:
  /// Adagrad over `params` with `options`. Throws xgrad::Error for a bad option.
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  /// Parameter groups, each with its own options; `defaults` is what add_param_group(params) uses.
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults);
  ~Adagrad() override;
  /// Updates every parameter that has a gradient, as the file's description says.
  void step() override;
};

}  // namespace xgrad::optim
