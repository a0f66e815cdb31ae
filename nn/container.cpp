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

void ModuleListImpl::push_back(ModulePtr module) { register_module(std::to_string(size()), std::move(module)); }

Tensor ModuleListImpl::forward(const Tensor&) {
  throw Error("ModuleList has no forward: call its modules (list[i], or iterate over it)");
}

const ModulePtr& ModuleListImpl::operator[](size_t i) const {
  if (i >= size())
    throw Error("ModuleList: index " + std::to_string(i) + " is out of range for " + std::to_string(size()) +
                " modules");
  return named_children()[i].second;
}

void ModuleDictImpl::insert(const std::string& name, ModulePtr module) {
  if (!replace_module(name, module)) register_module(name, std::move(module));
}

Tensor ModuleDictImpl::forward(const Tensor&) {
  throw Error("ModuleDict has no forward: call its modules (dict[\"name\"])");
}

bool ModuleDictImpl::contains(const std::string& name) const {
  for (auto& [n, _] : named_children())
    if (n == name) return true;
  return false;
}

const ModulePtr& ModuleDictImpl::operator[](const std::string& name) const {
  for (auto& [n, m] : named_children())
    if (n == name) return m;
  throw Error("ModuleDict: no module named \"" + name + "\" (keys: " + [&] {
    std::string k;
    for (auto& [n, _] : named_children()) k += (k.empty() ? "" : ", ") + n;
    return k.empty() ? std::string("none") : k;
  }() + ")");
}

std::vector<std::string> ModuleDictImpl::keys() const {
  std::vector<std::string> out;
  for (auto& [n, _] : named_children()) out.push_back(n);
  return out;
}

}  // namespace xgrad::nn
