// StateDict: named tensors in insertion order, as PyTorch's state_dict() (an OrderedDict).
// Modules and optimizers produce one; checkpoints (nn/serialize.hpp) save and load one. Also
// nn::StateDict.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

class StateDict {
 public:
  using Item = std::pair<std::string, Tensor>;

  StateDict() = default;
  StateDict(std::initializer_list<Item> items) {
    for (auto& [k, v] : items) insert(k, v);
  }

  // Adds `key`, or replaces its value where present (keeping its position).
  void insert(std::string key, Tensor value) {
    if (auto it = index_.find(key); it != index_.end()) {
      items_[it->second].second = std::move(value);
      return;
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
  }
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
    index_.clear();
    for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
    return true;
  }

  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  const Tensor* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  Tensor* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const Tensor& at(const std::string& key) const {
    if (auto* t = find(key)) return *t;
    throw Error("StateDict: no key \"" + key + "\"");
  }
  Tensor& at(const std::string& key) {
    if (auto* t = find(key)) return *t;
    throw Error("StateDict: no key \"" + key + "\"");
  }
  Tensor& operator[](const std::string& key) {
    if (auto* t = find(key)) return *t;
    insert(key, Tensor());
    return items_.back().second;
  }

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    k.reserve(items_.size());
    for (auto& item : items_) k.push_back(item.first);
    return k;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

namespace nn {
using xgrad::StateDict;
}  // namespace nn

}  // namespace xgrad
