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

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder::ModuleHolder;
};

}  // namespace xgrad::nn
