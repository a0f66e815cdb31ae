/// \file
/// Sequential: runs its modules one after another, as torch.nn.Sequential. Children are named
/// "0", "1", ... (so parameters are "0.weight", "0.bias", ...) unless pushed with a name.
///
/// \code{.cpp}
///   nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10));
///   Tensor y = model(x);
/// \endcode
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Runs its modules one after another (see the file's description); use it through nn::Sequential.
class SequentialImpl : public Module {
 public:
  SequentialImpl() : Module("Sequential") {}
  /// The given modules (handles or shared_ptrs), named "0", "1", ...
  template <ModuleLike... Ms>
  requires(sizeof...(Ms) > 0) explicit SequentialImpl(const Ms&... modules) : SequentialImpl() {
    (push_back(module_ptr(modules)), ...);
  }

  /// Appends a module named by its position, or by `name`.
  void push_back(ModulePtr module);
  /// Appends `module` under `name`; throws xgrad::Error when the name is taken or invalid.
  void push_back(std::string name, ModulePtr module);
  /// Appends a handle or shared_ptr, named by its position.
  template <ModuleLike M>
  void push_back(const M& module) {
    push_back(module_ptr(module));
  }
  /// Appends a handle or shared_ptr under `name`.
  template <ModuleLike M>
  void push_back(std::string name, const M& module) {
    push_back(std::move(name), module_ptr(module));
  }

  Tensor forward(const Tensor& x) override;

  /// Number of modules.
  size_t size() const { return named_children().size(); }
  /// True when it holds no module.
  bool empty() const { return size() == 0; }
  /// Module `i`; throws xgrad::Error when out of range.
  const ModulePtr& operator[](size_t i) const;
  /// The module at `i` as its concrete type: `seq->at<LinearImpl>(0).weight`.
  template <class T>
  T& at(size_t i) const {
    auto* m = dynamic_cast<T*>((*this)[i].get());
    if (!m)
      throw Error("Sequential::at: module " + std::to_string(i) + " is a " +
                  (*this)[i]->type_name() + ", not the type asked for");
    return *m;
  }
  /// First (name, module) pair.
  auto begin() const { return named_children().begin(); }
  /// Past the last (name, module) pair.
  auto end() const { return named_children().end(); }
};

/// ModuleList: modules held in order, registered as "0", "1", ... so their parameters are found,
/// with no forward of its own (a model's forward indexes or iterates it), as torch.nn.ModuleList.
class ModuleListImpl : public Module {
 public:
  ModuleListImpl() : Module("ModuleList") {}
  /// The given modules (handles or shared_ptrs), named "0", "1", ...
  template <ModuleLike... Ms>
  requires(sizeof...(Ms) > 0) explicit ModuleListImpl(const Ms&... modules) : ModuleListImpl() {
    (push_back(module_ptr(modules)), ...);
  }
  /// Appends a module, named by its position.
  void push_back(ModulePtr module);
  /// Appends a handle or shared_ptr, named by its position.
  template <ModuleLike M>
  void push_back(const M& module) {
    push_back(module_ptr(module));
  }
  Tensor forward(const Tensor& x) override;  ///< an error: ModuleList has no forward
  /// Number of modules.
  size_t size() const { return named_children().size(); }
  /// True when it holds no module.
  bool empty() const { return size() == 0; }
  /// Module `i`; throws xgrad::Error when out of range.
  const ModulePtr& operator[](size_t i) const;
  /// Module `i` as its concrete type: `list->at<LinearImpl>(0)`; throws xgrad::Error for another
  /// type.
  template <class T>
  T& at(size_t i) const {
    auto* m = dynamic_cast<T*>((*this)[i].get());
    if (!m)
      throw Error("ModuleList::at: module " + std::to_string(i) + " is a " + (*this)[i]->type_name() +
                  ", not the type asked for");
    return *m;
  }
  /// First (name, module) pair.
  auto begin() const { return named_children().begin(); }
  /// Past the last (name, module) pair.
  auto end() const { return named_children().end(); }
};

/// ModuleDict: modules under names, in insertion order, as torch.nn.ModuleDict.
class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  /// Adds `module` under `name`, or replaces the module of that name (keeping its place).
  void insert(const std::string& name, ModulePtr module);
  /// Adds a handle or shared_ptr under `name` (replacing one of that name).
  template <ModuleLike M>
  void insert(const std::string& name, const M& module) {
    insert(name, module_ptr(module));
  }
  Tensor forward(const Tensor& x) override;  ///< an error: ModuleDict has no forward
  /// True when a module is held under `name`.
  bool contains(const std::string& name) const;
  /// The module under `name`; throws xgrad::Error (listing the keys) when there is none.
  const ModulePtr& operator[](const std::string& name) const;
  /// The names, in insertion order.
  std::vector<std::string> keys() const;
  /// Number of modules.
  size_t size() const { return named_children().size(); }
  /// True when it holds no module.
  bool empty() const { return size() == 0; }
  /// First (name, module) pair.
  auto begin() const { return named_children().begin(); }
  /// Past the last (name, module) pair.
  auto end() const { return named_children().end(); }
};

/// Handle of ModuleListImpl.
XGRAD_MODULE(ModuleList);
/// Handle of ModuleDictImpl.
XGRAD_MODULE(ModuleDict);

/// Handle of SequentialImpl: `nn::Sequential(nn::Linear(4, 8), nn::ReLU())`.
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace xgrad::nn
