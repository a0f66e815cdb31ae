// Part of test_property.cpp (its only includer): the elementwise ops and the reductions.
#pragma once

#include "property_support.hpp"

namespace {

void add_math_ops(std::map<std::string, Maker>& m) {
  // ---- unary: x's shape
  std::vector<std::pair<std::string, Tensor (*)(const Tensor&, Where)>> unary = {
      {"neg", neg},   {"exp", exp},         {"log", log},   {"sqrt", sqrt},     {"abs", abs},
      {"sin", sin},   {"tanh", tanh},       {"sigmoid", sigmoid}, {"relu", relu},
      {"silu", silu}, {"softplus", softplus}};
  for (auto& [name, f] : unary)
    m[name] = [f = f] {
      Tensor x = rand_tensor();
      return one([=] { return f(x, Where{}); }, sizes_of(x), str(sizes_of(x)));
    };
  m["gelu"] = [] {
    Tensor x = rand_tensor();
    return one([=] { return gelu(x, "tanh"); }, sizes_of(x), str(sizes_of(x)));
  };
  m["elu"] = [] {
    Tensor x = rand_tensor();
    return one([=] { return elu(x, 0.5); }, sizes_of(x), str(sizes_of(x)));
  };
  m["leaky_relu"] = [] {
    Tensor x = rand_tensor();
    return one([=] { return leaky_relu(x, 0.1); }, sizes_of(x), str(sizes_of(x)));
  };
  m["clamp"] = [] {
    Tensor x = rand_tensor();
    return one([=] { return clamp(x, -1.0, 2.0); }, sizes_of(x), str(sizes_of(x)));
  };
  // ---- binary with broadcasting
  std::vector<std::pair<std::string, Tensor (*)(const Tensor&, const Tensor&, Where)>> binary = {
      {"add", add}, {"sub", sub}, {"mul", mul}, {"div", div}, {"pow", pow},
      {"maximum", maximum}, {"minimum", minimum}, {"eq", eq}, {"lt", lt}, {"ge", ge}};
  for (auto& [name, f] : binary)
    m[name] = [f = f] {
      Sizes a = rand_sizes(), b = broadcastable(a);
      Dtype d = rand_dtype();
      Tensor x = make(a, d), y = make(b, coin(80) ? d : rand_dtype());
      return one([=] { return f(x, y, Where{}); }, broadcast(a, b), str(a) + " " + str(b));
    };
  m["where"] = [] {
    Sizes a = rand_sizes(), b = broadcastable(a), c = broadcastable(a);
    Tensor cond = make(c, kFloat32), x = make(a, kFloat32), y = make(b, kFloat32);
    auto ab = broadcast(a, b);
    Expect e = ab ? broadcast(*ab, c) : std::nullopt;
    return one([=] { return where(cond, x, y); }, e, str(c) + " " + str(a) + " " + str(b));
  };
  // ---- reductions
  auto reduction = [&m](const std::string& name, Tensor (*f)(const Tensor&, const Dims&, bool)) {
    m[name] = [f] {
      Tensor x = rand_tensor();
      Sizes s = sizes_of(x);
      auto dims = rand_dims(static_cast<int64_t>(s.size()));
      bool keep = coin();
      return one([=] { return f(x, Dims(dims), keep); }, reduce(s, dims, keep),
                 str(s) + " dims " + str(dims));
    };
  };
  reduction("sum", [](const Tensor& x, const Dims& d, bool k) { return sum(x, d, k); });
  reduction("mean", [](const Tensor& x, const Dims& d, bool k) { return mean(x, d, k); });
  reduction("var", [](const Tensor& x, const Dims& d, bool k) { return var(x, d, 1, k); });
  reduction("std", [](const Tensor& x, const Dims& d, bool k) { return xgrad::std(x, d, 1, k); });
  reduction("norm", [](const Tensor& x, const Dims& d, bool k) { return norm(x, 2, d, k); });
  // One dim; max/min/argmax refuse an empty dim (nothing to pick).
  auto dim_reduction = [&m](const std::string& name, bool needs_elements,
                            std::function<std::vector<Tensor>(const Tensor&, int64_t, bool)> f) {
    m[name] = [=] {
      Tensor x = rand_tensor();
      Sizes s = sizes_of(x);
      int64_t d = rand_dim(static_cast<int64_t>(s.size()));
      bool keep = coin();
      Expect e = reduce(s, {d}, keep);
      if (e && needs_elements && size_at(s, *wrap(d, static_cast<int64_t>(s.size()))) == 0)
        e = std::nullopt;
      Case c = one([] { return Tensor(); }, e, str(s) + " dim " + std::to_string(d));
      c.call = [=] { return f(x, d, keep); };
      if (c.expect && name == "max") c.expect->push_back(c.expect->front());  // values, indices
      return c;
    };
  };
  dim_reduction("max", true, [](const Tensor& x, int64_t d, bool k) {
    auto r = max(x, d, k);
    return std::vector<Tensor>{r.values, r.indices};
  });
  dim_reduction("argmax", true, [](const Tensor& x, int64_t d, bool k) {
    return std::vector<Tensor>{argmax(x, d, k)};
  });
  dim_reduction("prod", false, [](const Tensor& x, int64_t d, bool k) {
    return std::vector<Tensor>{prod(x, d, k)};
  });
  dim_reduction("logsumexp", false, [](const Tensor& x, int64_t d, bool k) {
    return std::vector<Tensor>{logsumexp(x, d, k)};
  });
  // Along one dim, x's shape.
  std::vector<std::pair<std::string, Tensor (*)(const Tensor&, int64_t, Where)>> along = {
      {"softmax", softmax}, {"log_softmax", log_softmax}, {"cumsum", cumsum}};
  for (auto& [name, f] : along)
    m[name] = [f = f] {
      Tensor x = rand_tensor();
      Sizes s = sizes_of(x);
      int64_t d = rand_dim(static_cast<int64_t>(s.size()));
      Expect e = wrap(d, static_cast<int64_t>(s.size())) ? Expect(s) : std::nullopt;
      return one([=] { return f(x, d, Where{}); }, e, str(s) + " dim " + std::to_string(d));
    };
  m["sort"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t d = rand_dim(static_cast<int64_t>(s.size()));
    Case c{[=] {
             auto r = sort(x, d, coin());
             return std::vector<Tensor>{r.values, r.indices};
           },
           std::nullopt, str(s) + " dim " + std::to_string(d)};
    if (wrap(d, static_cast<int64_t>(s.size()))) c.expect = std::vector<Sizes>{s, s};
    return c;
  };
  m["topk"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n), k = in(-1, 6);
    Case c{[=] {
             auto r = topk(x, k, d, coin());
             return std::vector<Tensor>{r.values, r.indices};
           },
           std::nullopt, str(s) + " k " + std::to_string(k) + " dim " + std::to_string(d)};
    if (auto w = wrap(d, n); w && k >= 0 && k <= size_at(s, *w)) {
      Sizes out = s;
      if (n) out[*w] = k;
      c.expect = std::vector<Sizes>{out, out};
    }
    return c;
  };
}

}  // namespace
