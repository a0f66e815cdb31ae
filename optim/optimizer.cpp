#include "xgrad/optim/optimizer.hpp"

#include <charconv>
#include <cmath>
#include <sstream>
#include <unordered_set>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::optim {

Optimizer::~Optimizer() = default;

namespace detail {

namespace {
std::string shortest(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}
}  // namespace

void check_option(bool ok, const char* optimizer, const char* option, double value,
                  const char* requirement) {
  if (!ok)
    throw Error(std::string(optimizer) + ": invalid " + option + " " + shortest(value) + " (" +
                requirement + ")");
}

void check_lr(const char* optimizer, double lr) {
  if (std::isnan(lr))
    throw Error(std::string(optimizer) + ": a learning rate is required, e.g. {.lr = 0.01}");
  check_option(lr >= 0.0, optimizer, "learning rate", lr, "must be >= 0");
}

}  // namespace detail

void Optimizer::add_group_params(std::vector<Tensor> params) {
  if (params.empty()) throw Error(name_ + ": got an empty parameter list");
  std::unordered_set<const void*> seen;
  for (auto& group : params_)
    for (auto& p : group) seen.insert(p.impl());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    const std::string which =
        name_ + ": parameter " + std::to_string(i) + " of group " + std::to_string(params_.size());
    if (!p.defined()) throw Error(which + " is an undefined tensor");
    if (!is_floating(p.dtype()))
      throw Error(which + " is " + dtype_name(p.dtype()) +
                  "; only float32 and float64 can be optimized");
    if (!p.is_leaf())
      throw Error(which +
                  " is not a leaf (it was computed from other tensors); optimize leaves, "
                  "or pass x.detach().requires_grad_()");
    if (!seen.insert(p.impl()).second)
      throw Error(which + " appears more than once (in this group or an earlier one)");
  }
  state_.emplace_back(params.size());
  params_.push_back(std::move(params));
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (auto& group : params_)
    for (auto& p : group) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      if (set_to_none)
        p.set_grad(Tensor());
      else
        g.zero_();
    }
}

const std::vector<Tensor>& Optimizer::params(size_t group) const {
  if (group >= params_.size())
    throw Error(name_ + ": no parameter group " + std::to_string(group) + " (there are " +
                std::to_string(params_.size()) + ")");
  return params_[group];
}

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < params_.size(); ++g) group_lr(g) = lr;
}

namespace {
const char* momentum_key(const std::vector<std::pair<std::string, double>>& options) {
  for (auto& [k, v] : options)
    if (k == "momentum") return "momentum";
  for (auto& [k, v] : options)
    if (k == "beta1") return "beta1";
  return nullptr;
}
}  // namespace

bool Optimizer::has_momentum() const {
  return !params_.empty() && momentum_key(group_options(0)) != nullptr;
}

double Optimizer::momentum(size_t group) const {
  params(group);  // checks the index
  auto options = group_options(group);
  const char* key = momentum_key(options);
  if (!key) throw Error(name_ + ": has no momentum or beta1 option");
  for (auto& [k, v] : options)
    if (k == key) return v;
  return 0.0;
}

void Optimizer::set_momentum(size_t group, double value) {
  params(group);
  auto options = group_options(group);
  const char* key = momentum_key(options);
  if (!key) throw Error(name_ + ": has no momentum or beta1 option");
  std::map<std::string, double> values(options.begin(), options.end());
  values[key] = value;
  set_group_options(group, values);
}

ParamState& Optimizer::state(size_t group, size_t index) {
  if (group >= state_.size() || index >= state_[group].size())
    throw Error(name_ + ": no parameter " + std::to_string(index) + " in group " +
                std::to_string(group));
  return state_[group][index];
}

const ParamState& Optimizer::state(const Tensor& p) const {
  for (size_t g = 0; g < params_.size(); ++g)
    for (size_t i = 0; i < params_[g].size(); ++i)
      if (params_[g][i].same(p)) return state_[g][i];
  throw Error(name_ + ": the tensor is not one of this optimizer's parameters");
}

Tensor& state_buffer(ParamState& s, const char* key, const Tensor& p, double fill) {
  Tensor& b = s.buffers[key];
  if (!b.defined()) b = full(p.shape(), fill, TensorOptions{p.dtype(), p.device()});
  return b;
}

// ---- state_dict

StateDict Optimizer::state_dict() const {
  StateDict out;
  int64_t index = 0;
  for (size_t g = 0; g < params_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    std::vector<int64_t> ids;
    for (size_t i = 0; i < params_[g].size(); ++i) ids.push_back(index + static_cast<int64_t>(i));
    out.insert(prefix + "params", from_vector(ids, Shape{static_cast<int64_t>(ids.size())}));
    for (auto& [key, value] : group_options(g))
      out.insert(prefix + key, scalar_tensor(value, kFloat64));
    for (size_t i = 0; i < params_[g].size(); ++i, ++index) {
      const ParamState& s = state_[g][i];
      if (s.step == 0 && s.buffers.empty()) continue;
      const std::string sp = "state." + std::to_string(index) + ".";
      out.insert(sp + "step", scalar_tensor(static_cast<double>(s.step), kInt64));
      for (auto& [key, t] : s.buffers)
        if (t.defined()) out.insert(sp + key, t.detach());
    }
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& state) {
  auto fail = [&](const std::string& what) { throw Error(name_ + ".load_state_dict: " + what); };
  // Group layout.
  size_t groups = 0;
  while (state.contains("param_groups." + std::to_string(groups) + ".params")) ++groups;
  if (groups != params_.size())
    fail("the state has " + std::to_string(groups) + " parameter group(s), this optimizer has " +
         std::to_string(params_.size()));
  std::vector<std::pair<size_t, size_t>> where;  // global index -> (group, index)
  std::vector<std::map<std::string, double>> options(groups);
  std::unordered_set<std::string> known;
  for (size_t g = 0; g < groups; ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    const Tensor& ids = state.at(prefix + "params");
    known.insert(prefix + "params");
    if (ids.numel() != static_cast<int64_t>(params_[g].size()))
      fail("parameter group " + std::to_string(g) + " has " + std::to_string(ids.numel()) +
           " parameter(s) in the state, " + std::to_string(params_[g].size()) + " here");
    for (size_t i = 0; i < params_[g].size(); ++i) where.emplace_back(g, i);
    for (auto& [key, _] : group_options(g)) {
      const Tensor* v = state.find(prefix + key);
      if (!v || !v->defined() || v->numel() != 1)
        fail("missing option \"" + prefix + key + "\" (a one-element tensor)");
      options[g][key] = v->item();
      known.insert(prefix + key);
    }
  }
  // Per-parameter state.
  std::vector<std::vector<ParamState>> fresh(groups);
  for (size_t g = 0; g < groups; ++g) fresh[g].resize(params_[g].size());
  for (auto& [key, t] : state) {
    if (known.count(key)) continue;
    if (key.rfind("state.", 0) != 0) fail("unexpected key \"" + key + "\"");
    size_t dot = key.find('.', 6);
    size_t index = 0;
    try {
      if (dot == std::string::npos) throw std::invalid_argument("no dot");
      index = std::stoul(key.substr(6, dot - 6));
    } catch (const std::exception&) {
      fail("malformed key \"" + key + "\" (expected state.<index>.<name>)");
    }
    if (index >= where.size())
      fail("key \"" + key + "\" names parameter " + std::to_string(index) + ", but there are " +
           std::to_string(where.size()));
    auto [g, i] = where[index];
    const Tensor& p = params_[g][i];
    const std::string name = key.substr(dot + 1);
    if (!t.defined()) fail("\"" + key + "\" is an undefined tensor");
    if (name == "step") {
      if (t.numel() != 1) fail("\"" + key + "\" must have one element");
      fresh[g][i].step = static_cast<int64_t>(t.item());
      continue;
    }
    if (!(t.shape() == p.shape()))
      fail("\"" + key + "\" has shape " + t.shape().str() + ", its parameter has shape " +
           p.shape().str());
    Tensor copy = empty(p.shape(), TensorOptions{p.dtype(), p.device()});
    {
      NoGradGuard no_grad;
      copy.copy_(t);
    }
    fresh[g][i].buffers[name] = copy;
  }
  // Apply: options first (they validate), restoring the old ones if any group is refused.
  std::vector<std::map<std::string, double>> old(groups);
  for (size_t g = 0; g < groups; ++g)
    for (auto& [k, v] : group_options(g)) old[g][k] = v;
  try {
    for (size_t g = 0; g < groups; ++g) set_group_options(g, options[g]);
  } catch (const Error& e) {
    for (size_t g = 0; g < groups; ++g) set_group_options(g, old[g]);
    fail(e.what());
  }
  state_ = std::move(fresh);
}

}  // namespace xgrad::optim
