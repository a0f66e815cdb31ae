#include "xgrad/nn/container.hpp"

namespace xgrad::nn {

void SequentialImpl::push_back(ModulePtr module) {
  push_back(std::to_string(size()), std::move(module));
}

void SequentialImpl::push_back(std::string name, ModulePtr module) {
  register_module(std::move(name), std::move(module));
}

Tensor SequentialImpl::forward(const Tensor& x) {
  Tensor y = x;
  for (auto& [_, m] : named_children()) y = (*m)(y);
  return y;
}

const ModulePtr& SequentialImpl::operator[](size_t i) const {
  if (i >= size())
    throw Error("Sequential: index " + std::to_string(i) + " is out of range for " +
                std::to_string(size()) + " modules");
  return named_children()[i].second;
}

}  // namespace xgrad::nn
