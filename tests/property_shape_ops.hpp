// Part of test_property.cpp (its only includer): the shape ops, joining and splitting.
#pragma once

#include "property_support.hpp"

namespace {

void add_shape_ops(std::map<std::string, Maker>& m) {
  // ---- shapes
  m["reshape"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x), t = coin(60) ? Sizes() : rand_sizes();
    if (t.empty() && !s.empty()) {  // a valid target most of the time: s's sizes regrouped
      t = s;
      std::shuffle(t.begin(), t.end(), rng);
      if (coin(30)) t[static_cast<size_t>(in(0, static_cast<int64_t>(t.size()) - 1))] = -1;
    }
    Expect e;
    int64_t known = 1, holes = 0;
    for (int64_t v : t) v == -1 ? ++holes : known *= v;
    if (holes == 0 && known == prod(s)) e = t;
    if (holes == 1 && known != 0 && prod(s) % known == 0) {
      e = t;
      for (auto& v : *e)
        if (v == -1) v = prod(s) / known;
    }
    return one([=] { return reshape(x, Shape(t)); }, e, str(s) + " to " + str(t));
  };
  m["flatten"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), a = rand_dim(n), b = rand_dim(n);
    Expect e;
    auto wa = wrap(a, n), wb = wrap(b, n);
    if (wa && wb && *wa <= *wb) {
      if (n == 0) {
        e = Sizes{1};
      } else {
        Sizes out(s.begin(), s.begin() + *wa);
        out.push_back(prod(Sizes(s.begin() + *wa, s.begin() + *wb + 1)));
        out.insert(out.end(), s.begin() + *wb + 1, s.end());
        e = out;
      }
    }
    return one([=] { return flatten(x, a, b); }, e,
               str(s) + " " + std::to_string(a) + ".." + std::to_string(b));
  };
  m["squeeze"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n);
    Expect e;
    if (auto w = wrap(d, n)) {
      e = s;
      if (n && s[*w] == 1) e->erase(e->begin() + *w);
    }
    return one([=] { return squeeze(x, d); }, e, str(s) + " dim " + std::to_string(d));
  };
  m["unsqueeze"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n + 1);
    Expect e;
    if (auto w = wrap(d, n + 1)) {
      e = s;
      e->insert(e->begin() + *w, 1);
    }
    return one([=] { return unsqueeze(x, d); }, e, str(s) + " dim " + std::to_string(d));
  };
  m["transpose"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), a = rand_dim(n), b = rand_dim(n);
    Expect e;
    if (auto wa = wrap(a, n), wb = wrap(b, n); wa && wb) {
      e = s;
      if (n) std::swap((*e)[*wa], (*e)[*wb]);
    }
    return one([=] { return transpose(x, a, b); }, e,
               str(s) + " " + std::to_string(a) + "," + std::to_string(b));
  };
  m["permute"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size());
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[i] = coin(20) ? i - n : i;
    std::shuffle(p.begin(), p.end(), rng);
    if (coin(20) && n) p[0] = rand_dim(n);
    if (coin(10)) p.push_back(0);
    Expect e;
    if (static_cast<int64_t>(p.size()) == n) {
      std::set<int64_t> seen;
      Sizes out;
      for (int64_t d : p)
        if (auto w = wrap(d, n); w && seen.insert(*w).second) out.push_back(s[*w]);
      if (static_cast<int64_t>(seen.size()) == n) e = out;
    }
    return one([=] { return permute(x, Dims(p)); }, e, str(s) + " perm " + str(p));
  };
  m["expand"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x), t = s;
    for (auto& v : t)
      if (v == 1 && coin(40)) v = in(0, 4);
      else if (coin(15)) v = -1;
      else if (coin(5)) v = in(0, 5);
    if (coin(30)) t.insert(t.begin(), coin(90) ? in(0, 3) : -1);
    if (coin(5) && !t.empty()) t.pop_back();
    Expect e;
    if (t.size() >= s.size()) {
      Sizes out = t;
      bool ok = true;
      size_t lead = t.size() - s.size();
      for (size_t i = 0; i < t.size(); ++i) {
        if (i < lead) {
          ok &= t[i] >= 0;
          continue;
        }
        int64_t have = s[i - lead];
        if (t[i] == -1) out[i] = have;
        else ok &= t[i] == have || (have == 1 && t[i] >= 0);
      }
      if (ok) e = out;
    }
    return one([=] { return expand(x, Shape(t)); }, e, str(s) + " to " + str(t));
  };
  m["narrow"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n), start = in(-3, 5), len = in(-1, 5);
    Expect e;
    if (auto w = wrap(d, n); w && n > 0) {
      int64_t size = s[*w], st = start < 0 ? start + size : start;
      if (start >= -size && start <= size && len >= 0 && st + len <= size) {
        e = s;
        (*e)[*w] = len;
      }
    }
    return one([=] { return narrow(x, d, start, len); }, e,
               str(s) + " dim " + std::to_string(d) + " " + std::to_string(start) + "+" +
                   std::to_string(len));
  };
  m["repeat"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x), r(s.size() + static_cast<size_t>(in(0, 1)));
    for (auto& v : r) v = coin(95) ? in(0, 3) : -1;
    if (coin(10) && !r.empty()) r.pop_back();
    Expect e;
    if (r.size() >= s.size() && std::all_of(r.begin(), r.end(), [](int64_t v) { return v >= 0; })) {
      Sizes out = r;
      size_t lead = r.size() - s.size();
      for (size_t i = lead; i < r.size(); ++i) out[i] *= s[i - lead];
      e = out;
    }
    return one([=] { return repeat(x, Shape(r)); }, e, str(s) + " x " + str(r));
  };
  m["flip"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    auto dims = rand_dims(static_cast<int64_t>(s.size()));
    Expect e = reduce(s, dims, true) ? Expect(s) : std::nullopt;
    return one([=] { return flip(x, Dims(dims)); }, e, str(s) + " dims " + str(dims));
  };
  m["roll"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size());
    std::vector<int64_t> dims = coin(20) ? std::vector<int64_t>{} : rand_dims(n);
    std::vector<int64_t> shifts(dims.empty() ? 1 : dims.size() + (coin(10) ? 1 : 0));
    for (auto& v : shifts) v = in(-7, 7);
    Expect e;
    bool ok = dims.empty() ? shifts.size() == 1 : shifts.size() == dims.size();
    for (int64_t d : dims) ok &= wrap(d, n).has_value();
    if (ok) e = s;
    return one([=] { return roll(x, shifts, Dims(dims)); }, e,
               str(s) + " shifts " + str(shifts) + " dims " + str(dims));
  };
  // ---- joining and splitting
  auto pieces = [](Sizes base, int64_t along, std::vector<Sizes>& out) {
    std::vector<Tensor> xs;
    Dtype d = rand_dtype();
    for (int64_t i = 0, k = in(1, 3); i < k; ++i) {
      Sizes s = base;
      if (along >= 0 && along < static_cast<int64_t>(s.size())) s[along] = in(0, 4);
      if (coin(8)) s = rand_sizes();
      out.push_back(s);
      xs.push_back(make(s, d));
    }
    return xs;
  };
  m["cat"] = [pieces] {
    Sizes base = rand_sizes();
    int64_t n = static_cast<int64_t>(base.size()), d = rand_dim(n);
    std::vector<Sizes> shapes;
    auto w = wrap(d, n);
    auto xs = pieces(base, w ? *w : -1, shapes);
    // xgrad's rule (PyTorch's, without its legacy skipping of 1-D empty tensors): the first
    // tensor is at least 1-D, dim is one of its dims, the others have its rank and its sizes
    // outside dim.
    Expect e;
    const Sizes& first = shapes[0];
    const int64_t rank = static_cast<int64_t>(first.size());
    if (auto wf = wrap(d, rank); wf && rank > 0) {
      Sizes out = first;
      bool ok = true;
      for (size_t i = 1; ok && i < shapes.size(); ++i) {
        ok = static_cast<int64_t>(shapes[i].size()) == rank;
        for (int64_t j = 0; ok && j < rank; ++j) ok = j == *wf || shapes[i][j] == first[j];
        out[*wf] += ok ? shapes[i][*wf] : 0;
      }
      if (ok) e = out;
    }
    std::string args = "dim " + std::to_string(d);
    for (auto& s : shapes) args.append(" ").append(str(s));
    return one([=] { return cat(xs, d); }, e, args);
  };
  m["stack"] = [pieces] {
    Sizes base = rand_sizes(3);
    int64_t n = static_cast<int64_t>(base.size()), d = rand_dim(n + 1);
    std::vector<Sizes> shapes;
    auto xs = pieces(base, -1, shapes);
    Expect e;  // every tensor of the first's shape; dim one of the result's
    const Sizes& first = shapes[0];
    auto w = wrap(d, static_cast<int64_t>(first.size()) + 1);
    if (w && std::all_of(shapes.begin(), shapes.end(), [&](const Sizes& s) { return s == first; })) {
      e = first;
      e->insert(e->begin() + *w, static_cast<int64_t>(xs.size()));
    }
    std::string args = "dim " + std::to_string(d);
    for (auto& s : shapes) args.append(" ").append(str(s));
    return one([=] { return stack(xs, d); }, e, args);
  };
  // split / chunk: the pieces' sizes along dim (the rest as x's).
  auto pieces_expect = [](const Sizes& s, int64_t w, const std::vector<int64_t>& lens) {
    std::vector<Sizes> out;
    for (int64_t l : lens) {
      Sizes p = s;
      p[w] = l;
      out.push_back(p);
    }
    return out;
  };
  m["split"] = [pieces_expect] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n), k = in(-1, 4);
    Case c{[=] { return split(x, k, d); }, std::nullopt,
           str(s) + " size " + std::to_string(k) + " dim " + std::to_string(d)};
    auto w = wrap(d, n);
    if (w && n > 0 && k >= 0 && (k > 0 || s[*w] == 0)) {
      std::vector<int64_t> lens;
      int64_t left = s[*w];
      if (left == 0) lens.push_back(0);
      for (; left > 0; left -= std::min(k, left)) lens.push_back(std::min(k, left));
      c.expect = pieces_expect(s, *w, lens);
    }
    return c;
  };
  m["chunk"] = [pieces_expect] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n), k = in(-1, 4);
    Case c{[=] { return chunk(x, k, d); }, std::nullopt,
           str(s) + " chunks " + std::to_string(k) + " dim " + std::to_string(d)};
    auto w = wrap(d, n);
    if (w && n > 0 && k > 0) {
      // PyTorch: pieces of ceil(size / chunks); an empty dim gives `chunks` empty pieces.
      int64_t size = s[*w], each = (size + k - 1) / k;
      std::vector<int64_t> lens;
      if (size == 0) lens.assign(static_cast<size_t>(k), 0);
      for (int64_t left = size; left > 0; left -= std::min(each, left))
        lens.push_back(std::min(each, left));
      c.expect = pieces_expect(s, *w, lens);
    }
    return c;
  };
}

}  // namespace
