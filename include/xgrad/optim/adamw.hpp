/// \file
/// AdamW (Loshchilov and Hutter, 2019): Adam with decoupled weight decay, as torch.optim.AdamW:
/// p *= 1 - lr * weight_decay, then Adam's step on the plain gradient.
#pragma once

#include "xgrad/optim/adam.hpp"

namespace xgrad::optim {

/// Options of AdamW (defaults as torch.optim.AdamW's); also the options of each parameter group.
struct AdamWOptions {
  double lr = 1e-3;  ///< Learning rate.
  std::pair<double, double> betas = {0.9, 0.999};  ///< Decay rates of the first and second moment
                                                   ///< averages.
  double eps = 1e-8;  ///< Added to the denominator.
  double weight_decay = 1e-2;  ///< Decoupled weight decay: p *= 1 - lr * weight_decay each step.
  bool amsgrad = false;  ///< Use the maximum of the second moments so far (AMSGrad).
  bool maximize = false;  ///< Ascend instead of descend.

  /// Throws xgrad::Error, naming the optimizer `name`, the option and its value, for a value out of
  /// range.
  void validate(const char* name) const;
  /// Calls f("name", field) on each option (how the optimizer saves and prints them).
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("amsgrad", amsgrad), f("maximize", maximize);
  }
};

/// AdamW: `optim::AdamW(model.parameters(), {.lr = 1e-3, .weight_decay = 0.01})`; see the file's
/// description.
class AdamW : public OptimizerWith<AdamWOptions> {
 public:
  /// AdamW over `params` with `options`. Throws xgrad::Error for a bad option.
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  /// Parameter groups, each with its own options; `defaults` is what add_param_group(params) uses.
  AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults);
  ~AdamW() override;
  /// Updates every parameter that has a gradient, as the file's description says.
  void step() override;
};

}  // namespace xgrad::optim
