#include "xgrad/nn/module.hpp"

#include <charconv>
#include <iostream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "xgrad/autograd/grad_mode.hpp"
#include "autograd/impl.hpp"

namespace xgrad::nn {

namespace detail {
// A module's hooks, shared with the handles that can remove them.
struct ModuleHooks {
  template <class Fn>
  struct Entry {
    uint64_t id;
    Fn fn;
  };
  std::vector<Entry<ForwardPreHook>> forward_pre;
  std::vector<Entry<ForwardHook>> forward;
  std::vector<Entry<BackwardHook>> backward;
  uint64_t next_id = 0;
  bool empty() const { return forward_pre.empty() && forward.empty() && backward.empty(); }
  void remove(uint64_t id);
};
}  // namespace detail

bool Module::has_hooks() const { return hooks_ && !hooks_->empty(); }

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}
Module::~Module() = default;

Tensor Module::forward(const Tensor&) {
  throw Error(type_name_ +
              ": forward(const Tensor&) is not implemented; override it, or call the module's own "
              "forward through its handle");
}

Tensor Module::operator()(const Tensor& x) {
  if (has_hooks()) return call_with_hooks(x, [this](const Tensor& in) { return forward(in); });
  Tensor y = forward(x);
  detail::note_forward(*this, y);
  return y;
}

// ---- hooks

void detail::ModuleHooks::remove(uint64_t id) {
  auto drop = [id](auto& list) { std::erase_if(list, [id](const auto& e) { return e.id == id; }); };
  drop(forward_pre);
  drop(forward);
  drop(backward);
}

void RemovableHandle::remove() {
  if (auto hooks = hooks_.lock()) hooks->remove(id_);
  hooks_.reset();
}

namespace {

template <class List, class Fn>
RemovableHandle add_hook(std::shared_ptr<detail::ModuleHooks>& hooks,
                         List detail::ModuleHooks::*list, Fn fn, bool prepend,
                         const std::string& type_name, const char* what) {
  if (!fn) throw Error(type_name + ": " + what + ": the hook is empty");
  if (!hooks) hooks = std::make_shared<detail::ModuleHooks>();
  uint64_t id = hooks->next_id++;
  auto& l = (*hooks).*list;
  if (prepend)
    l.insert(l.begin(), {id, std::move(fn)});
  else
    l.push_back({id, std::move(fn)});
  return RemovableHandle(hooks, id);
}

// What a module's backward hooks share between the two identity nodes placed around its
// forward: the hooks as they were at the call, and the gradient w.r.t. the output once known.
struct BackwardHookCall {
  ModulePtr module;
  std::vector<BackwardHook> hooks;
  std::vector<Tensor> grad_output;
  bool input_has_node = false;

  // Runs the hooks in order; each may replace grad_input.
  std::vector<Tensor> run(std::vector<Tensor> grad_input) {
    for (auto& hook : hooks) {
      std::vector<Tensor> r = hook(*module, grad_input, grad_output);
      if (r.empty()) continue;
      if (r.size() != grad_input.size())
        throw Error(module->type_name() + ": a full backward hook returned " +
                    std::to_string(r.size()) + " gradients for " +
                    std::to_string(grad_input.size()) + " inputs");
      for (size_t i = 0; i < r.size(); ++i)
        if (r[i].defined() && grad_input[i].defined() && !(r[i].shape() == grad_input[i].shape()))
          throw Error(module->type_name() + ": a full backward hook returned a gradient of shape " +
                      r[i].shape().str() + " for an input gradient of shape " +
                      grad_input[i].shape().str());
      grad_input = std::move(r);
    }
    return grad_input;
  }
};

// An identity on the graph: at the module's output it records grad_output (and, when no input
// gradient will come, calls the hooks); at its input it calls the hooks with grad_input.
class ModuleBackwardHookNode final : public Node {
 public:
  ModuleBackwardHookNode(std::shared_ptr<BackwardHookCall> call, bool at_output)
      : call_(std::move(call)), at_output_(at_output) {}
  const char* name() const override {
    return at_output_ ? "ModuleBackwardHook(output)" : "ModuleBackwardHook(input)";
  }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (at_output_) {
      call_->grad_output = grads;
      if (!call_->input_has_node) call_->run({Tensor()});
      return std::move(grads);
    }
    return call_->run(std::move(grads));
  }
  // Its one edge: to t's gradient.
  void connect(const Tensor& t) {
    Edge e = gradient_edge(t);
    set_edges(nullptr, &e, 1);
  }

 private:
  std::shared_ptr<BackwardHookCall> call_;
  bool at_output_;
};

// A new handle on t's data whose gradient goes through `node` and on to t.
Tensor through(const Tensor& t, std::shared_ptr<ModuleBackwardHookNode> node) {
  node->connect(t);
  Tensor alias = t.detach();
  alias.impl()->grad_fn = std::move(node);
  alias.impl()->output_nr = 0;
  alias.impl()->requires_grad = true;
  return alias;
}

}  // namespace

RemovableHandle Module::register_forward_pre_hook(ForwardPreHook hook, bool prepend) {
  return add_hook(hooks_, &detail::ModuleHooks::forward_pre, std::move(hook), prepend, type_name_,
                  "register_forward_pre_hook");
}

RemovableHandle Module::register_forward_hook(ForwardHook hook, bool prepend) {
  return add_hook(hooks_, &detail::ModuleHooks::forward, std::move(hook), prepend, type_name_,
                  "register_forward_hook");
}

RemovableHandle Module::register_full_backward_hook(BackwardHook hook, bool prepend) {
  return add_hook(hooks_, &detail::ModuleHooks::backward, std::move(hook), prepend, type_name_,
                  "register_full_backward_hook");
}

Tensor Module::call_with_hooks(const Tensor& x,
                               const std::function<Tensor(const Tensor&)>& forward_fn) {
  // A copy: a hook may add or remove hooks while they run.
  std::shared_ptr<detail::ModuleHooks> hooks =
      hooks_ ? std::make_shared<detail::ModuleHooks>(*hooks_) : nullptr;
  Tensor in = x;
  if (hooks)
    for (auto& [_, hook] : hooks->forward_pre)
      if (Tensor r = hook(*this, in); r.defined()) in = r;

  std::shared_ptr<BackwardHookCall> call;
  if (hooks && !hooks->backward.empty() && GradMode::is_enabled()) {
    call = std::make_shared<BackwardHookCall>();
    call->module = weak_from_this().lock();
    if (!call->module) call->module = ModulePtr(ModulePtr(), this);  // not owned by a shared_ptr
    for (auto& [_, hook] : hooks->backward) call->hooks.push_back(hook);
    if (in.defined() && in.requires_grad()) {
      call->input_has_node = true;
      in = through(in, std::make_shared<ModuleBackwardHookNode>(call, false));
    }
  }
  Tensor out = forward_fn(in);
  if (hooks)
    for (auto& [_, hook] : hooks->forward)
      if (Tensor r = hook(*this, in, out); r.defined()) out = r;
  if (call && out.defined() && out.requires_grad())
    out = through(out, std::make_shared<ModuleBackwardHookNode>(call, true));
  detail::note_forward(*this, out);
  return out;
}

// ---- registration

void Module::check_new_name(const std::string& name, const char* what) const {
  auto fail = [&](const std::string& why) {
    throw Error(type_name_ + ": cannot register " + what + " \"" + name + "\": " + why);
  };
  if (name.empty()) fail("the name is empty");
  if (name.find('.') != std::string::npos) fail("the name contains '.'");
  for (auto& [n, _] : parameters_)
    if (n == name) fail("a parameter of that name exists");
  for (auto& [n, _] : buffers_)
    if (n == name) fail("a buffer of that name exists");
  for (auto& [n, _] : children_)
    if (n == name) fail("a submodule of that name exists");
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "parameter");
  if (tensor.defined()) {
    if (!is_floating(tensor.dtype()))
      throw Error(type_name_ + ": parameter \"" + name + "\" must be float32 or float64, not " +
                  dtype_name(tensor.dtype()));
    // A parameter is a leaf of its own, whatever graph the given tensor came from.
    if (!tensor.is_leaf()) tensor = tensor.detach();
    if (tensor.requires_grad() != requires_grad) tensor.requires_grad_(requires_grad);
  }
  parameters_.emplace_back(std::move(name), std::move(tensor));
  return parameters_.back().second;
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  check_new_name(name, "buffer");
  buffers_.emplace_back(std::move(name), std::move(tensor));
  return buffers_.back().second;
}

ModulePtr Module::register_module(std::string name, ModulePtr module) {
  check_new_name(name, "submodule");
  if (!module)
    throw Error(type_name_ + ": cannot register submodule \"" + name + "\": it is empty");
  if (module.get() == this)
    throw Error(type_name_ + ": cannot register submodule \"" + name +
                "\": it is the module itself");
  children_.emplace_back(std::move(name), module);
  return module;
}

// ---- traversal

std::vector<NamedModule> Module::named_modules() const {
  std::vector<NamedModule> out;
  // Depth first, iteratively, with dotted prefixes; `this` is not owned here, hence the aliasing
  // shared_ptr when no owner exists.
  ModulePtr self = const_cast<Module*>(this)->weak_from_this().lock();
  if (!self) self = ModulePtr(ModulePtr(), const_cast<Module*>(this));
  std::vector<NamedModule> stack{{"", self}};
  std::unordered_set<const Module*> seen;
  while (!stack.empty()) {
    auto [name, m] = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(m.get()).second) continue;
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second);
    out.emplace_back(std::move(name), std::move(m));
  }
  return out;
}

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (auto& [_, m] : children_) out.push_back(m);
  return out;
}

namespace {

// Named tensors from `slots` of each module (parameters_ or buffers_), deduplicated by identity.
template <class Slots>
std::vector<NamedTensor> collect(const Module& root, bool recurse, Slots slots) {
  std::vector<NamedTensor> out;
  std::unordered_set<const void*> seen;
  auto add = [&](const std::string& prefix, const Module& m) {
    for (auto& [name, t] : slots(m)) {
      if (!t.defined() || !seen.insert(t.impl()).second) continue;
      out.emplace_back(prefix.empty() ? name : prefix + "." + name, t);
    }
  };
  if (!recurse) {
    add("", root);
    return out;
  }
  for (auto& [prefix, m] : root.named_modules()) add(prefix, *m);
  return out;
}

std::vector<Tensor> values(std::vector<NamedTensor>&& named) {
  std::vector<Tensor> out;
  out.reserve(named.size());
  for (auto& [_, t] : named) out.push_back(std::move(t));
  return out;
}

}  // namespace

std::vector<NamedTensor> Module::named_parameters(bool recurse) const {
  return collect(
      *this, recurse, [](const Module& m) -> auto& { return m.parameters_; });
}
std::vector<Tensor> Module::parameters(bool recurse) const {
  return values(named_parameters(recurse));
}
std::vector<NamedTensor> Module::named_buffers(bool recurse) const {
  return collect(
      *this, recurse, [](const Module& m) -> auto& { return m.buffers_; });
}
std::vector<Tensor> Module::buffers(bool recurse) const { return values(named_buffers(recurse)); }

// ---- mode, gradients, placement

void Module::train(bool on) {
  for (auto& [_, m] : named_modules()) m->training_ = on;
}

bool Module::replace_module(const std::string& name, ModulePtr module) {
  for (auto& [n, m] : children_)
    if (n == name) {
      if (!module) throw Error("register_module: module \"" + name + "\" is null");
      m = std::move(module);
      return true;
    }
  return false;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [_, child] : children_) child->apply(fn);
  fn(*this);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (auto& p : parameters()) {
    if (set_to_none) {
      if (p.grad().defined()) p.set_grad(Tensor());
    } else if (Tensor g = p.grad(); g.defined()) {
      g.zero_();
    }
  }
}

void Module::convert(const std::function<Tensor(const Tensor&)>& fn, bool floating_only) {
  NoGradGuard no_grad;
  // A tensor shared between modules (tied weights) stays shared: convert it once.
  std::unordered_map<const void*, Tensor> done;
  auto convert_slot = [&](Tensor& slot, bool is_parameter) {
    if (!slot.defined() || (floating_only && !is_floating(slot.dtype()))) return;
    if (auto it = done.find(slot.impl()); it != done.end()) {
      slot = it->second;
      return;
    }
    Tensor moved = fn(slot);
    if (moved.same(slot)) return;
    moved = moved.detach();
    if (is_parameter) {
      if (slot.requires_grad()) moved.requires_grad_(true);
      if (Tensor g = slot.grad(); g.defined()) moved.set_grad(fn(g).detach());
    }
    done.emplace(slot.impl(), moved);
    slot = moved;
  };
  for (auto& [_, m] : named_modules()) {
    for (auto& [_, t] : m->parameters_) convert_slot(t, true);
    for (auto& [_, t] : m->buffers_) convert_slot(t, false);
  }
}

void Module::to(Device device) {
  convert([device](const Tensor& t) { return t.to(device); }, false);
}

void Module::to(Dtype dtype) {
  if (!is_floating(dtype))
    throw Error(type_name_ + ".to(" + dtype_name(dtype) +
                "): modules convert to floating dtypes only (float32, float64)");
  convert([dtype](const Tensor& t) { return t.to(dtype); }, true);
}

// ---- state

StateDict Module::state_dict() const {
  StateDict out;
  // Unlike parameters(), every name of a shared tensor is kept, as PyTorch does.
  for (auto& [prefix_, m] : named_modules()) {
    const std::string& prefix = prefix_;  // clang 14 cannot capture a structured binding
    auto add = [&](const std::deque<NamedTensor>& slots) {
      for (auto& [name, t] : slots)
        if (t.defined()) out.insert(prefix.empty() ? name : prefix + "." + name, t.detach());
    };
    add(m->parameters_);
    add(m->buffers_);
  }
  return out;
}

namespace {
std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
  return s;
}
}  // namespace

LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
  // Every slot of the model by full name, in state_dict order.
  std::vector<std::pair<std::string, Tensor*>> slots;
  for (auto& [prefix, m] : named_modules()) {
    for (auto* group : {&m->parameters_, &m->buffers_})
      for (auto& [name, t] : *group)
        if (t.defined()) slots.emplace_back(prefix.empty() ? name : prefix + "." + name, &t);
  }
  LoadResult result;
  std::vector<std::string> errors;
  std::unordered_set<std::string> own;
  for (auto& [key, slot] : slots) {
    own.insert(key);
    const Tensor* src = state.find(key);
    if (!src) {
      result.missing_keys.push_back(key);
    } else if (!src->defined()) {
      errors.push_back("value for \"" + key + "\" is an undefined tensor");
    } else if (!(src->shape() == slot->shape())) {
      errors.push_back("size mismatch for " + key + ": copying a param with shape " +
                       src->shape().str() + " from checkpoint, the shape in current model is " +
                       slot->shape().str() + ".");
    } else if (is_floating(slot->dtype()) != is_floating(src->dtype())) {
      errors.push_back("dtype mismatch for " + key + ": checkpoint has " +
                       dtype_name(src->dtype()) + ", the model has " + dtype_name(slot->dtype()) +
                       ".");
    }
  }
  for (auto& [key, _] : state)
    if (!own.count(key)) result.unexpected_keys.push_back(key);

  if (strict) {
    std::vector<std::string> key_errors;
    if (!result.missing_keys.empty())
      key_errors.push_back("Missing key(s) in state_dict: " + quoted_list(result.missing_keys) +
                           ".");
    if (!result.unexpected_keys.empty())
      key_errors.push_back(
          "Unexpected key(s) in state_dict: " + quoted_list(result.unexpected_keys) + ".");
    errors.insert(errors.begin(), key_errors.begin(), key_errors.end());
  }
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + type_name_ + ":";
    for (auto& e : errors) msg += "\n\t" + e;
    throw Error(msg);
  }

  NoGradGuard no_grad;
  for (auto& [key, slot] : slots)
    if (const Tensor* src = state.find(key)) slot->copy_(*src);
  return result;
}

// ---- printing

void Module::pretty_print(std::ostream& os, int indent) const {
  os << type_name_ << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    std::string pad(indent + 2, ' ');
    for (auto& [name, child] : children_) {
      os << pad << "(" << name << "): ";
      child->pretty_print(os, indent + 2);
      os << "\n";
    }
    os << std::string(indent, ' ');
  }
  os << ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) {
  m.pretty_print(os);
  return os;
}

namespace detail {

std::string py_repr(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, end);
  if (s.find_first_of(".eninf") == std::string::npos) s += ".0";
  return s;
}

// The table summary() is filling, while its forward runs (one per thread).
struct SummaryRows {
  std::vector<std::pair<const Module*, Shape>> rows;
};
thread_local SummaryRows* active_summary = nullptr;

void note_forward(const Module& m, const Tensor& output) {
  if (active_summary && m.named_children().empty() && output.defined())
    active_summary->rows.emplace_back(&m, output.shape());
}

}  // namespace detail

namespace {

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

int64_t count(const std::vector<Tensor>& ts, bool trainable_only = false) {
  int64_t n = 0;
  for (auto& t : ts)
    if (!trainable_only || t.requires_grad()) n += t.numel();
  return n;
}

}  // namespace

void Module::summary(const Shape& input_shape) { summary(input_shape, std::cout); }

void Module::summary(const Shape& input_shape, std::ostream& os) {
  auto modules = named_modules();
  std::unordered_map<const Module*, std::string> names;
  for (auto& [name, m] : modules) names.emplace(m.get(), name);

  // The dummy input lives where the parameters do.
  TensorOptions opt;
  if (auto ps = parameters(); !ps.empty())
    opt = TensorOptions{ps[0].dtype(), ps[0].device()};
  Shape batch_shape = input_shape;
  batch_shape.insert(0, 2);

  detail::SummaryRows rows;
  {
    // eval mode: Dropout neither changes the output nor draws from the random engine.
    std::vector<bool> was_training;
    for (auto& [_, m] : modules) was_training.push_back(m->training_);
    eval();
    NoGradGuard no_grad;
    detail::active_summary = &rows;
    try {
      Tensor y = (*this)(zeros(batch_shape, opt));
      // A module that computes everything itself (no layer handles) is shown as one row.
      if (rows.rows.empty() && y.defined()) rows.rows.emplace_back(this, y.shape());
    } catch (...) {
      detail::active_summary = nullptr;
      for (size_t i = 0; i < modules.size(); ++i) modules[i].second->training_ = was_training[i];
      throw;
    }
    detail::active_summary = nullptr;
    for (size_t i = 0; i < modules.size(); ++i) modules[i].second->training_ = was_training[i];
  }

  struct Row {
    std::string layer, shape, params;
  };
  std::vector<Row> table;
  for (auto& [m, shape] : rows.rows) {
    std::string name = names.count(m) ? names[m] : std::string();
    std::string layer = name.empty() ? m->type_name() : name + " (" + m->type_name() + ")";
    std::string shape_str = "[-1";
    for (int64_t i = 1; i < shape.ndim(); ++i) shape_str += ", " + std::to_string(shape[i]);
    shape_str += "]";
    if (shape.ndim() == 0) shape_str = "[]";
    table.push_back({layer, shape_str, with_commas(count(m->parameters()))});
  }
  Row header{"Layer (type)", "Output Shape", "Param #"};
  size_t w0 = header.layer.size(), w1 = header.shape.size(), w2 = header.params.size();
  for (auto& r : table) {
    w0 = std::max(w0, r.layer.size());
    w1 = std::max(w1, r.shape.size());
    w2 = std::max(w2, r.params.size());
  }
  const size_t width = w0 + w1 + w2 + 8;
  auto line = [&](const Row& r) {
    os << r.layer << std::string(w0 - r.layer.size() + 4, ' ') << r.shape
       << std::string(w1 - r.shape.size() + 4, ' ') << std::string(w2 - r.params.size(), ' ')
       << r.params << "\n";
  };
  os << type_name_ << " summary (input " << input_shape.str() << ", batch dimension as -1)\n";
  os << std::string(width, '-') << "\n";
  line(header);
  os << std::string(width, '=') << "\n";
  for (auto& r : table) line(r);
  os << std::string(width, '=') << "\n";
  auto ps = parameters();
  int64_t total = count(ps), trainable = count(ps, true);
  os << "Total params: " << with_commas(total) << "\n";
  os << "Trainable params: " << with_commas(trainable) << "\n";
  os << "Non-trainable params: " << with_commas(total - trainable) << "\n";
  os << std::string(width, '-') << "\n";
}

}  // namespace xgrad::nn
