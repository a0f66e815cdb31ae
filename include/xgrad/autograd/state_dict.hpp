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

  /// An empty dict.
  StateDict();
  /// The given items, in order (a repeated key keeps its first position and its last value).
  StateDict(std::initializer_list<Item> items);
  ~StateDict();
  /// Copies share the tensors (as copying a PyTorch OrderedDict of tensors does).
  StateDict(const StateDict&);
  /// Moves the items.
  StateDict(StateDict&&) noexcept;
  /// Copies share the tensors.
  StateDict& operator=(const StateDict&);
  /// Moves the items.
  StateDict& operator=(StateDict&&) noexcept;

  /// Adds `key`, or replaces its value where present (keeping its position).
  void insert(std::string key, Tensor value);
  /// Removes `key`; false when it is absent.
  bool erase(const std::string& key);

  /// True when `key` is present.
  bool contains(const std::string& key) const;
  /// The value of `key`, or nullptr when absent.
  const Tensor* find(const std::string& key) const;
  /// The value of `key`, or nullptr when absent.
  Tensor* find(const std::string& key);
  /// The value of `key`; throws xgrad::Error when absent.
  const Tensor& at(const std::string& key) const;
  /// The value of `key`; throws xgrad::Error when absent.
  Tensor& at(const std::string& key);
  /// The value of `key`, added (undefined) at the end when absent.
  Tensor& operator[](const std::string& key);

  /// Number of keys.
  size_t size() const { return items_.size(); }
  /// True when there is no key.
  bool empty() const { return items_.empty(); }
  /// The keys, in order.
  std::vector<std::string> keys() const;
  /// First item (key, tensor), in insertion order.
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  /// Past the last item.
  std::vector<Item>::const_iterator end() const { return items_.end(); }

 private:
  std::vector<Item> items_;
  std::unordered_map<std::string, size_t> index_;
};

namespace nn {
using xgrad::StateDict;
}  // namespace nn

}  // namespace xgrad
