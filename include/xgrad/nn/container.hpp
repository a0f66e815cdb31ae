// Sequential: runs its modules one after another, as torch.nn.Sequential. Children are named
// "0", "1", ... (so parameters are "0.weight", "0.bias", ...) unless pushed with a name.
//
//   nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10));
//   Tensor y = model(x);
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class SequentialImpl : public Module {
 public:
  SequentialImpl() : Module("Sequential") {}
  template <ModuleLike... Ms>
  requires(sizeof...(Ms) > 0) explicit SequentialImpl(const Ms&... modules) : SequentialImpl() {
    (push_back(module_ptr(modules)), ...);
  }

  // Appends a module named by its position, or by `name`.
  void push_back(ModulePtr module);
  void push_back(std::string name, ModulePtr module);
  template <ModuleLike M>
  void push_back(const M& module) {
    push_back(module_ptr(module));
  }
  template <ModuleLike M>
  void push_back(std::string name, const M& module) {
    push_back(std::move(name), module_ptr(module));
  }

  Tensor forward(const Tensor& x) override;

  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  const ModulePtr& operator[](size_t i) const;
  // The module at `i` as its concrete type: `seq->at<LinearImpl>(0).weight`.
  template <class T>
  T& at(size_t i) const {
    auto* m = dynamic_cast<T*>((*this)[i].get());
    if (!m)
      throw Error("Sequential::at: module " + std::to_string(i) + " is a " +
                  (*this)[i]->type_name() + ", not the type asked for");
    return *m;
  }
  auto begin() const { return named_children().begin(); }
  auto end() const { return named_children().end(); }
};

// ModuleList: modules held in order, registered as "0", "1", ... so their parameters are found,
// with no forward of its own (a model's forward indexes or iterates it), as torch.nn.ModuleList.
class ModuleListImpl : public Module {
 public:
  ModuleListImpl() : Module("ModuleList") {}
  template <ModuleLike... Ms>
  requires(sizeof...(Ms) > 0) explicit ModuleListImpl(const Ms&... modules) : ModuleListImpl() {
    (push_back(module_ptr(modules)), ...);
  }
  void push_back(ModulePtr module);
  template <ModuleLike M>
  void push_back(const M& module) {
    push_back(module_ptr(module));
  }
  Tensor forward(const Tensor& x) override;  // an error: ModuleList has no forward
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  const ModulePtr& operator[](size_t i) const;
  template <class T>
  T& at(size_t i) const {
    auto* m = dynamic_cast<T*>((*this)[i].get());
    if (!m)
      throw Error("ModuleList::at: module " + std::to_string(i) + " is a " + (*this)[i]->type_name() +
                  ", not the type asked for");
    return *m;
  }
  auto begin() const { return named_children().begin(); }
  auto end() const { return named_children().end(); }
};

// ModuleDict: modules under names, in insertion order, as torch.nn.ModuleDict.
class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  // Adds `module` under `name`, or replaces the module of that name (keeping its place).
  void insert(const std::string& name, ModulePtr module);
  template <ModuleLike M>
  void insert(const std::string& name, const M& module) {
    insert(name, module_ptr(module));
  }
  Tensor forward(const Tensor& x) override;  // an error: ModuleDict has no forward
  bool contains(const std::string& name) const;
  const ModulePtr& operator[](const std::string& name) const;
  std::vector<std::string> keys() const;
  size_t size() const { return named_children().size(); }
  bool empty() const { return size() == 0; }
  auto begin() const { return named_children().begin(); }
  auto end() const { return named_children().end(); }
};

XGRAD_MODULE(ModuleList);
XGRAD_MODULE(ModuleDict);

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace xgrad::nn
