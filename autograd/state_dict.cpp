// StateDict's members (the header keeps only declarations: users' compiles instantiate none of the
// map and vector code).
#include "xgrad/autograd/state_dict.hpp"

namespace xgrad {

StateDict::StateDict() = default;
StateDict::~StateDict() = default;
StateDict::StateDict(const StateDict&) = default;
StateDict::StateDict(StateDict&&) noexcept = default;
StateDict& StateDict::operator=(const StateDict&) = default;
StateDict& StateDict::operator=(StateDict&&) noexcept = default;

StateDict::StateDict(std::initializer_list<Item> items) {
  for (auto& [k, v] : items) insert(k, v);
}

void StateDict::insert(std::string key, Tensor value) {
  if (auto it = index_.find(key); it != index_.end()) {
    items_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, items_.size());
  items_.emplace_back(std::move(key), std::move(value));
}

bool StateDict::erase(const std::string& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first, i);
  return true;
}

bool StateDict::contains(const std::string& key) const { return index_.count(key) != 0; }

const Tensor* StateDict::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

Tensor* StateDict::find(const std::string& key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &items_[it->second].second;
}

const Tensor& StateDict::at(const std::string& key) const {
  if (auto* t = find(key)) return *t;
  throw Error("StateDict: no key \"" + key + "\"");
}

Tensor& StateDict::at(const std::string& key) {
  if (auto* t = find(key)) return *t;
  throw Error("StateDict: no key \"" + key + "\"");
}

Tensor& StateDict::operator[](const std::string& key) {
  if (auto* t = find(key)) return *t;
  insert(key, Tensor());
  return items_.back().second;
}

std::vector<std::string> StateDict::keys() const {
  std::vector<std::string> k;
  k.reserve(items_.size());
  for (auto& item : items_) k.push_back(item.first);
  return k;
}

}  // namespace xgrad
