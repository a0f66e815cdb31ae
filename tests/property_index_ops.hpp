// Part of test_property.cpp (its only includer): indexing, matmul, convolution and pooling.
#pragma once

#include "property_support.hpp"

namespace {

void add_index_ops(std::map<std::string, Maker>& m) {
  // ---- indexing
  m["index_select"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n);
    auto w = wrap(d, n);
    int64_t size = w ? size_at(s, *w) : 3;
    Sizes is = {in(0, 4)};
    if (coin(10)) is = rand_sizes();
    Tensor index = make_index(is, coin(10) ? -2 : 0, coin(10) ? size + 1 : size - 1);
    Expect e;
    auto v = values_of(index);
    if (w && is.size() <= 1 &&
        std::all_of(v.begin(), v.end(), [&](int64_t i) { return i >= 0 && i < size; })) {
      e = s;
      if (n) (*e)[*w] = prod(is);
    }
    return one([=] { return index_select(x, d, index); }, e,
               str(s) + " dim " + std::to_string(d) + " index " + str(v));
  };
  // gather / scatter / scatter_add: index of x's ndim, no larger than x off dim.
  auto scatter_like = [](bool with_src) {
    return [with_src](std::function<Tensor(const Tensor&, int64_t, const Tensor&, const Tensor&)> f,
                      bool gather_rule) {
      Tensor x = make(rand_sizes(), coin(80) ? kFloat32 : rand_dtype());
      Sizes s = sizes_of(x);
      int64_t n = static_cast<int64_t>(s.size()), d = rand_dim(n);
      auto w = wrap(d, n);
      Sizes is = s;
      for (auto& v : is) v = in(0, v + (coin(10) ? 1 : 0));
      if (coin(5)) is = rand_sizes();
      int64_t size = w ? size_at(s, *w) : 3;
      Tensor index = make_index(is, coin(10) ? -1 : 0, coin(10) ? size : size - 1);
      Sizes ss = is;
      for (auto& v : ss) v += coin(85) ? 0 : in(-1, 1);
      for (auto& v : ss) v = std::max<int64_t>(v, 0);
      Tensor src = make(ss, x.dtype());
      Expect e;
      auto v = values_of(index);
      bool ok = w && is.size() == s.size() &&
                std::all_of(v.begin(), v.end(), [&](int64_t i) { return i >= 0 && i < size; });
      for (size_t i = 0; ok && i < s.size(); ++i) {
        if (static_cast<int64_t>(i) != *w) ok &= is[i] <= s[i];
        if (with_src) ok &= is[i] <= ss[i];
      }
      if (ok) e = gather_rule ? is : s;
      return one([=] { return f(x, d, index, src); }, e,
                 str(s) + " dim " + std::to_string(d) + " index " + str(is) + " " + str(v) +
                     " src " + str(ss));
    };
  };
  m["gather"] = [scatter_like] {
    return scatter_like(false)(
        [](const Tensor& x, int64_t d, const Tensor& i, const Tensor&) { return gather(x, d, i); },
        true);
  };
  m["scatter"] = [scatter_like] {
    return scatter_like(true)(
        [](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) {
          return scatter(x, d, i, s);
        },
        false);
  };
  m["scatter_add"] = [scatter_like] {
    return scatter_like(true)(
        [](const Tensor& x, int64_t d, const Tensor& i, const Tensor& s) {
          return scatter_add(x, d, i, s);
        },
        false);
  };
  m["masked_fill"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x), ms = broadcastable(s);
    Tensor mask = make_index(ms, 0, 1);
    auto b = broadcast(s, ms);
    Expect e = b && *b == s ? Expect(s) : std::nullopt;
    return one([=] { return masked_fill(x, mask, 7.0); }, e, str(s) + " mask " + str(ms));
  };
  m["index_put"] = [] {
    Tensor x = rand_tensor();
    Sizes s = sizes_of(x);
    int64_t n = static_cast<int64_t>(s.size()), k = in(0, n + (coin(10) ? 1 : 0));
    Sizes is = {in(0, 3)};
    std::vector<Tensor> idx;
    bool ok = k <= n && k > 0;
    std::optional<Sizes> batch = Sizes{};  // the index tensors' shapes broadcast together
    for (int64_t i = 0; i < k; ++i) {
      int64_t size = i < n ? s[i] : 2;
      Sizes si = coin(90) ? is : rand_sizes(2);
      Tensor t = make_index(si, coin(10) ? -size - 1 : -size, coin(10) ? size : size - 1);
      auto v = values_of(t);
      ok &= std::all_of(v.begin(), v.end(), [&](int64_t j) { return j >= -size && j < size; });
      if (batch) batch = broadcast(*batch, si);
      idx.push_back(t);
    }
    ok &= batch.has_value();
    Sizes indexed = batch ? *batch : is;
    if (k <= n) indexed.insert(indexed.end(), s.begin() + k, s.end());
    Sizes vs = broadcastable(indexed);
    Tensor values = make(vs, x.dtype());
    auto b = broadcast(indexed, vs);
    ok &= b && *b == indexed;
    // Without accumulate, a position named twice is refused; with accumulate, repeats add up.
    Expect e = ok ? Expect(s) : std::nullopt;
    return one([=] { return index_put(x, idx, values, true); }, e,
               str(s) + " k " + std::to_string(k) + " values " + str(vs));
  };
  m["one_hot"] = [] {
    Sizes s = rand_sizes(3);
    int64_t classes = in(-1, 5);
    Tensor labels = make_index(s, coin(10) ? -1 : 0, 4);
    auto v = values_of(labels);
    int64_t top = v.empty() ? -1 : *std::max_element(v.begin(), v.end());
    bool ok = std::all_of(v.begin(), v.end(), [](int64_t i) { return i >= 0; });
    int64_t c = classes == -1 ? top + 1 : classes;
    ok &= classes == -1 ? !v.empty() : classes > top;
    Expect e;
    if (ok) {
      e = s;
      e->push_back(c);
    }
    return one([=] { return one_hot(labels, classes); }, e,
               str(s) + " classes " + std::to_string(classes) + " values " + str(v));
  };
  // ---- linear algebra
  m["matmul"] = [] {
    Sizes a = rand_sizes(), b = rand_sizes();
    if (coin(70) && !a.empty() && !b.empty()) {  // inner sizes agree most of the time
      if (b.size() == 1) b[0] = a.back();
      else b[b.size() - 2] = a.back();
    }
    Dtype d = coin(50) ? kFloat32 : kFloat64;
    Tensor x = make(a, d), y = make(b, d);
    Expect e;
    if (!a.empty() && !b.empty()) {
      int64_t ka = a.back(), kb = b.size() == 1 ? b[0] : b[b.size() - 2];
      if (ka == kb) {
        Sizes ba(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
        Sizes bb(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
        if (auto batch = broadcast(ba, bb)) {
          Sizes out = *batch;
          if (a.size() >= 2) out.push_back(a[a.size() - 2]);
          if (b.size() >= 2) out.push_back(b.back());
          e = out;
        }
      }
    }
    return one([=] { return matmul(x, y); }, e, str(a) + " @ " + str(b));
  };
  // ---- convolution and pooling: [N, C, H, W] or [C, H, W]
  auto image = [] {
    Sizes s = {in(0, 2), in(1, 3), in(0, 5), in(0, 5)};
    if (coin(25)) s.erase(s.begin());
    if (coin(8)) s = rand_sizes();
    return s;
  };
  m["conv2d"] = [image] {
    Sizes s = image();
    int64_t groups = coin(80) ? 1 : in(0, 3), c = s.size() >= 3 ? s[s.size() - 3] : 1;
    int64_t cin = groups > 0 && c % groups == 0 ? c / groups : c, cout = in(1, 4);
    if (groups > 1 && coin(80)) cout = groups * in(1, 2);
    Sizes ws = {cout, cin, in(1, 3), in(1, 3)};
    if (coin(5)) ws[1] += 1;
    int64_t stride = in(coin(5) ? 0 : 1, 2), pad = in(coin(5) ? -1 : 0, 2),
            dil = in(coin(5) ? 0 : 1, 2);
    bool bias = coin();
    Tensor x = make(s, kFloat32), w = make(ws, kFloat32), b = bias ? make({cout}, kFloat32) : Tensor();
    Expect e;
    if ((s.size() == 3 || s.size() == 4) && groups > 0 && stride > 0 && pad >= 0 && dil > 0 &&
        c % groups == 0 && cout % groups == 0 && ws[1] * groups == c) {
      auto oh = window_out(s[s.size() - 2], ws[2], stride, pad, dil);
      auto ow = window_out(s.back(), ws[3], stride, pad, dil);
      if (oh && ow && *oh > 0 && *ow > 0) {
        Sizes out = s;
        out[out.size() - 3] = cout;
        out[out.size() - 2] = *oh;
        out.back() = *ow;
        e = out;
      }
    }
    return one([=] { return conv2d(x, w, b, stride, pad, dil, groups); }, e,
               str(s) + " w " + str(ws) + " s" + std::to_string(stride) + " p" +
                   std::to_string(pad) + " d" + std::to_string(dil) + " g" +
                   std::to_string(groups));
  };
  auto pool = [image](const std::string& name) {
    Sizes s = image();
    int64_t k = in(coin(5) ? 0 : 1, 3), stride = in(coin(5) ? 0 : 1, 3),
            pad = in(coin(5) ? -1 : 0, 2), dil = name == "max_pool2d" ? in(1, 2) : 1;
    Tensor x = make(s, coin() ? kFloat32 : kFloat64);
    Expect e;
    if ((s.size() == 3 || s.size() == 4) && k > 0 && stride > 0 && pad >= 0 && pad <= k / 2) {
      auto oh = window_out(s[s.size() - 2], k, stride, pad, dil);
      auto ow = window_out(s.back(), k, stride, pad, dil);
      if (oh && ow && *oh > 0 && *ow > 0) {
        Sizes out = s;
        out[out.size() - 2] = *oh;
        out.back() = *ow;
        e = out;
      }
    }
    std::string args = str(s) + " k" + std::to_string(k) + " s" + std::to_string(stride) + " p" +
                       std::to_string(pad) + " d" + std::to_string(dil);
    if (name == "max_pool2d")
      return one([=] { return max_pool2d(x, k, Int2(stride), pad, dil); }, e, args);
    return one([=] { return avg_pool2d(x, k, Int2(stride), pad); }, e, args);
  };
  m["max_pool2d"] = [pool] { return pool("max_pool2d"); };
  m["avg_pool2d"] = [pool] { return pool("avg_pool2d"); };
  m["adaptive_avg_pool2d"] = [image] {
    Sizes s = image();
    int64_t oh = in(coin(5) ? 0 : 1, 3), ow = in(1, 3);
    Tensor x = make(s, kFloat32);
    Expect e;
    if ((s.size() == 3 || s.size() == 4) && oh > 0 && s[s.size() - 2] > 0 && s.back() > 0) {
      Sizes out = s;
      out[out.size() - 2] = oh;
      out.back() = ow;
      e = out;
    }
    return one([=] { return adaptive_avg_pool2d(x, Int2(oh, ow)); }, e,
               str(s) + " to " + std::to_string(oh) + "x" + std::to_string(ow));
  };
}

}  // namespace
