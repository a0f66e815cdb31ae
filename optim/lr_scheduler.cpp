#include "xgrad/optim/lr_scheduler.hpp"

#include <cmath>
#include <numbers>

#include "autograd/portable_math.hpp"

namespace xgrad::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
  last_lrs_ = base_lrs_;
}

void LRScheduler::step() {
  if (optimizer_.num_param_groups() != base_lrs_.size())
    throw Error("lr scheduler: the optimizer has " + std::to_string(optimizer_.num_param_groups()) +
                " parameter groups, it had " + std::to_string(base_lrs_.size()) +
                " when the scheduler was made");
  ++last_epoch_;
  last_lrs_ = get_lr();
  for (size_t g = 0; g < last_lrs_.size(); ++g) optimizer_.set_lr(g, last_lrs_[g]);
}

StepLR::StepLR(Optimizer& optimizer, StepLROptions o) : LRScheduler(optimizer), options(o) {
  if (o.step_size <= 0)
    throw Error("StepLR: step_size must be positive, got " + std::to_string(o.step_size));
}

std::vector<double> StepLR::get_lr() const {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = current_lr(g);
    out.push_back(last_epoch_ % options.step_size == 0 ? lr * options.gamma : lr);
  }
  return out;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions o)
    : LRScheduler(optimizer), options(o) {}

std::vector<double> ExponentialLR::get_lr() const {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) out.push_back(current_lr(g) * options.gamma);
  return out;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions o)
    : LRScheduler(optimizer), options(o) {
  if (o.T_max <= 0)
    throw Error("CosineAnnealingLR: T_max must be positive, got " + std::to_string(o.T_max));
}

std::vector<double> CosineAnnealingLR::get_lr() const {
  const double pi = std::numbers::pi;
  const auto t_max = static_cast<double>(options.T_max);
  const double eta_min = options.eta_min;
  const auto epoch = static_cast<double>(last_epoch_);
  // Python's modulo: the result has the divisor's sign.
  int64_t m = (last_epoch_ - 1 - options.T_max) % (2 * options.T_max);
  if (m < 0) m += 2 * options.T_max;
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = current_lr(g);
    if (m == 0)
      out.push_back(lr + (base_lrs_[g] - eta_min) * (1 - pmath::cos(pi / t_max)) / 2);
    else
      out.push_back((1 + pmath::cos(pi * epoch / t_max)) / (1 + pmath::cos(pi * (epoch - 1) / t_max)) *
                        (lr - eta_min) +
                    eta_min);
  }
  return out;
}

}  // namespace xgrad::optim
