// nn::LayerArgs: a layer's constructor arguments as model.json holds them (nn/export.hpp).
#include <string>
#include <utility>
#include <vector>

#include "xgrad/nn/export.hpp"

namespace xgrad::nn {

LayerArgs::LayerArgs() = default;
LayerArgs::LayerArgs(std::initializer_list<std::pair<std::string, Value>> values) : values_(values) {}
LayerArgs::~LayerArgs() = default;
LayerArgs::LayerArgs(const LayerArgs&) = default;
LayerArgs::LayerArgs(LayerArgs&&) noexcept = default;
LayerArgs& LayerArgs::operator=(const LayerArgs&) = default;
LayerArgs& LayerArgs::operator=(LayerArgs&&) noexcept = default;

void LayerArgs::set(std::string name, Value v) {
  for (auto& [n, value] : values_)
    if (n == name) {
      value = std::move(v);
      return;
    }
  values_.emplace_back(std::move(name), std::move(v));
}

const LayerArgs::Value& LayerArgs::get(const std::string& name, const char* want) const {
  for (auto& [n, v] : values_)
    if (n == name) return v;
  throw Error(where + "." + name + ": missing (expected " + want + ")");
}

namespace {
const char* kind(const LayerArgs::Value& v) {
  static const char* names[] = {"a boolean", "an integer", "a number", "a string",
                                "a list of integers"};
  return names[v.index()];
}
}  // namespace

int64_t LayerArgs::integer(const std::string& name) const {
  const Value& v = get(name, "an integer");
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  throw Error(where + "." + name + ": expected an integer, got " + kind(v));
}

double LayerArgs::number(const std::string& name) const {
  const Value& v = get(name, "a number");
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  throw Error(where + "." + name + ": expected a number, got " + kind(v));
}

bool LayerArgs::boolean(const std::string& name) const {
  const Value& v = get(name, "a boolean");
  if (auto* b = std::get_if<bool>(&v)) return *b;
  throw Error(where + "." + name + ": expected a boolean, got " + kind(v));
}

const std::string& LayerArgs::text(const std::string& name) const {
  const Value& v = get(name, "a string");
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  throw Error(where + "." + name + ": expected a string, got " + kind(v));
}

const std::vector<int64_t>& LayerArgs::integers(const std::string& name) const {
  const Value& v = get(name, "a list of integers");
  if (auto* l = std::get_if<std::vector<int64_t>>(&v)) return *l;
  throw Error(where + "." + name + ": expected a list of integers, got " + kind(v));
}

Int2 LayerArgs::pair(const std::string& name) const {
  const Value& v = get(name, "an integer or a list of two integers");
  if (auto* i = std::get_if<int64_t>(&v)) return Int2(*i);
  if (auto* l = std::get_if<std::vector<int64_t>>(&v); l && l->size() == 2)
    return Int2((*l)[0], (*l)[1]);
  throw Error(where + "." + name + ": expected an integer or a list of two integers, got " +
              (std::holds_alternative<std::vector<int64_t>>(v)
                   ? "a list of " + std::to_string(std::get<std::vector<int64_t>>(v).size())
                   : std::string(kind(v))));
}

bool LayerArgs::has(const std::string& name) const {
  for (auto& [n, v] : values_)
    if (n == name) return true;
  return false;
}

}  // namespace xgrad::nn
