/// \file
/// Optimizer: the base of SGD, Adam, AdamW, RMSprop and Adagrad, as torch.optim.Optimizer.
/// It holds parameter groups, each with its own options (lr, weight_decay, ...), and per-parameter
/// state (step count, momentum and moment buffers). step() updates the parameters in place under
/// NoGradGuard with tensor ops, so it runs on whatever device the parameters live on.
/// \code{.cpp}
///   optim::SGD opt(model.parameters(), {.lr = 0.01, .weight_decay = 0.1});
///   optim::SGD opt(weights, {.lr = 0.01, .weight_decay = 0.1});   // decay the weights only:
///   opt.add_param_group(biases, {.lr = 0.01});                     // a group of its own
/// \endcode
#pragma once

#include <map>
#include <string>
#include <vector>

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad::optim {

/// What an optimizer keeps per parameter, named as in PyTorch's state (momentum_buffer, exp_avg,
/// exp_avg_sq, max_exp_avg_sq, square_avg, grad_avg, sum).
struct ParamState {
  /// Number of updates made to the parameter so far (0 before the first step()).
  int64_t step = 0;
  /// The optimizer's buffers by name, shaped, typed and placed like the parameter.
  std::map<std::string, Tensor> buffers;
};

/// The buffer `key` of state `s`, created filled with `fill` like `p` (its shape, dtype, device)
/// when absent.
Tensor& state_buffer(ParamState& s, const char* key, const Tensor& p, double fill = 0.0);

/// The base of every optimizer (see the file's description): parameter groups, their options and
/// the per-parameter state, with PyTorch's state_dict layout. Not copyable.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient (others are skipped).
  virtual void step() = 0;
  /// set_to_none drops the gradients (PyTorch 2's default); otherwise they are zeroed in place.
  void zero_grad(bool set_to_none = true);

  /// The optimizer's name ("SGD", "Adam", ...), as error messages start with it.
  const std::string& name() const { return name_; }
  /// Number of parameter groups (1 unless built from groups or add_param_group was called).
  size_t num_param_groups() const { return params_.size(); }
  /// The parameters of group `group`; throws xgrad::Error for a group that does not exist.
  const std::vector<Tensor>& params(size_t group = 0) const;
  /// Learning rates, as schedulers read and write them: the learning rate of group `group`.
  double lr(size_t group = 0) const { return const_cast<Optimizer*>(this)->group_lr(group); }
  /// Sets the learning rate of group `group` (the value is not checked).
  void set_lr(size_t group, double lr) { group_lr(group) = lr; }
  /// Sets the learning rate of every group.
  void set_lr(double lr);  // every group
  /// Whether the groups have a momentum that OneCycleLR can cycle: "momentum" (SGD, RMSprop) or
  /// "beta1" (Adam, AdamW).
  bool has_momentum() const;
  /// That momentum of a group (SGD's momentum or Adam's beta1); throws when there is none.
  double momentum(size_t group = 0) const;
  /// Sets that momentum of a group (checked as the optimizer's options are).
  void set_momentum(size_t group, double value);

  /// The state of parameter `index` of `group`; throws xgrad::Error when there is no such
  /// parameter.
  ParamState& state(size_t group, size_t index);
  /// The state of the parameter `p` (by identity); throws xgrad::Error when `p` is not one of this
  /// optimizer's parameters.
  const ParamState& state(const Tensor& p) const;

  /// PyTorch's layout, flattened to named tensors (so nn::save can write it):
  /// \code{.unparsed}
  ///   "param_groups.G.params"  int64 indices of the group's parameters, numbered across groups
  ///   "param_groups.G.lr", ... the group's options, 0-d float64 (booleans as 0 or 1)
  ///   "state.I.step"           0-d int64, "state.I.exp_avg", ... the buffers of parameter I
  /// \endcode
  /// Parameters that have neither a step nor a buffer yet have no "state.I" entries.
  StateDict state_dict() const;
  /// Checks the layout against this optimizer (group count and sizes, buffer shapes) before
  /// changing anything; buffers are copied to their parameter's device and dtype. Throws
  /// xgrad::Error, naming the key, for a missing, unexpected or mis-shaped entry or an option
  /// out of range (the optimizer is then left as it was).
  void load_state_dict(const StateDict& state);

 protected:
  /// An optimizer with no groups yet, named `name` in its error messages.
  explicit Optimizer(std::string name) : name_(std::move(name)) {}
  /// Checks `params` (non-empty, defined, floating, leaves, not already in a group) and adds them
  /// as a new group; the caller adds the group's options. Throws xgrad::Error, naming the
  /// parameter, for a bad one.
  void add_group_params(std::vector<Tensor> params);

  /// The learning rate option of group `group`, by reference.
  virtual double& group_lr(size_t group) = 0;
  /// The options of group `group` as (name, value) pairs, booleans as 0 or 1.
  virtual std::vector<std::pair<std::string, double>> group_options(size_t group) const = 0;
  /// Sets every option of group `group` from `values` (keyed as group_options names them), checked
  /// as the constructor checks them.
  virtual void set_group_options(size_t group, const std::map<std::string, double>& values) = 0;

  /// The optimizer's name, the start of its error messages.
  std::string name_;
  /// The parameters, per group.
  std::vector<std::vector<Tensor>> params_;     // per group
  /// The per-parameter state, parallel to params_.
  std::vector<std::vector<ParamState>> state_;  // parallel to params_
};

/// The part that depends on the options type: groups of (params, Options). Options are
/// aggregates with a `validate(name)` and a `visit(f)` that calls f("field", field) on each field.
template <class Options>
class OptimizerWith : public Optimizer {
 public:
  /// A parameter group with its own options, for the constructors that take groups.
  struct ParamGroup {
    /// The group's parameters.
    std::vector<Tensor> params;
    /// The group's options (lr is required, as in the optimizer's own options).
    Options options;
  };

  /// A group with the optimizer's defaults (the options it was constructed with). Throws
  /// xgrad::Error for a bad parameter.
  void add_param_group(std::vector<Tensor> params) {
    add_param_group(std::move(params), defaults_);
  }
  /// A group with its own options. Throws xgrad::Error for a bad option or parameter.
  void add_param_group(std::vector<Tensor> params, Options options) {
    options.validate(name_.c_str());
    add_group_params(std::move(params));
    options_.push_back(options);
  }
  /// The options of group `group`, to read or change (changes are not checked); throws
  /// std::out_of_range for a group that does not exist.
  Options& options(size_t group = 0) { return options_.at(group); }
  /// The options of group `group`; throws std::out_of_range for a group that does not exist.
  const Options& options(size_t group = 0) const { return options_.at(group); }
  /// The options the optimizer was constructed with, as add_param_group(params) uses them.
  const Options& defaults() const { return defaults_; }

 protected:
  /// One group of `params` with the options `defaults`; throws xgrad::Error for a bad option or
  /// parameter.
  OptimizerWith(std::string name, std::vector<Tensor> params, Options defaults)
      : Optimizer(std::move(name)), defaults_(defaults) {
    add_param_group(std::move(params), defaults);
  }
  /// One group per entry of `groups`; `defaults` is what add_param_group(params) uses later.
  /// Throws xgrad::Error for no groups, a bad option or a bad parameter.
  OptimizerWith(std::string name, std::vector<ParamGroup> groups, Options defaults)
      : Optimizer(std::move(name)), defaults_(defaults) {
    if (groups.empty()) throw Error(name_ + ": no parameter groups given");
    for (auto& g : groups) add_param_group(std::move(g.params), g.options);
  }

  /// \copydoc xgrad::optim::Optimizer::group_lr
  double& group_lr(size_t group) override { return options_.at(group).lr; }
  /// \copydoc xgrad::optim::Optimizer::group_options
  std::vector<std::pair<std::string, double>> group_options(size_t group) const override {
    std::vector<std::pair<std::string, double>> out;
    Options o = options_.at(group);
    o.visit([&](const char* key, auto& v) { out.emplace_back(key, static_cast<double>(v)); });
    return out;
  }
  /// \copydoc xgrad::optim::Optimizer::set_group_options
  void set_group_options(size_t group, const std::map<std::string, double>& values) override {
    Options o = options_.at(group);
    o.visit([&](const char* key, auto& v) {
      using T = std::remove_reference_t<decltype(v)>;
      if constexpr (std::is_same_v<T, bool>)
        v = values.at(key) != 0.0;
      else
        v = static_cast<T>(values.at(key));
    });
    o.validate(name_.c_str());
    options_.at(group) = o;
  }

  /// The options of each group, parallel to params_.
  std::vector<Options> options_;
  /// The options the optimizer was constructed with.
  Options defaults_;
};

namespace detail {
// "SGD: invalid momentum -1 (must be >= 0)" unless ok.
void check_option(bool ok, const char* optimizer, const char* option, double value,
                  const char* requirement);
void check_lr(const char* optimizer, double lr);
}  // namespace detail

}  // namespace xgrad::optim
