/// \file
/// Learning-rate schedulers, as torch.optim.lr_scheduler: call step() once per epoch (OneCycleLR:
/// once per batch), after the optimizer's steps. Each sets the lr of every parameter group of the
/// optimizer it was built on, with PyTorch 1.13's formulas, recursive where PyTorch's are (so the
/// numbers match PyTorch's to the last bit or so).
/// \code{.cpp}
///   optim::StepLR sched(opt, {.step_size = 30, .gamma = 0.1});
///   for (epoch ...) { train(...); sched.step(); }
/// \endcode
/// The schedulers: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, LinearLR,
/// OneCycleLR (all LRScheduler: step()) and ReduceLROnPlateau (step(metric)). Each has a
/// state_dict() / load_state_dict() pair for checkpoints (train/checkpoint.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::optim {

/// What every scheduler shares: its optimizer, its lrs and a state_dict for checkpoints.
class Scheduler {
 public:
  /// Records the optimizer's current lrs as the base lrs.
  Scheduler(Optimizer& optimizer, std::string name);
  virtual ~Scheduler() = default;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// The scheduler's class name ("StepLR", ...), used in error messages.
  const std::string& name() const { return name_; }
  /// How many times step() has run.
  int64_t last_epoch() const { return last_epoch_; }
  /// The lrs the schedule starts from, one per parameter group.
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  /// The lrs the last step() set (those set at construction before any step).
  const std::vector<double>& get_last_lr() const { return last_lrs_; }

  /// The scheduler's position as named tensors: "last_epoch" (0-d int64), "base_lrs" and
  /// "last_lrs" (float64, one per group), and each scheduler's own counters.
  StateDict state_dict() const;
  /// Restores a state_dict() of the same kind of scheduler (checked: keys, group count) and sets
  /// the optimizer's lrs to the saved last lrs, so the order of loading optimizer and scheduler
  /// does not matter. LambdaLR's functions are not saved: build it with the same ones.
  void load_state_dict(const StateDict& state);

 protected:
  /// Adds the scheduler's own counters to a state_dict() (none by default).
  virtual void save_extra(StateDict&) const {}
  /// Checks and restores what save_extra() wrote, before load_state_dict() changes anything else;
  /// throws xgrad::Error for a missing or bad entry.
  virtual void load_extra(const StateDict&) {}
  /// Throws xgrad::Error when the optimizer's group count changed since the scheduler was made.
  void check_groups() const;
  /// Sets the groups' lrs and last_lrs_ to `lrs`.
  void apply(const std::vector<double>& lrs);  // sets the groups' lrs and last_lrs_
  /// The lr group `group` of the optimizer has now.
  double current_lr(size_t group) const { return optimizer_.lr(group); }
  /// Number per group: one value for all groups or one per group. Throws xgrad::Error, naming
  /// `option`, for any other count.
  std::vector<double> per_group(const std::vector<double>& v, const char* option) const;

  /// The optimizer whose lrs the scheduler sets.
  Optimizer& optimizer_;
  /// The scheduler's class name, the start of its error messages.
  std::string name_;
  /// \copydoc xgrad::optim::Scheduler::base_lrs
  std::vector<double> base_lrs_;
  /// \copydoc xgrad::optim::Scheduler::get_last_lr
  std::vector<double> last_lrs_;
  /// \copydoc xgrad::optim::Scheduler::last_epoch
  int64_t last_epoch_ = 0;
};

/// The schedulers stepped once per epoch without arguments.
class LRScheduler : public Scheduler {
 public:
  /// For schedulers of one's own: override get_lr().
  LRScheduler(Optimizer& optimizer, std::string name = "LRScheduler");

  /// Advances last_epoch and sets every group's lr for it.
  void step();

 protected:
  /// The lr of each group for last_epoch_ (already advanced), from the groups' current lrs.
  virtual std::vector<double> get_lr() const = 0;
  /// PyTorch's constructor-time step: sets the lrs for epoch 0 (schedulers whose epoch-0 lr
  /// differs).
  void initial_step() { apply(get_lr()); }
};

/// StepLR's options.
struct StepLROptions {
  int64_t step_size = 1;  ///< epochs between decays
  double gamma = 0.1;     ///< the factor of each decay
};
/// lr = base_lr * gamma^(epoch / step_size), the division rounding down.
class StepLR : public LRScheduler {
 public:
  /// Throws xgrad::Error for a step_size that is not positive.
  StepLR(Optimizer& optimizer, StepLROptions options);
  /// As given (checked).
  const StepLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

/// MultiStepLR's options.
struct MultiStepLROptions {
  std::vector<int64_t> milestones;  ///< epochs at which the lr is multiplied by gamma (repeats count)
  double gamma = 0.1;               ///< the factor of each decay
};
/// lr = base_lr * gamma^(number of milestones <= epoch).
class MultiStepLR : public LRScheduler {
 public:
  /// Checks the milestones (>= 0).
  MultiStepLR(Optimizer& optimizer, MultiStepLROptions options);
  const MultiStepLROptions options;  ///< as given (checked)

 protected:
  std::vector<double> get_lr() const override;
};

/// ExponentialLR's options.
struct ExponentialLROptions {
  double gamma = 0.9;  ///< the factor of every epoch
};
/// lr = base_lr * gamma^epoch.
class ExponentialLR : public LRScheduler {
 public:
  /// Starts from the optimizer's current lrs (gamma is not checked).
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);
  /// As given.
  const ExponentialLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

/// CosineAnnealingLR's options.
struct CosineAnnealingLROptions {
  int64_t T_max = 1;     ///< epochs of the half wave
  double eta_min = 0.0;  ///< the lowest lr
};
/// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, continuing as a cosine
/// wave after T_max (as PyTorch's recursive form does).
class CosineAnnealingLR : public LRScheduler {
 public:
  /// Throws xgrad::Error for a T_max that is not positive.
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions options);
  /// As given (checked).
  const CosineAnnealingLROptions options;

 protected:
  std::vector<double> get_lr() const override;
};

/// lr = base_lr * f(epoch), with one function for all groups or one per group. The functions
/// cannot be saved: state_dict() holds the position only; build the scheduler with the same
/// functions before load_state_dict().
class LambdaLR : public LRScheduler {
 public:
  /// A multiplier of the base lr for each epoch.
  using Lambda = std::function<double(int64_t)>;
  /// One function for every group; sets the epoch-0 lrs (base_lr * f(0)).
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  /// One function per parameter group.
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);

 protected:
  std::vector<double> get_lr() const override;
  /// One function per parameter group.
  std::vector<Lambda> lambdas_;
};

/// LinearLR's options.
struct LinearLROptions {
  double start_factor = 1.0 / 3.0;  ///< the multiplier of the base lr at epoch 0, in (0, 1]
  double end_factor = 1.0;          ///< the multiplier from total_iters on, in [0, 1]
  int64_t total_iters = 5;          ///< epochs of the linear change
};
/// The multiplier goes linearly from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  /// Checks the options and sets the epoch-0 lrs (base_lr * start_factor).
  LinearLR(Optimizer& optimizer, LinearLROptions options = {});
  const LinearLROptions options;  ///< as given (checked)

 protected:
  std::vector<double> get_lr() const override;
};

/// OneCycleLR's options (PyTorch's names and defaults).
struct OneCycleLROptions {
  std::vector<double> max_lr = {};  ///< the peak lr, one for all groups or one per group (required)
  int64_t total_steps = 0;     ///< steps of the cycle; or 0 and epochs * steps_per_epoch
  int64_t epochs = 0;           ///< with steps_per_epoch, when total_steps is 0
  int64_t steps_per_epoch = 0;  ///< batches per epoch
  double pct_start = 0.3;               ///< the part of the cycle spent raising the lr, in [0, 1]
  std::string anneal_strategy = "cos";  ///< "cos" or "linear"
  bool cycle_momentum = true;           ///< cycle SGD/RMSprop's momentum or Adam's beta1 inversely
  double base_momentum = 0.85;          ///< the momentum at the lr's peak
  double max_momentum = 0.95;           ///< the momentum at the cycle's ends
  double div_factor = 25.0;             ///< initial lr = max_lr / div_factor
  double final_div_factor = 1e4;        ///< final lr = initial lr / final_div_factor
  bool three_phase = false;             ///< a third phase annihilating the lr, as fast.ai's
};
/// The 1cycle policy: the lr rises from max_lr / div_factor to max_lr, then falls far below the
/// start, stepping once per batch; momentum moves the other way. Stepping past total_steps throws.
class OneCycleLR : public LRScheduler {
 public:
  /// Checks the options, sets the lrs to max_lr / div_factor and the momentum to max_momentum.
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);
  const OneCycleLROptions options;  ///< as given (checked)
  /// The total number of steps of the cycle.
  int64_t total_steps() const { return total_steps_; }

 protected:
  std::vector<double> get_lr() const override;
  void save_extra(StateDict& s) const override;
  void load_extra(const StateDict& s) override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr, start_momentum, end_momentum;  // 0 initial, 1 max, 2 min; 0 max, 1 base
  };
  int64_t total_steps_ = 0;
  std::vector<Phase> phases_;
  std::vector<double> max_lrs_, min_lrs_;
};

/// ReduceLROnPlateau's options (PyTorch's names and defaults).
struct ReduceLROnPlateauOptions {
  std::string mode = "min";            ///< "min": the metric should fall; "max": rise
  double factor = 0.1;                 ///< new lr = lr * factor, in [0, 1)
  int64_t patience = 10;               ///< epochs without improvement tolerated
  double threshold = 1e-4;             ///< the least change that counts as an improvement
  std::string threshold_mode = "rel";  ///< "rel": relative to the best; "abs": absolute
  int64_t cooldown = 0;                ///< epochs to wait after a reduction
  std::vector<double> min_lr = {0.0};  ///< lower bound, one for all groups or one per group
  double eps = 1e-8;                   ///< reductions smaller than this are skipped
};
/// Divides the lr by 1/factor when a metric has stopped improving for `patience` epochs.
class ReduceLROnPlateau : public Scheduler {
 public:
  /// Checks the options; the lrs are left as they are until a plateau.
  ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options = {});
  const ReduceLROnPlateauOptions options;  ///< as given (checked)

  /// One epoch with this value of the metric (e.g. the validation loss).
  void step(double metric);
  /// The best metric so far (+inf in mode min, -inf in mode max before any step).
  double best() const { return best_; }
  /// Epochs since the last improvement.
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  /// Epochs of cooldown left.
  int64_t cooldown_counter() const { return cooldown_counter_; }

 protected:
  void save_extra(StateDict& s) const override;
  void load_extra(const StateDict& s) override;

 private:
  bool is_better(double a) const;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
};

}  // namespace xgrad::optim
