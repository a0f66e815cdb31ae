/// \file
/// Adam (Kingma and Ba, 2015) with optional AMSGrad, following torch.optim.Adam's update exactly:
/// \code{.cpp}
///   g = grad (+ weight_decay * p);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
///   v_hat = amsgrad ? max(v_hat, v) : v
///   p -= lr / (1 - b1^t) * m / (sqrt(v_hat) / sqrt(1 - b2^t) + eps)
/// \endcode
/// Weight decay here is an L2 term in the gradient; AdamW (optim/adamw.hpp) decouples it.
#pragma once

#include <utility>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

/// Options of Adam (defaults as torch.optim.Adam's); also the options of each parameter group.
struct AdamOptions {
  double lr = 1e-3;  ///< Learning rate.
  std::pair<double, double> betas = {0.9, 0.999};  ///< Decay rates of the first and second moment
                                                   ///< averages.
  double eps = 1e-8;  ///< Added to the denominator.
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient.
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

/// Adam: `optim::Adam(model.parameters(), {.lr = 1e-3})`; see the file's description.
class Adam : public OptimizerWith<AdamOptions> {
 public:
  /// Adam over `params` with `options`. Throws xgrad::Error for a bad option.
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  /// Parameter groups, each with its own options; `defaults` is what add_param_group(params) uses.
  Adam(std::vector<ParamGroup> groups, AdamOptions defaults);
  ~Adam() override;
  /// Updates every parameter that has a gradient, as the file's description says.
  void step() override;
};

namespace detail {
void check_adam_options(const char* name, double lr, std::pair<double, double> betas, double eps,
                        double weight_decay);
/// One fused step of Adam (decoupled = false) or AdamW (decoupled = true) on parameter p.
void adam_update(Tensor& p, const Tensor& grad, ParamState& state, double lr, std::pair<double, double> betas,
                 double eps, double weight_decay, bool decoupled, bool amsgrad, bool maximize);
}  // namespace detail

}  // namespace xgrad::optim
