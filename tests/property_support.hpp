// The property test's random draws and shape rules (see test_property.cpp, its only includer).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {


using Sizes = std::vector<int64_t>;
using Expect = std::optional<Sizes>;  // nullopt: the rule refuses the call

std::mt19937_64 rng;
int64_t in(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
bool coin(int percent = 50) { return in(0, 99) < percent; }

Sizes sizes_of(const Tensor& t) { return t.shape().vec(); }
int64_t prod(const Sizes& s) {
  int64_t p = 1;
  for (int64_t v : s) p *= v;
  return p;
}
std::string str(const Sizes& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

Sizes rand_sizes(int64_t max_dims = 4) {
  Sizes s(static_cast<size_t>(in(0, max_dims)));
  for (auto& v : s) v = coin(85) ? in(1, 5) : 0;
  return s;
}
Dtype rand_dtype() {
  int k = static_cast<int>(in(0, 9));
  return k < 5 ? kFloat32 : k < 8 ? kFloat64 : kInt64;
}
Tensor make(const Sizes& s, Dtype d) {
  std::vector<double> v(static_cast<size_t>(prod(s)));
  for (auto& x : v) x = static_cast<double>(in(-3, 5));
  return tensor(v, Shape(s), d);
}
Tensor rand_tensor() { return make(rand_sizes(), rand_dtype()); }
// An index tensor with values in [lo, hi] (hi may be out of range on purpose).
Tensor make_index(const Sizes& s, int64_t lo, int64_t hi) {
  std::vector<double> v(static_cast<size_t>(prod(s)));
  for (auto& x : v) x = static_cast<double>(in(lo, std::max(lo, hi)));
  return tensor(v, Shape(s), kInt64);
}
std::vector<int64_t> values_of(const Tensor& index) { return index.to_vector<int64_t>(); }

// A dim for a tensor of n dims: mostly valid (negative too), sometimes out of range.
int64_t rand_dim(int64_t n) {
  int64_t r = std::max<int64_t>(n, 1);
  if (coin(85)) return in(-r, r - 1);
  return coin() ? r + in(0, 3) : -r - 1 - in(0, 3);
}
// PyTorch's dim wrapping: a 0-d tensor takes -1 and 0. nullopt when out of range.
std::optional<int64_t> wrap(int64_t d, int64_t n) {
  int64_t r = std::max<int64_t>(n, 1);
  if (d < -r || d >= r) return std::nullopt;
  return d < 0 ? d + r : d;
}
int64_t size_at(const Sizes& s, int64_t d) { return s.empty() ? 1 : s[static_cast<size_t>(d)]; }

std::optional<Sizes> broadcast(const Sizes& a, const Sizes& b) {
  size_t n = std::max(a.size(), b.size());
  Sizes out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (x != y && x != 1 && y != 1) return std::nullopt;
    out[i] = x == 1 ? y : x;
  }
  return out;
}
// Sizes that broadcast with s most of the time.
Sizes broadcastable(const Sizes& s) {
  if (coin(15)) return rand_sizes();
  Sizes out(s.begin() + in(0, static_cast<int64_t>(s.size())), s.end());
  for (auto& v : out)
    if (coin(30)) v = 1;
  if (coin(20) && out.size() < 4) out.insert(out.begin(), in(1, 3));
  return out;
}

// A reduction over dims: wrapped, no repeats.
Expect reduce(const Sizes& s, const std::vector<int64_t>& dims, bool keepdim) {
  std::set<int64_t> seen;
  for (int64_t d : dims) {
    auto w = wrap(d, static_cast<int64_t>(s.size()));
    if (!w || !seen.insert(*w).second) return std::nullopt;
  }
  if (s.empty()) return Sizes{};
  Sizes out;
  for (int64_t i = 0; i < static_cast<int64_t>(s.size()); ++i)
    if (!seen.count(i))
      out.push_back(s[i]);
    else if (keepdim)
      out.push_back(1);
  return out;
}
std::vector<int64_t> rand_dims(int64_t n) {
  std::vector<int64_t> d(static_cast<size_t>(in(1, std::max<int64_t>(n, 1))));
  for (auto& v : d) v = rand_dim(n);
  return d;
}

// Conv/pool output length; nullopt when below 1.
std::optional<int64_t> window_out(int64_t len, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t span = len + 2 * p - d * (k - 1) - 1;
  if (span < 0) return std::nullopt;
  return span / s + 1;
}

// One op: a name (which an error must contain), how to call it on random arguments, and the
// shape its rule gives for them (all results' shapes, for ops that return several).
struct Case {
  std::function<std::vector<Tensor>()> call;
  std::optional<std::vector<Sizes>> expect;
  std::string args;  // for the failure message
};
using Maker = std::function<Case()>;

Case one(std::function<Tensor()> f, Expect e, std::string args) {
  return {[f] { return std::vector<Tensor>{f()}; },
          e ? std::optional<std::vector<Sizes>>(std::vector<Sizes>{*e}) : std::nullopt, args};
}

}  // namespace
