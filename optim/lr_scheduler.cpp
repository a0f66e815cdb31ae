#include "xgrad/optim/lr_scheduler.hpp"

#include <algorithm>
#include <cstdio>
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/portable_math.hpp"

namespace xgrad::optim {

namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

[[noreturn]] void bad_option(const std::string& sched, const char* option, const std::string& what) {
  throw Error(sched + ": invalid " + option + " " + what);
}

Tensor f64_vector(const std::vector<double>& v) {
  return tensor(v, {static_cast<int64_t>(v.size())}, kFloat64);
}
Tensor i64_scalar(int64_t v) { return from_vector(std::vector<int64_t>{v}, Shape{}, kInt64); }

const Tensor& need(const StateDict& s, const std::string& sched, const char* key) {
  const Tensor* t = s.find(key);
  if (!t || !t->defined())
    throw Error(sched + "::load_state_dict: the state has no \"" + key +
                "\" (a state_dict of another kind of scheduler?)");
  return *t;
}
int64_t read_i64(const StateDict& s, const std::string& sched, const char* key) {
  const Tensor& t = need(s, sched, key);
  if (t.numel() != 1 || t.dtype() != kInt64)
    throw Error(sched + "::load_state_dict: \"" + key + "\" must be one int64, got " +
                dtype_name(t.dtype()) + " of shape " + t.shape().str());
  return t.cpu().data<int64_t>()[0];
}
std::vector<double> read_f64(const StateDict& s, const std::string& sched, const char* key,
                             size_t n) {
  const Tensor& t = need(s, sched, key);
  if (t.dtype() != kFloat64 || static_cast<size_t>(t.numel()) != n)
    throw Error(sched + "::load_state_dict: \"" + key + "\" must hold " + std::to_string(n) +
                " float64 values (one per parameter group), got " + dtype_name(t.dtype()) +
                " of shape " + t.shape().str());
  Tensor c = t.cpu();
  const double* p = c.data<double>();
  return std::vector<double>(p, p + n);
}

}  // namespace

// ---- Scheduler

Scheduler::Scheduler(Optimizer& optimizer, std::string name)
    : optimizer_(optimizer), name_(std::move(name)) {
  for (size_t g = 0; g < optimizer.num_param_groups(); ++g) base_lrs_.push_back(optimizer.lr(g));
  last_lrs_ = base_lrs_;
}

void Scheduler::check_groups() const {
  if (optimizer_.num_param_groups() != base_lrs_.size())
    throw Error(name_ + ": the optimizer has " + std::to_string(optimizer_.num_param_groups()) +
                " parameter groups, it had " + std::to_string(base_lrs_.size()) +
                " when the scheduler was made");
}

void Scheduler::apply(const std::vector<double>& lrs) {
  last_lrs_ = lrs;
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
}

std::vector<double> Scheduler::per_group(const std::vector<double>& v, const char* option) const {
  const size_t n = optimizer_.num_param_groups();
  if (v.size() == 1) return std::vector<double>(n, v[0]);
  if (v.size() != n)
    throw Error(name_ + ": invalid " + option + ": expected one value or one per parameter group (" +
                std::to_string(n) + "), got " + std::to_string(v.size()));
  return v;
}

StateDict Scheduler::state_dict() const {
  StateDict s;
  s.insert("last_epoch", i64_scalar(last_epoch_));
  s.insert("base_lrs", f64_vector(base_lrs_));
  s.insert("last_lrs", f64_vector(last_lrs_));
  save_extra(s);
  return s;
}

void Scheduler::load_state_dict(const StateDict& state) {
  check_groups();
  const size_t n = base_lrs_.size();
  int64_t epoch = read_i64(state, name_, "last_epoch");
  if (epoch < 0)
    throw Error(name_ + "::load_state_dict: last_epoch must be >= 0, got " + std::to_string(epoch));
  auto base = read_f64(state, name_, "base_lrs", n);
  auto last = read_f64(state, name_, "last_lrs", n);
  load_extra(state);  // checks its own keys before anything below changes
  last_epoch_ = epoch;
  base_lrs_ = base;
  apply(last);
}

// ---- LRScheduler

LRScheduler::LRScheduler(Optimizer& optimizer, std::string name)
    : Scheduler(optimizer, std::move(name)) {}

void LRScheduler::step() {
  check_groups();
  ++last_epoch_;
  apply(get_lr());
}

// ---- StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR

StepLR::StepLR(Optimizer& optimizer, StepLROptions o)
    : LRScheduler(optimizer, "StepLR"), options(o) {
  if (o.step_size <= 0)
    throw Error("StepLR: step_size must be positive, got " + std::to_string(o.step_size));
}

std::vector<double> StepLR::get_lr() const {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = current_lr(g);
    out.push_back(last_epoch_ != 0 && last_epoch_ % options.step_size == 0 ? lr * options.gamma : lr);
  }
  return out;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, MultiStepLROptions o)
    : LRScheduler(optimizer, "MultiStepLR"), options(std::move(o)) {
  for (int64_t m : options.milestones)
    if (m < 0) bad_option(name_, "milestone", std::to_string(m) + " (must be >= 0)");
  initial_step();  // a milestone at 0 applies at once, as in PyTorch
}

std::vector<double> MultiStepLR::get_lr() const {
  auto count = std::count(options.milestones.begin(), options.milestones.end(), last_epoch_);
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = current_lr(g);
    out.push_back(count == 0 ? lr : lr * std::pow(options.gamma, static_cast<double>(count)));
  }
  return out;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions o)
    : LRScheduler(optimizer, "ExponentialLR"), options(o) {}

std::vector<double> ExponentialLR::get_lr() const {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g)
    out.push_back(last_epoch_ == 0 ? current_lr(g) : current_lr(g) * options.gamma);
  return out;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingLROptions o)
    : LRScheduler(optimizer, "CosineAnnealingLR"), options(o) {
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
    if (last_epoch_ == 0)
      out.push_back(lr);
    else if (m == 0)
      out.push_back(lr + (base_lrs_[g] - eta_min) * (1 - pmath::cos(pi / t_max)) / 2);
    else
      out.push_back((1 + pmath::cos(pi * epoch / t_max)) / (1 + pmath::cos(pi * (epoch - 1) / t_max)) *
                        (lr - eta_min) +
                    eta_min);
  }
  return out;
}

// ---- LambdaLR

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda)
    : LambdaLR(optimizer, std::vector<Lambda>{std::move(lr_lambda)}) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer, "LambdaLR"), lambdas_(std::move(lr_lambdas)) {
  const size_t n = optimizer.num_param_groups();
  if (lambdas_.size() == 1) {
    Lambda f = lambdas_[0];
    lambdas_.assign(n, f);
  }
  if (lambdas_.size() != n)
    bad_option(name_, "lr_lambda", "list: expected one function or one per parameter group (" +
                                       std::to_string(n) + "), got " + std::to_string(lambdas_.size()));
  for (size_t g = 0; g < n; ++g)
    if (!lambdas_[g]) bad_option(name_, "lr_lambda", "of group " + std::to_string(g) + ": empty function");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() const {
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) out.push_back(base_lrs_[g] * lambdas_[g](last_epoch_));
  return out;
}

// ---- LinearLR

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions o)
    : LRScheduler(optimizer, "LinearLR"), options(o) {
  if (!(o.start_factor > 0.0 && o.start_factor <= 1.0))
    bad_option(name_, "start_factor", num(o.start_factor) + " (must be in (0, 1])");
  if (!(o.end_factor >= 0.0 && o.end_factor <= 1.0))
    bad_option(name_, "end_factor", num(o.end_factor) + " (must be in [0, 1])");
  if (o.total_iters < 0)
    bad_option(name_, "total_iters", std::to_string(o.total_iters) + " (must be >= 0)");
  initial_step();
}

std::vector<double> LinearLR::get_lr() const {
  const double s = options.start_factor, e = options.end_factor;
  const auto total = static_cast<double>(options.total_iters);
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    double lr = current_lr(g);
    if (last_epoch_ == 0)
      out.push_back(lr * s);
    else if (last_epoch_ > options.total_iters)
      out.push_back(lr);
    else
      out.push_back(lr * (1.0 + (e - s) / (total * s + static_cast<double>(last_epoch_ - 1) * (e - s))));
  }
  return out;
}

// ---- OneCycleLR

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions o)
    : LRScheduler(optimizer, "OneCycleLR"), options(std::move(o)) {
  const OneCycleLROptions& op = options;
  if (op.total_steps > 0) {
    total_steps_ = op.total_steps;
  } else if (op.total_steps < 0) {
    bad_option(name_, "total_steps", std::to_string(op.total_steps) + " (must be positive)");
  } else {
    if (op.epochs == 0 && op.steps_per_epoch == 0)
      throw Error(name_ + ": give total_steps, or epochs and steps_per_epoch");
    if (op.epochs <= 0) bad_option(name_, "epochs", std::to_string(op.epochs) + " (must be positive)");
    if (op.steps_per_epoch <= 0)
      bad_option(name_, "steps_per_epoch", std::to_string(op.steps_per_epoch) + " (must be positive)");
    total_steps_ = op.epochs * op.steps_per_epoch;
  }
  if (op.max_lr.empty()) throw Error(name_ + ": max_lr is required, e.g. {.max_lr = {0.1}}");
  for (double m : op.max_lr)
    if (!(m > 0.0)) bad_option(name_, "max_lr", num(m) + " (must be positive)");
  if (!(op.pct_start >= 0.0 && op.pct_start <= 1.0))
    bad_option(name_, "pct_start", num(op.pct_start) + " (must be in [0, 1])");
  if (op.anneal_strategy != "cos" && op.anneal_strategy != "linear")
    bad_option(name_, "anneal_strategy", "\"" + op.anneal_strategy + "\" (must be \"cos\" or \"linear\")");
  if (!(op.div_factor > 0.0)) bad_option(name_, "div_factor", num(op.div_factor) + " (must be positive)");
  if (!(op.final_div_factor > 0.0))
    bad_option(name_, "final_div_factor", num(op.final_div_factor) + " (must be positive)");
  if (op.cycle_momentum) {
    if (!optimizer.has_momentum())
      throw Error(name_ + ": cycle_momentum needs an optimizer with momentum or betas (" +
                  optimizer.name() + " has neither); set cycle_momentum = false");
    if (!(op.base_momentum >= 0.0 && op.base_momentum <= op.max_momentum))
      bad_option(name_, "base_momentum", num(op.base_momentum) + " (must be in [0, max_momentum])");
  }
  const auto t = static_cast<double>(total_steps_);
  if (op.three_phase)
    phases_ = {{op.pct_start * t - 1, 0, 1, 0, 1},
               {2 * op.pct_start * t - 2, 1, 0, 1, 0},
               {t - 1, 0, 2, 0, 0}};
  else
    phases_ = {{op.pct_start * t - 1, 0, 1, 0, 1}, {t - 1, 1, 2, 1, 0}};
  max_lrs_ = per_group(op.max_lr, "max_lr");
  for (size_t g = 0; g < max_lrs_.size(); ++g) {
    base_lrs_[g] = max_lrs_[g] / op.div_factor;
    min_lrs_.push_back(base_lrs_[g] / op.final_div_factor);
  }
  last_lrs_ = base_lrs_;
  if (op.cycle_momentum)
    for (size_t g = 0; g < max_lrs_.size(); ++g) optimizer.set_momentum(g, op.max_momentum);
  initial_step();
}

std::vector<double> OneCycleLR::get_lr() const {
  if (last_epoch_ > total_steps_)
    throw Error(name_ + ": stepped " + std::to_string(last_epoch_) + " times, but total_steps is " +
                std::to_string(total_steps_));
  const bool cos = options.anneal_strategy == "cos";
  auto anneal = [&](double start, double end, double pct) {
    if (cos) return end + (start - end) / 2.0 * (pmath::cos(std::numbers::pi * pct) + 1);
    return (end - start) * pct + start;
  };
  const auto step = static_cast<double>(last_epoch_);
  std::vector<double> out;
  for (size_t g = 0; g < base_lrs_.size(); ++g) {
    const double lrs[3] = {base_lrs_[g], max_lrs_[g], min_lrs_[g]};
    const double moms[2] = {options.max_momentum, options.base_momentum};
    double start_step = 0, lr = 0, momentum = 0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& p = phases_[i];
      if (step <= p.end_step || i + 1 == phases_.size()) {
        double pct = (step - start_step) / (p.end_step - start_step);
        lr = anneal(lrs[p.start_lr], lrs[p.end_lr], pct);
        momentum = anneal(moms[p.start_momentum], moms[p.end_momentum], pct);
        break;
      }
      start_step = p.end_step;
    }
    out.push_back(lr);
    if (options.cycle_momentum) const_cast<Optimizer&>(optimizer_).set_momentum(g, momentum);
  }
  return out;
}

void OneCycleLR::save_extra(StateDict& s) const {
  s.insert("total_steps", i64_scalar(total_steps_));
  if (options.cycle_momentum) {
    std::vector<double> m;
    for (size_t g = 0; g < base_lrs_.size(); ++g) m.push_back(optimizer_.momentum(g));
    s.insert("last_momentums", f64_vector(m));
  }
}

void OneCycleLR::load_extra(const StateDict& s) {
  int64_t total = read_i64(s, name_, "total_steps");
  if (total != total_steps_)
    throw Error(name_ + "::load_state_dict: the state is of a cycle of " + std::to_string(total) +
                " steps, this scheduler's has " + std::to_string(total_steps_));
  if (options.cycle_momentum) {
    auto m = read_f64(s, name_, "last_momentums", base_lrs_.size());
    for (size_t g = 0; g < m.size(); ++g) optimizer_.set_momentum(g, m[g]);
  }
}

// ---- ReduceLROnPlateau

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions o)
    : Scheduler(optimizer, "ReduceLROnPlateau"), options(std::move(o)) {
  const auto& op = options;
  if (op.mode != "min" && op.mode != "max")
    bad_option(name_, "mode", "\"" + op.mode + "\" (must be \"min\" or \"max\")");
  if (op.threshold_mode != "rel" && op.threshold_mode != "abs")
    bad_option(name_, "threshold_mode", "\"" + op.threshold_mode + "\" (must be \"rel\" or \"abs\")");
  if (!(op.factor >= 0.0 && op.factor < 1.0))
    bad_option(name_, "factor", num(op.factor) + " (must be in [0, 1))");
  if (op.patience < 0) bad_option(name_, "patience", std::to_string(op.patience) + " (must be >= 0)");
  if (op.cooldown < 0) bad_option(name_, "cooldown", std::to_string(op.cooldown) + " (must be >= 0)");
  if (!(op.threshold >= 0.0)) bad_option(name_, "threshold", num(op.threshold) + " (must be >= 0)");
  if (!(op.eps >= 0.0)) bad_option(name_, "eps", num(op.eps) + " (must be >= 0)");
  min_lrs_ = per_group(op.min_lr, "min_lr");
  for (double m : min_lrs_)
    if (!(m >= 0.0)) bad_option(name_, "min_lr", num(m) + " (must be >= 0)");
  best_ = op.mode == "min" ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a) const {
  const double t = options.threshold;
  const bool rel = options.threshold_mode == "rel";
  if (options.mode == "min") return rel ? a < best_ * (1.0 - t) : a < best_ - t;
  return rel ? a > best_ * (t + 1.0) : a > best_ + t;
}

void ReduceLROnPlateau::step(double metric) {
  check_groups();
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > options.patience) {
    for (size_t g = 0; g < base_lrs_.size(); ++g) {
      double old_lr = current_lr(g);
      double new_lr = std::max(old_lr * options.factor, min_lrs_[g]);
      if (old_lr - new_lr > options.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options.cooldown;
    num_bad_epochs_ = 0;
  }
  for (size_t g = 0; g < base_lrs_.size(); ++g) last_lrs_[g] = current_lr(g);
}

void ReduceLROnPlateau::save_extra(StateDict& s) const {
  s.insert("best", scalar_tensor(best_, kFloat64));
  s.insert("num_bad_epochs", i64_scalar(num_bad_epochs_));
  s.insert("cooldown_counter", i64_scalar(cooldown_counter_));
}

void ReduceLROnPlateau::load_extra(const StateDict& s) {
  const Tensor& b = need(s, name_, "best");
  if (b.dtype() != kFloat64 || b.numel() != 1)
    throw Error(name_ + "::load_state_dict: \"best\" must be one float64");
  int64_t bad = read_i64(s, name_, "num_bad_epochs");
  int64_t cool = read_i64(s, name_, "cooldown_counter");
  best_ = b.cpu().data<double>()[0];
  num_bad_epochs_ = bad;
  cooldown_counter_ = cool;
}

}  // namespace xgrad::optim
