/// \file
/// StateDict: named tensors in insertion order, as PyTorch's state_dict() (an OrderedDict).
/// Modules and optimizers produce one; checkpoints (nn/serialize.hpp) save and load one. Also
/// nn::StateDict.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

/// Named tensors in insertion order (PyTorch's state_dict(), an OrderedDict); see the file's
/// description.
class StateDict {
 public:
  /// A key and its tensor.
  using Item = std::pair<std::string, Tensor>;

  StateDict() = default;
  /// The given items, in order (a repeated key keeps its first position and its last value).
  StateDict(std::initializer_list<Item> items) {
    for (auto& [k, v] : items) insert(k, v);
  }

  /// Adds `key`, or replaces its value where present (keeping its position).
  void insert(std::string key, Tensor value) {
    if (auto it = index_.find(key); it != index_.end()) {
      items_[it->second].second = std::move(value);
      return;
    }
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
  }
  /// Removes `key`; false when it is absent.
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
    index_.clear();
    for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
    return true;
  }

  /// True when `key` is present.
  bool contains(const std::string& key) const { return index_.count(key) != 0; }
  /// The value of `key`, or nullptr when absent.
  const Tensor* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  /// The value of `key`, or nullptr when absent.
  Tensor* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  /// The value of `key`; throws xgrad::Error when absent.
  const Tensor& at(const std::string& key) const {
    if (auto* t = find(key)) return *t;
    throw Error("StateDict: no key \"" + key + "\"");
  }
  /// The value of `key`; throws xgrad::Error when absent.
  Tensor& at(const std::string& key) {
    if (auto* t = find(key)) return *t;
    throw Error("StateDict: no key \"" + key + "\"");
  }
  /// The value of `key`, added (undefined) at the end when absent.
  Tensor& operator[](const std::string& key) {
    if (auto* t = find(key)) return *t;
    insert(key, Tensor());
    return items_.back().second;
  }

  /// Number of keys.
  size_t size() const { return items_.size(); }
  /// True when there is no key.
  bool empty() const { return items_.empty(); }
  /// The keys, in order.
  std::vector<std::string> keys() const {
    std::vector<std::string> k;
    k.reserve(items_.size());
    for (auto& item : items_) k.push_back(item.first);
    return k;
  }
  /// First item (key, tensor), in insertion order.
  auto begin() const { return items_.begin(); }
  /// Past the last item.
  auto end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

namespace nn {
using xgrad::StateDict;
}  // namespace nn

}  // namespace xgrad
