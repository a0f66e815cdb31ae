// Learning-rate schedulers, as torch.optim.lr_scheduler: call step() once per epoch, after the
// optimizer's steps. Each sets the lr of every parameter group of the optimizer it was built on,
// with PyTorch's recursive formulas (so the numbers match PyTorch's to the last bit or so).
//
//   optim::StepLR sched(opt, {.step_size = 30, .gamma = 0.1});
//   for (epoch ...) { train(...); sched.step(); }
#pragma once

#include <vector>

#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

class LRScheduler {
 public:
  explicit LRScheduler(Optimizer& optimizer);
  virtual ~LRScheduler() = default;

  void step();
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  // The lrs the last step() set (the initial ones before any step).
  const std::vector<double>& get_last_lr() const { return last_lrs_; }

 protected:
  // The lr of each group for last_epoch_ (already advanced), from the groups' current lrs.
  virtual std::vector<double> get_lr() const = 0;
  double current_lr(size_t group) const { return optimizer_.lr(group); }

  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lrs_;
  int64_t last_epoch_ = 0;
};

struct StepLROptions {
  int64_t step_size = 1;
  double gamma = 0.1;
};
// lr = base_lr * gamma^(epoch / step_size), the division rounding down.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);
  const StepLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

struct ExponentialLROptions {
  double gamma = 0.9;
};
// lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);
  const ExponentialLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

struct CosineAnnealingLROptions {
  int64_t T_max = 1;
  double eta_min = 0.0;
};
// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, continuing as a cosine
// wave after T_max (as PyTorch's recursive form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);
  const CosineAnnealingLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

}  // namespace xgrad::optim
