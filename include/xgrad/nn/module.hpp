/// \file
/// Module: the base of every layer and model, as torch.nn.Module. It owns named parameters,
/// buffers and child modules; gives them back recursively with dotted names ("0.weight");
/// switches train/eval; moves to a device or dtype; saves and loads a state_dict; prints itself.
///
/// Modules live on the heap and are used through handles with value semantics, as in LibTorch:
/// `nn::Linear lin(64, 50)` holds a shared_ptr<LinearImpl>; copying `lin` shares the module,
/// `lin->weight` reaches its members, `lin(x)` runs its forward. A user-defined module:
///
/// \code{.cpp}
///   struct NetImpl : nn::Module {
///     nn::Linear fc1{4, 8}, fc2{8, 1};
///     NetImpl() : Module("Net") { register_module("fc1", fc1); register_module("fc2", fc2); }
///     Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))); }
///   };
///   XGRAD_MODULE(Net);  // the handle type `Net`
/// \endcode
#pragma once

#include <concepts>
#include <deque>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad::nn {

class Module;
/// Shared owner of a module: what containers hold and named_modules() gives back.
using ModulePtr = std::shared_ptr<Module>;

/// Hooks (PyTorch's register_forward_pre_hook, register_forward_hook,
/// register_full_backward_hook). A hook that returns an undefined tensor (or, for backward hooks,
/// an empty vector) leaves the value as it was; otherwise its result replaces it, and the next
/// hook sees the replacement. Hooks run in registration order (prepend = true puts one first).
/// They run when the module is called with one tensor (through its handle, operator() or a
/// container), not when forward() is called directly.
///
/// \code{.cpp}
///   auto h = model->register_forward_hook([](nn::Module& m, const Tensor& in, const Tensor& out) {
///     std::cout << m.type_name() << " -> " << out.shape().str() << "\n";
///     return Tensor();  // keep the output
///   });
///   h.remove();
/// \endcode
using ForwardPreHook = std::function<Tensor(Module& module, const Tensor& input)>;
/// Runs after forward with the module, its input and its output; may return a replacement output.
using ForwardHook =
    std::function<Tensor(Module& module, const Tensor& input, const Tensor& output)>;
/// Called once the gradient w.r.t. the module's input is computed, with it (grad_input, undefined
/// where the input needs no gradient) and the gradient w.r.t. its output (grad_output); may return
/// a replacement grad_input of the same size.
using BackwardHook = std::function<std::vector<Tensor>(
    Module& module, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output)>;

namespace detail {
struct ModuleHooks;  // a module's hooks, shared with the handles that can remove them (module.cpp)
}  // namespace detail

/// What register_*_hook returns: remove() unregisters the hook (again: nothing happens). Dropping
/// the handle keeps the hook.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  /// A handle for hook `id` among `hooks` (what register_*_hook builds).
  RemovableHandle(std::weak_ptr<detail::ModuleHooks> hooks, uint64_t id)
      : hooks_(std::move(hooks)), id_(id) {}
  /// Unregisters the hook; calling it again (or after the module is gone) does nothing.
  void remove();

 private:
  std::weak_ptr<detail::ModuleHooks> hooks_;
  uint64_t id_ = 0;
};
/// A parameter or buffer with its dotted name ("0.weight").
using NamedTensor = std::pair<std::string, Tensor>;
/// A module with its dotted name ("" for the root).
using NamedModule = std::pair<std::string, ModulePtr>;

/// What load_state_dict(strict = false) could not match (strict loading raises an error instead).
struct LoadResult {
  /// Names the module has that the state_dict lacked.
  std::vector<std::string> missing_keys;
  /// Names in the state_dict that the module does not have.
  std::vector<std::string> unexpected_keys;
};

/// The base of every layer and model (torch.nn.Module); see the file's description.
class Module : public std::enable_shared_from_this<Module> {
 public:
  /// Starts an empty module; `type_name` is the class name it prints ("Linear").
  explicit Module(std::string type_name = "Module");
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The class name printed by operator<< and summary ("Linear").
  const std::string& type_name() const { return type_name_; }

  /// One tensor in, one tensor out: what layers override and Sequential chains. Modules with other
  /// signatures define their own `forward` and are called through their handle.
  virtual Tensor forward(const Tensor& x);
  /// forward with the hooks around it, plus the bookkeeping summary() needs.
  Tensor operator()(const Tensor& x);

  // ---- hooks (see ForwardPreHook above)
  /// Adds a hook run before forward on its input (first, when `prepend`); see ForwardPreHook.
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook, bool prepend = false);
  /// Adds a hook run after forward on its output (first, when `prepend`); see ForwardHook.
  RemovableHandle register_forward_hook(ForwardHook hook, bool prepend = false);
  /// Adds a hook run with the gradients of the module's input and output (first, when `prepend`).
  RemovableHandle register_full_backward_hook(BackwardHook hook, bool prepend = false);
  /// True when any hook is registered on this module.
  bool has_hooks() const;
  /// Runs `forward` on x with this module's hooks around it (what operator() and the handles do).
  Tensor call_with_hooks(const Tensor& x, const std::function<Tensor(const Tensor&)>& forward);

  // ---- registration (names must be non-empty, without '.', unique within the module)
  /// Returns a reference to the stored tensor, which to() and load_state_dict() update: keep the
  /// reference (`Tensor& w = register_parameter(...)`), not a copy. An undefined tensor registers
  /// an absent parameter (PyTorch's None), skipped by parameters() and state_dict().
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  /// Buffers are saved in the state_dict and moved by to(), but are not parameters.
  Tensor& register_buffer(std::string name, Tensor tensor);
  /// Adds `module` as the child `name` and returns it; throws xgrad::Error when it is empty, is
  /// this module itself, or the name is taken or invalid.
  ModulePtr register_module(std::string name, ModulePtr module);
  /// As above, for a module handle (nn::Linear ...); returns the handle.
  template <class Holder>
  requires requires(const Holder& h) {
    { h.ptr() } -> std::convertible_to<ModulePtr>;
  }
  Holder register_module(std::string name, Holder holder) {
    register_module(std::move(name), ModulePtr(holder.ptr()));
    return holder;
  }

  // ---- what it holds (recursively, in registration order; a tensor shared by two modules once)
  /// The parameters (this module's only, when `recurse` is false).
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// The parameters with their dotted names.
  std::vector<NamedTensor> named_parameters(bool recurse = true) const;
  /// The buffers (running statistics and other non-trained state).
  std::vector<Tensor> buffers(bool recurse = true) const;
  /// The buffers with their dotted names.
  std::vector<NamedTensor> named_buffers(bool recurse = true) const;
  /// The direct child modules, in registration order.
  std::vector<ModulePtr> children() const;
  /// The direct child modules with their names.
  const std::vector<NamedModule>& named_children() const { return children_; }
  /// This module (named "") and every descendant, depth first.
  std::vector<NamedModule> named_modules() const;

  /// Calls fn on every descendant, children before parents, then on this module, as PyTorch's
  /// Module.apply (e.g. to initialize weights): `model->apply([](nn::Module& m) {...})`.
  void apply(const std::function<void(Module&)>& fn);

  // ---- mode, gradients, placement
  /// Sets training mode (`on`) or evaluation mode on this module and every descendant.
  void train(bool on = true);
  /// Evaluation mode: train(false).
  void eval() { train(false); }
  /// True in training mode (the default).
  bool is_training() const { return training_; }
  /// set_to_none drops the gradients (PyTorch 2's default); otherwise they are zeroed in place.
  void zero_grad(bool set_to_none = true);
  /// Replace parameters and buffers by copies on `device` / in `dtype` (floating ones only).
  /// Optimizers hold the tensors they were given: build them after moving the model.
  void to(Device device);
  /// Moves to the default device of that type (`kCUDA`: device 0).
  void to(DeviceType device) { to(Device(device)); }
  /// Converts floating parameters and buffers to `dtype`.
  void to(Dtype dtype);

  // ---- state
  /// Parameters then buffers, module by module, with dotted names; the tensors share data with
  /// the module's (detached: no graph).
  StateDict state_dict() const;
  /// Copies values in (converting dtype and device). Checks everything before copying anything:
  /// a mis-shaped key is always an error; missing and unexpected keys are errors when strict.
  LoadResult load_state_dict(const StateDict& state, bool strict = true);

  // ---- printing
  /// What goes inside the parentheses of this module's line: "in_features=64, out_features=50".
  virtual std::string extra_repr() const { return {}; }
  /// PyTorch's format: `Sequential(\n  (0): Linear(...)\n  ...\n)`.
  void pretty_print(std::ostream& os, int indent = 0) const;
  /// A Keras-like table: each leaf layer called by forward, its output shape and parameter count,
  /// then the totals. `input_shape` leaves out the batch dimension (printed as -1). Runs one
  /// forward on zeros in eval mode without recording a graph or drawing random numbers.
  void summary(const Shape& input_shape, std::ostream& os);
  /// The same table on std::cout.
  void summary(const Shape& input_shape);

 protected:
  /// Puts `module` in place of the child `name`; false when there is no such child.
  bool replace_module(const std::string& name, ModulePtr module);

 private:
  void convert(const std::function<Tensor(const Tensor&)>& fn, bool floating_only);
  void check_new_name(const std::string& name, const char* what) const;

  std::string type_name_;
  bool training_ = true;
  /// deques: references returned by register_* stay valid as more are added.
  std::deque<NamedTensor> parameters_;
  std::deque<NamedTensor> buffers_;
  std::vector<NamedModule> children_;
  std::shared_ptr<detail::ModuleHooks> hooks_;
};

/// Prints the module as PyTorch does (pretty_print).
std::ostream& operator<<(std::ostream& os, const Module& m);

namespace detail {
/// Called after every one-tensor forward; records the output shape while summary() runs.
void note_forward(const Module& m, const Tensor& output);
/// A double as Python prints it (shortest round trip: 0.01, 1e-05, 0.5); py_bool: True/False.
std::string py_repr(double v);
inline const char* py_bool(bool v) { return v ? "True" : "False"; }
}  // namespace detail

// ---- handles

/// What every module handle has whatever its module's type: the shared owner, and the Module API
/// forwarded (defined once in the library rather than once per module type in every user's
/// compile). Used through ModuleHolder.
class ModuleHandle {
 public:
  /// \copydoc xgrad::nn::Module::register_forward_pre_hook
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook, bool prepend = false) const;
  /// \copydoc xgrad::nn::Module::register_forward_hook
  RemovableHandle register_forward_hook(ForwardHook hook, bool prepend = false) const;
  /// \copydoc xgrad::nn::Module::register_full_backward_hook
  RemovableHandle register_full_backward_hook(BackwardHook hook, bool prepend = false) const;

  /// \copydoc xgrad::nn::Module::parameters
  std::vector<Tensor> parameters(bool recurse = true) const;
  /// \copydoc xgrad::nn::Module::named_parameters
  std::vector<NamedTensor> named_parameters(bool recurse = true) const;
  /// \copydoc xgrad::nn::Module::buffers
  std::vector<Tensor> buffers(bool recurse = true) const;
  /// \copydoc xgrad::nn::Module::named_buffers
  std::vector<NamedTensor> named_buffers(bool recurse = true) const;
  /// \copydoc xgrad::nn::Module::children
  std::vector<ModulePtr> children() const;
  /// \copydoc xgrad::nn::Module::named_children
  const std::vector<NamedModule>& named_children() const;
  /// \copydoc xgrad::nn::Module::named_modules
  std::vector<NamedModule> named_modules() const;
  /// \copydoc xgrad::nn::Module::apply
  void apply(const std::function<void(Module&)>& fn) const;
  /// \copydoc xgrad::nn::Module::train
  void train(bool on = true) const;
  /// \copydoc xgrad::nn::Module::eval
  void eval() const;
  /// \copydoc xgrad::nn::Module::is_training
  bool is_training() const;
  /// \copydoc xgrad::nn::Module::zero_grad
  void zero_grad(bool set_to_none = true) const;
  /// \copydoc xgrad::nn::Module::to(Device)
  void to(Device device) const;
  /// \copydoc xgrad::nn::Module::to(DeviceType)
  void to(DeviceType device) const;
  /// \copydoc xgrad::nn::Module::to(Dtype)
  void to(Dtype dtype) const;
  /// \copydoc xgrad::nn::Module::state_dict
  StateDict state_dict() const;
  /// \copydoc xgrad::nn::Module::load_state_dict
  LoadResult load_state_dict(const StateDict& state, bool strict = true) const;
  /// \copydoc xgrad::nn::Module::summary(const Shape&, std::ostream&)
  void summary(const Shape& input_shape, std::ostream& os) const;
  /// \copydoc xgrad::nn::Module::summary(const Shape&)
  void summary(const Shape& input_shape) const;

  /// True when the handle holds no module.
  bool is_empty() const { return module_ == nullptr; }
  /// True when the handle holds a module.
  explicit operator bool() const { return module_ != nullptr; }

 protected:
  /// An empty handle.
  ModuleHandle() = default;
  /// Takes shared ownership of `module` (may be null: an empty handle).
  explicit ModuleHandle(ModulePtr module) : module_(std::move(module)) {}
  /// Copies and moves only as part of a ModuleHolder (which keeps its typed pointer in step).
  ModuleHandle(const ModuleHandle&) = default;
  /// \copydoc ModuleHandle(const ModuleHandle&)
  ModuleHandle(ModuleHandle&&) noexcept = default;
  /// \copydoc ModuleHandle(const ModuleHandle&)
  ModuleHandle& operator=(const ModuleHandle&) = default;
  /// \copydoc ModuleHandle(const ModuleHandle&)
  ModuleHandle& operator=(ModuleHandle&&) noexcept = default;
  ~ModuleHandle() = default;
  /// The module; throws xgrad::Error when the handle is empty.
  Module* checked() const;
  ModulePtr module_;  ///< the owner; the derived handle keeps a typed pointer beside it
};

/// Value-semantics handle to a module of type Impl (LibTorch's ModuleHolder): `->` reaches the
/// module, `()` calls its forward, and the Module API is forwarded so `model.parameters()` works.
template <class Impl>
class ModuleHolder : public ModuleHandle {
 public:
  /// The module class the handle holds.
  using element_type = Impl;

  /// Default-constructs the module where it can be (nn::ReLU()); otherwise use nullptr for empty.
  ModuleHolder() requires std::default_initializable<Impl> : ModuleHolder(std::make_shared<Impl>()) {}
  /// An empty handle; using it throws xgrad::Error until a module is assigned.
  ModuleHolder(std::nullptr_t) {}
  /// Wraps an existing module (shares it).
  ModuleHolder(std::shared_ptr<Impl> impl) : ModuleHandle(impl), impl_(impl.get()) {}
  /// Constructs the module from the arguments of one of its constructors. (A single argument of
  /// the handle's own type copies the handle, as in LibTorch: Sequential(Sequential(...)) shares.)
  template <class First, class... Rest>
  requires(!(sizeof...(Rest) == 0 &&
             (std::derived_from<std::remove_cvref_t<First>, ModuleHolder> ||
              std::is_same_v<std::remove_cvref_t<First>, std::nullptr_t> ||
              std::is_same_v<std::remove_cvref_t<First>, std::shared_ptr<Impl>>)) &&
           std::constructible_from<Impl, First, Rest...>) explicit ModuleHolder(First&& first,
                                                                                Rest&&... rest)
      : ModuleHolder(
            std::make_shared<Impl>(std::forward<First>(first), std::forward<Rest>(rest)...)) {}

  /// The module; throws xgrad::Error when the handle is empty.
  Impl* operator->() const { return typed(); }
  /// The module; throws xgrad::Error when the handle is empty.
  Impl& operator*() const { return *typed(); }
  /// The module, or nullptr when the handle is empty (or was moved from).
  Impl* get() const { return module_ ? impl_ : nullptr; }
  /// The shared owner of the module (null when empty), a new shared_ptr each call.
  std::shared_ptr<Impl> ptr() const { return std::shared_ptr<Impl>(module_, get()); }

  /// Calls the module's forward; a one-tensor forward is also shown to summary().
  template <class... Args>
  decltype(auto) operator()(Args&&... args) const {
    using Result = decltype(std::declval<Impl&>().forward(std::forward<Args>(args)...));
    Impl* m = typed();
    if constexpr (std::is_same_v<Result, Tensor> && sizeof...(Args) == 1 &&
                  (std::is_convertible_v<Args, const Tensor&> && ...)) {
      if (m->has_hooks())
        return m->call_with_hooks(args...,
                                  [m](const Tensor& x) -> Tensor { return m->forward(x); });
      Tensor y = m->forward(std::forward<Args>(args)...);
      detail::note_forward(*m, y);
      return y;
    } else {
      if (m->has_hooks())
        throw Error(
            m->type_name() +
            ": hooks run only on modules called with one tensor; this call passes other arguments");
      if constexpr (std::is_same_v<Result, Tensor>) {
        Tensor y = m->forward(std::forward<Args>(args)...);
        detail::note_forward(*m, y);
        return y;
      } else {
        return m->forward(std::forward<Args>(args)...);
      }
    }
  }

 private:
  Impl* typed() const {
    checked();  // throws for an empty handle
    return impl_;
  }
  Impl* impl_ = nullptr;  // module_.get() as its own type
};

/// Prints the held module as PyTorch does.
template <class Impl>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& m) {
  return os << static_cast<const Module&>(*m);
}

/// Anything that names a module: a handle or a shared_ptr to a Module-derived type.
template <class Impl>
ModulePtr module_ptr(const ModuleHolder<Impl>& h) {
  return h.ptr();
}
/// The module a shared_ptr to a Module-derived type points to, as a ModulePtr.
template <class T>
requires std::derived_from<T, Module> ModulePtr module_ptr(const std::shared_ptr<T>& p) {
  return p;
}
/// A module handle or a shared_ptr to a Module-derived type (what module_ptr accepts).
template <class M>
concept ModuleLike = requires(const std::remove_cvref_t<M>& m) {
  { module_ptr(m) } -> std::convertible_to<ModulePtr>;
};

}  // namespace xgrad::nn

/// Declares the handle `Name` for a module class `NameImpl`, as LibTorch's TORCH_MODULE.
#define XGRAD_MODULE(Name)                                     \
  class Name : public ::xgrad::nn::ModuleHolder<Name##Impl> {  \
   public:                                                     \
    using ::xgrad::nn::ModuleHolder<Name##Impl>::ModuleHolder; \
  }
