// The CPU kernel table driven directly (no ops layer): values against plain loops and std::
// math, broadcasting, GEMM flags, indexing, random streams and the caching allocator.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>
#include <vector>

// philox.hpp before tensor.hpp, whose xgrad::log(const Tensor&) would hide ::log from philox's
// unqualified calls.
#include "autograd/philox.hpp"
// This comment splits the include block so that clang-format keeps the order.
#include "autograd/cpu/cpu.hpp"
#include "autograd/kernels.hpp"

using namespace xgrad;
namespace k = xgrad::kernels;

namespace {

const k::Table& cpu() { return k::cpu(); }

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}

Tensor make(const Shape& s, Dtype d = Dtype::f32) { return make_tensor(s, d, kCPU); }

template <class T>
Tensor from(const std::vector<T>& v, const Shape& s, Dtype d) {
  Tensor t = make(s, d);
  REQUIRE(static_cast<size_t>(t.impl()->numel) == v.size());
  std::copy(v.begin(), v.end(), ptr<T>(t));
  return t;
}
Tensor f32(const std::vector<float>& v, const Shape& s) { return from(v, s, Dtype::f32); }
Tensor f64(const std::vector<double>& v, const Shape& s) { return from(v, s, Dtype::f64); }
Tensor i64(const std::vector<int64_t>& v, const Shape& s) { return from(v, s, Dtype::i64); }

template <class T>
std::vector<T> values(const Tensor& t) {
  const T* p = ptr<T>(t);
  return std::vector<T>(p, p + t.impl()->numel);
}

// Values 0.1 * (i + 1) * sign, distinct and nonzero.
std::vector<float> ramp(int64_t n, float scale = 0.1f, float shift = 0.f) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = shift + scale * static_cast<float>(i + 1) * (i % 2 ? -1 : 1);
  return v;
}

}  // namespace

TEST_CASE("the cpu table fills every entry") { CHECK(k::missing(cpu()).empty()); }

TEST_CASE("binary add broadcasts [2,1,3] with [4,1] to [2,4,3]") {
  Tensor a = f32(ramp(6), {2, 1, 3});
  Tensor b = f32(ramp(4, 10.f), {4, 1});
  Tensor out = make({2, 4, 3});
  cpu().binary(k::Binary::add, a, b, out, 0);
  std::vector<float> got = values<float>(out), av = values<float>(a), bv = values<float>(b);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 3; ++l) CHECK(got[(i * 4 + j) * 3 + l] == av[i * 3 + l] + bv[j]);
}

TEST_CASE("binary ops broadcast a scalar or a row on either side") {
  Tensor m = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor row = f64({10, 20, 30}, {3});
  Tensor col = f64({2, 4}, {2, 1});
  Tensor s = f64({2}, {});
  Tensor out = make({2, 3}, Dtype::f64);

  cpu().binary(k::Binary::sub, row, m, out, 0);  // row broadcast on the left
  CHECK(values<double>(out) == std::vector<double>{9, 18, 27, 6, 15, 24});
  cpu().binary(k::Binary::div, s, m, out, 0);  // scalar on the left
  CHECK(values<double>(out) == std::vector<double>{2, 1, 2.0 / 3, 0.5, 0.4, 2.0 / 6});
  cpu().binary(k::Binary::lt, s, m, out, 0);  // 2 < m: the swapped comparison
  CHECK(values<double>(out) == std::vector<double>{0, 0, 1, 1, 1, 1});
  cpu().binary(k::Binary::ge, m, col, out, 0);
  CHECK(values<double>(out) == std::vector<double>{0, 1, 1, 1, 1, 1});
  cpu().binary(k::Binary::maximum, col, m, out, 0);
  CHECK(values<double>(out) == std::vector<double>{2, 2, 3, 4, 5, 6});
  cpu().binary(k::Binary::add_scaled, m, col, out, 0.5);
  CHECK(values<double>(out) == std::vector<double>{2, 3, 4, 6, 7, 8});
  cpu().binary(k::Binary::pow, m, s, out, 0);  // vectorized pow is accurate, not always exact
  auto squares = values<double>(out);
  for (int i = 0; i < 6; ++i) CHECK(squares[i] == doctest::Approx((i + 1.0) * (i + 1.0)).epsilon(1e-14));

  // [2,1] with [1,3]: an outer product of broadcasts, both repeat along some dim.
  Tensor r13 = f64({1, 2, 3}, {1, 3});
  cpu().binary(k::Binary::mul, col, r13, out, 0);
  CHECK(values<double>(out) == std::vector<double>{2, 4, 6, 4, 8, 12});

  // out larger than both inputs' broadcast: every row is one repeated value.
  Tensor c2 = f64({1, 2}, {2, 1});
  Tensor out3 = make({2, 3}, Dtype::f64);
  cpu().binary(k::Binary::add, c2, col, out3, 0);
  CHECK(values<double>(out3) == std::vector<double>{3, 3, 3, 6, 6, 6});
}

namespace {

// Element i of out's shape read from an input of shape s broadcast to it (NumPy rules).
int64_t broadcast_index(const Shape& out, const Shape& s, int64_t i) {
  int64_t at = 0, step = 1;
  for (int64_t d = out.ndim() - 1, e = s.ndim() - 1; d >= 0; --d, --e) {
    const int64_t coord = i % out[d];
    i /= out[d];
    if (e >= 0) {
      if (s[e] != 1) at += coord * step;
      step *= s[e];
    }
  }
  return at;
}

}  // namespace

TEST_CASE("binary broadcasting matches a plain reference, short and long rows") {
  struct Case {
    Shape a, b, out;
  };
  // Rows of 300 and 2500 take the per-row path (2500 in pieces), shorter ones are gathered.
  const Case cases[] = {
      {{3, 300}, {300}, {3, 300}},
      {{3, 300}, {3, 1}, {3, 300}},
      {{3, 1}, {1, 300}, {3, 300}},
      {{2, 1}, {2, 1}, {2, 300}},
      {{2, 2500}, {2, 1}, {2, 2500}},
      {{1, 2500}, {3, 2500}, {3, 2500}},
      {{3, 100}, {100}, {3, 100}},
      {{5, 1, 70}, {4, 1}, {5, 4, 70}},
      {{2, 3, 1, 5}, {3, 7, 1}, {2, 3, 7, 5}},
      {{}, {4, 80}, {4, 80}},
      {{200}, {300, 1}, {300, 200}},
      {{1, 9, 1}, {130, 1, 1}, {130, 9, 1}},
      {{6, 1, 1}, {1, 1, 3}, {6, 2, 3}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.a.str());
    CAPTURE(c.b.str());
    Tensor a = f32(ramp(c.a.numel(), 0.5f, 0.25f), c.a);
    Tensor b = f32(ramp(c.b.numel(), 0.3f, 2.f), c.b);
    Tensor out = make(c.out);
    for (k::Binary op : {k::Binary::sub, k::Binary::div, k::Binary::maximum, k::Binary::lt,
                         k::Binary::add_scaled, k::Binary::threshold_backward}) {
      CAPTURE(static_cast<int>(op));
      cpu().binary(op, a, b, out, 0.5);
      std::vector<float> av = values<float>(a), bv = values<float>(b), got = values<float>(out);
      int bad = 0;
      for (int64_t i = 0; i < c.out.numel(); ++i) {
        float x = av[broadcast_index(c.out, c.a, i)], y = bv[broadcast_index(c.out, c.b, i)];
        float want = op == k::Binary::sub          ? x - y
                     : op == k::Binary::div        ? x / y
                     : op == k::Binary::maximum    ? std::max(x, y)
                     : op == k::Binary::lt         ? float(x < y)
                     : op == k::Binary::add_scaled ? x + 0.5f * y
                                                   : (y > 0 ? x : 0.5f * x);
        bad += got[i] != doctest::Approx(want).epsilon(1e-6);
      }
      CHECK(bad == 0);
    }
    // The same shapes in int64 (plain loops) and through where.
    Tensor ia = make(c.a, Dtype::i64), ib = make(c.b, Dtype::i64), io = make(c.out, Dtype::i64);
    cpu().arange(ia, -3, 1);
    cpu().arange(ib, 5, -1);
    cpu().binary(k::Binary::mul, ia, ib, io, 0);
    std::vector<int64_t> iav = values<int64_t>(ia), ibv = values<int64_t>(ib);
    int bad = 0;
    for (int64_t i = 0; i < c.out.numel(); ++i)
      bad += values<int64_t>(io)[i] !=
             iav[broadcast_index(c.out, c.a, i)] * ibv[broadcast_index(c.out, c.b, i)];
    CHECK(bad == 0);
    cpu().where(ia, a, b, out);
    std::vector<float> av = values<float>(a), bv = values<float>(b);
    bad = 0;
    for (int64_t i = 0; i < c.out.numel(); ++i) {
      float want = iav[broadcast_index(c.out, c.a, i)] != 0 ? av[broadcast_index(c.out, c.a, i)]
                                                            : bv[broadcast_index(c.out, c.b, i)];
      bad += values<float>(out)[i] != want;
    }
    CHECK(bad == 0);
  }
}

TEST_CASE("binary in place: out aliases a, b broadcast") {
  Tensor a = f32({1, 2, 3, 4}, {2, 2});
  Tensor b = f32({10, 100}, {2});
  cpu().binary(k::Binary::mul, a, b, a, 0);
  CHECK(values<float>(a) == std::vector<float>{10, 200, 30, 400});
}

TEST_CASE("fused backward kernels match their formulas") {
  std::vector<float> g = {0.5f, -1.f, 2.f, 3.f}, y = {0.2f, -0.7f, 0.f, 0.9f};
  Tensor tg = f32(g, {4}), ty = f32(y, {4}), out = make({4});
  cpu().binary(k::Binary::tanh_backward, tg, ty, out, 0);
  for (int i = 0; i < 4; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(g[i] * (1 - y[i] * y[i])));
  cpu().binary(k::Binary::sigmoid_backward, tg, ty, out, 0);
  for (int i = 0; i < 4; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(g[i] * y[i] * (1 - y[i])));
  cpu().binary(k::Binary::threshold_backward, tg, ty, out, 0.1);
  CHECK(values<float>(out) == std::vector<float>{0.5f, -0.1f, 0.2f, 3.f});
  cpu().binary(k::Binary::threshold_backward, tg, f32({-1.f}, {1}), out, 0.25);  // b broadcast
  CHECK(values<float>(out) == std::vector<float>{0.125f, -0.25f, 0.5f, 0.75f});
  Tensor ig = i64({1, 2}, {2});
  Tensor iout = make({2}, Dtype::i64);
  CHECK_THROWS_AS(cpu().binary(k::Binary::tanh_backward, ig, ig, iout, 0), Error);
}

TEST_CASE("binary on int64: arithmetic, masks, broadcast, division by zero refused") {
  Tensor a = i64({7, -7, 3, 4, 5, 6}, {2, 3});
  Tensor b = i64({2, 3, -2}, {3});
  Tensor out = make({2, 3}, Dtype::i64);
  cpu().binary(k::Binary::div, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{3, -2, -1, 2, 1, -3});
  cpu().binary(k::Binary::gt, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{1, 0, 1, 1, 1, 1});
  cpu().binary(k::Binary::pow, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{49, -343, 0, 16, 125, 0});
  Tensor z = i64({1, 0, 1}, {3});
  CHECK_THROWS_AS(cpu().binary(k::Binary::div, a, z, out, 0), Error);
}

TEST_CASE("unary ops match std:: math in float32 and float64") {
  const std::vector<double> xs = {-3.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5, 40.0, -40.0};
  const int64_t n = static_cast<int64_t>(xs.size());
  struct Case {
    k::Unary op;
    double a, b;
    double (*f)(double, double, double);
  };
  const Case cases[] = {
      {k::Unary::neg, 0, 0, [](double x, double, double) { return -x; }},
      {k::Unary::exp, 0, 0, [](double x, double, double) { return std::exp(x); }},
      {k::Unary::abs, 0, 0, [](double x, double, double) { return std::abs(x); }},
      {k::Unary::sign, 0, 0, [](double x, double, double) { return double((x > 0) - (x < 0)); }},
      {k::Unary::tanh, 0, 0, [](double x, double, double) { return std::tanh(x); }},
      {k::Unary::sigmoid, 0, 0, [](double x, double, double) { return 1 / (1 + std::exp(-x)); }},
      {k::Unary::relu, 0, 0, [](double x, double, double) { return x > 0 ? x : 0.0; }},
      {k::Unary::softplus, 0, 0, [](double x, double, double) { return std::log1p(std::exp(x)); }},
      {k::Unary::add_scalar, 1.5, 0, [](double x, double a, double) { return x + a; }},
      {k::Unary::mul_scalar, -2, 0, [](double x, double a, double) { return x * a; }},
      {k::Unary::rsub_scalar, 1, 0, [](double x, double a, double) { return a - x; }},
      {k::Unary::rpow_scalar, 2, 0, [](double x, double a, double) { return std::pow(a, x); }},
      {k::Unary::pow_scalar, 2, 0, [](double x, double a, double) { return std::pow(x, a); }},
      {k::Unary::pow_scalar, 3, 0, [](double x, double a, double) { return std::pow(x, a); }},
      {k::Unary::leaky_relu, 0.1, 0, [](double x, double a, double) { return x > 0 ? x : a * x; }},
      {k::Unary::clamp, -1, 2,
       [](double x, double a, double b) { return std::min(std::max(x, a), b); }},
      {k::Unary::clamp, -INFINITY, 0.5,
       [](double x, double a, double b) { return std::min(std::max(x, a), b); }},
      {k::Unary::eq_scalar, 1, 0, [](double x, double a, double) { return double(x == a); }},
      {k::Unary::ne_scalar, 1, 0, [](double x, double a, double) { return double(x != a); }},
      {k::Unary::lt_scalar, 0.3, 0, [](double x, double a, double) { return double(x < a); }},
      {k::Unary::le_scalar, 0.3, 0, [](double x, double a, double) { return double(x <= a); }},
      {k::Unary::gt_scalar, 0, 0, [](double x, double a, double) { return double(x > a); }},
      {k::Unary::ge_scalar, 0, 0, [](double x, double a, double) { return double(x >= a); }},
  };
  std::vector<float> xf(xs.begin(), xs.end());
  Tensor x32 = f32(xf, {n}), x64 = f64(xs, {n});
  Tensor o32 = make({n}), o64 = make({n}, Dtype::f64);
  for (const Case& c : cases) {
    CAPTURE(static_cast<int>(c.op));
    cpu().unary(c.op, x32, o32, c.a, c.b);
    cpu().unary(c.op, x64, o64, c.a, c.b);
    for (int64_t i = 0; i < n; ++i) {
      double want = c.f(xs[i], c.a, c.b);
      CAPTURE(xs[i]);
      CHECK(values<double>(o64)[i] == doctest::Approx(want).epsilon(1e-12));
      CHECK(values<float>(o32)[i] == doctest::Approx(want).epsilon(1e-5));
    }
  }
  // Positive inputs for log, sqrt and a / x.
  const std::vector<double> ps = {0.01, 0.5, 1.0, 3.0, 1e4};
  Tensor p64 = f64(ps, {5}), q64 = make({5}, Dtype::f64);
  Tensor p32 = f32(std::vector<float>(ps.begin(), ps.end()), {5}), q32 = make({5});
  cpu().unary(k::Unary::log, p64, q64, 0, 0);
  cpu().unary(k::Unary::log, p32, q32, 0, 0);
  for (int i = 0; i < 5; ++i) CHECK(values<double>(q64)[i] == doctest::Approx(std::log(ps[i])));
  for (int i = 0; i < 5; ++i) CHECK(values<float>(q32)[i] == doctest::Approx(std::log(ps[i])));
  cpu().unary(k::Unary::sqrt, p64, q64, 0, 0);
  for (int i = 0; i < 5; ++i) CHECK(values<double>(q64)[i] == doctest::Approx(std::sqrt(ps[i])));
  cpu().unary(k::Unary::rdiv_scalar, p32, q32, 3, 0);
  for (int i = 0; i < 5; ++i) CHECK(values<float>(q32)[i] == doctest::Approx(3 / ps[i]));
  cpu().unary(k::Unary::pow_scalar, p64, q64, 0.5, 0);
  for (int i = 0; i < 5; ++i) CHECK(values<double>(q64)[i] == doctest::Approx(std::sqrt(ps[i])));
  cpu().unary(k::Unary::pow_scalar, p64, q64, -1.5, 0);
  for (int i = 0; i < 5; ++i)
    CHECK(values<double>(q64)[i] == doctest::Approx(std::pow(ps[i], -1.5)));
}

TEST_CASE("softplus and sigmoid stay finite far from zero") {
  Tensor x = f32({-1000, 1000}, {2}), out = make({2});
  cpu().unary(k::Unary::softplus, x, out, 0, 0);
  CHECK(values<float>(out) == std::vector<float>{0, 1000});
  cpu().unary(k::Unary::sigmoid, x, out, 0, 0);
  CHECK(values<float>(out) == std::vector<float>{0, 1});
}

TEST_CASE("unary on int64: integer ops exact, transcendental ops refused") {
  Tensor x = i64({-3, 0, 2, 5}, {4}), out = make({4}, Dtype::i64);
  cpu().unary(k::Unary::neg, x, out, 0, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{3, 0, -2, -5});
  cpu().unary(k::Unary::abs, x, out, 0, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{3, 0, 2, 5});
  cpu().unary(k::Unary::sign, x, out, 0, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{-1, 0, 1, 1});
  cpu().unary(k::Unary::relu, x, out, 0, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{0, 0, 2, 5});
  cpu().unary(k::Unary::mul_scalar, x, out, 3, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{-9, 0, 6, 15});
  cpu().unary(k::Unary::clamp, x, out, -INFINITY, 2.5);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{-3, 0, 2, 2});
  cpu().unary(k::Unary::lt_scalar, x, out, 2.5, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{1, 1, 1, 0});
  cpu().unary(k::Unary::pow_scalar, x, out, 2, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{9, 0, 4, 25});
  CHECK_THROWS_WITH_AS(cpu().unary(k::Unary::exp, x, out, 0, 0),
                       "exp: int64 is not supported; cast to a floating dtype first", Error);
  CHECK_THROWS_AS(cpu().unary(k::Unary::rdiv_scalar, x, out, 1, 0), Error);  // x has a 0
}

TEST_CASE("cast, fill and arange") {
  Tensor x = f64({-1.5, 0.25, 3.0}, {3});
  Tensor f = make({3}), i = make({3}, Dtype::i64), d = make({3}, Dtype::f64);
  cpu().cast(x, f);
  CHECK(values<float>(f) == std::vector<float>{-1.5f, 0.25f, 3.f});
  cpu().cast(f, i);
  CHECK(values<int64_t>(i) == std::vector<int64_t>{-1, 0, 3});
  cpu().cast(i, d);
  CHECK(values<double>(d) == std::vector<double>{-1, 0, 3});
  cpu().fill(f, 7.5);
  CHECK(values<float>(f) == std::vector<float>{7.5f, 7.5f, 7.5f});
  cpu().arange(d, 1, 0.5);
  CHECK(values<double>(d) == std::vector<double>{1, 1.5, 2});
  cpu().arange(i, 5, -2);
  CHECK(values<int64_t>(i) == std::vector<int64_t>{5, 3, 1});
}

TEST_CASE("where broadcasts cond, a and b; any cond dtype") {
  Tensor cond = i64({1, 0, 3}, {3});
  Tensor a = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = f32({-1}, {1});
  Tensor out = make({2, 3});
  cpu().where(cond, a, b, out);
  CHECK(values<float>(out) == std::vector<float>{1, -1, 3, 4, -1, 6});
  Tensor fc = f32({0, 1, 0, 1, 0, -0.f}, {2, 3});
  cpu().where(fc, a, a, out);
  CHECK(values<float>(out) == std::vector<float>{1, 2, 3, 4, 5, 6});
  cpu().where(fc, b, a, out);
  CHECK(values<float>(out) == std::vector<float>{1, -1, 3, -1, 5, 6});
}

TEST_CASE("reduce over outer, n and inner: sum, max, min, argmax, argmin") {
  // x [2, 3, 4] reduced over the middle dim.
  std::vector<double> xv(24);
  for (int i = 0; i < 24; ++i) xv[i] = std::sin(1.0 + i) * 10;
  Tensor x = f64(xv, {2, 3, 4});
  Tensor out = make({2, 4}, Dtype::f64), idx = make({2, 4}, Dtype::i64);
  auto at = [&](int o, int j, int i) { return xv[(o * 3 + j) * 4 + i]; };
  cpu().reduce(k::Reduce::sum, x, out, 2, 3, 4);
  for (int o = 0; o < 2; ++o)
    for (int i = 0; i < 4; ++i)
      CHECK(values<double>(out)[o * 4 + i] ==
            doctest::Approx(at(o, 0, i) + at(o, 1, i) + at(o, 2, i)));
  cpu().reduce(k::Reduce::max, x, out, 2, 3, 4);
  cpu().reduce(k::Reduce::argmax, x, idx, 2, 3, 4);
  for (int o = 0; o < 2; ++o) {
    for (int i = 0; i < 4; ++i) {
      double best = std::max({at(o, 0, i), at(o, 1, i), at(o, 2, i)});
      CHECK(values<double>(out)[o * 4 + i] == best);
      CHECK(at(o, values<int64_t>(idx)[o * 4 + i], i) == best);
    }
  }
  // Over the last dim (inner = 1).
  Tensor rows = make({6}, Dtype::f64), ridx = make({6}, Dtype::i64);
  cpu().reduce(k::Reduce::min, x, rows, 6, 4, 1);
  cpu().reduce(k::Reduce::argmin, x, ridx, 6, 4, 1);
  for (int r = 0; r < 6; ++r) {
    double best = *std::min_element(xv.begin() + r * 4, xv.begin() + r * 4 + 4);
    CHECK(values<double>(rows)[r] == best);
    CHECK(xv[r * 4 + values<int64_t>(ridx)[r]] == best);
  }
}

TEST_CASE("argmax and argmin take the first of tied extremes; NaN wins") {
  Tensor x = f32({1, 5, 5, 0, 0, 5}, {6});
  Tensor idx = make({1}, Dtype::i64);
  cpu().reduce(k::Reduce::argmax, x, idx, 1, 6, 1);
  CHECK(values<int64_t>(idx)[0] == 1);
  cpu().reduce(k::Reduce::argmin, x, idx, 1, 6, 1);
  CHECK(values<int64_t>(idx)[0] == 3);
  // Columns: x [3, 2] reduced over dim 0, ties in both columns.
  Tensor c = i64({2, 7, 2, 7, 1, 7}, {3, 2});
  Tensor cidx = make({2}, Dtype::i64);
  cpu().reduce(k::Reduce::argmax, c, cidx, 1, 3, 2);
  CHECK(values<int64_t>(cidx) == std::vector<int64_t>{0, 0});
  Tensor nan = f32({1, NAN, 3, NAN}, {4});
  Tensor m = make({1});
  cpu().reduce(k::Reduce::argmax, nan, idx, 1, 4, 1);
  CHECK(values<int64_t>(idx)[0] == 1);
  cpu().reduce(k::Reduce::max, nan, m, 1, 4, 1);
  CHECK(std::isnan(values<float>(m)[0]));
}

TEST_CASE("float32 sum of a million ones is exact; int64 sums exactly") {
  const int64_t n = 1000000;
  Tensor ones = make({n});
  cpu().fill(ones, 1.0);
  Tensor s = make({1});
  cpu().reduce(k::Reduce::sum, ones, s, 1, n, 1);
  CHECK(values<float>(s)[0] == 1e6f);
  // 0.1 summed a million times: a float running sum drifts by ~1%, double lanes do not.
  cpu().fill(ones, 0.1);
  cpu().reduce(k::Reduce::sum, ones, s, 1, n, 1);
  CHECK(values<float>(s)[0] == doctest::Approx(100000.0).epsilon(1e-6));
  Tensor big = i64({int64_t{1} << 60, 1, 2}, {3});
  Tensor is = make({1}, Dtype::i64);
  cpu().reduce(k::Reduce::sum, big, is, 1, 3, 1);
  CHECK(values<int64_t>(is)[0] == (int64_t{1} << 60) + 3);
}

namespace {

// out[b] = alpha * op(a[b]) @ op(b[b]) + beta * out[b], plainly.
template <class T>
std::vector<T> naive_gemm(const std::vector<T>& a, const std::vector<T>& b, std::vector<T> c,
                          bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t kk,
                          int64_t as, int64_t bs, double alpha, double beta) {
  for (int64_t q = 0; q < batch; ++q)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < kk; ++p) {
          double av = ta ? a[q * as + p * m + i] : a[q * as + i * kk + p];
          double bv = tb ? b[q * bs + j * kk + p] : b[q * bs + p * n + j];
          acc += av * bv;
        }
        T& o = c[(q * m + i) * n + j];
        o = static_cast<T>(alpha * acc + (beta == 0 ? 0 : beta * o));
      }
  return c;
}

}  // namespace

TEST_CASE("gemm: every transpose flag, batch strides 0 and not, alpha and beta") {
  const int64_t m = 3, n = 5, kk = 4, batch = 2;
  for (Dtype d : {Dtype::f32, Dtype::f64}) {
    for (int flags = 0; flags < 4; ++flags) {
      const bool ta = flags & 1, tb = flags & 2;
      for (int strides = 0; strides < 4; ++strides) {
        const int64_t as = (strides & 1) ? m * kk : 0, bs = (strides & 2) ? kk * n : 0;
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(as);
        CAPTURE(bs);
        std::vector<double> av(batch * m * kk), bv(batch * kk * n), cv(batch * m * n);
        for (size_t i = 0; i < av.size(); ++i) av[i] = std::cos(0.7 * i);
        for (size_t i = 0; i < bv.size(); ++i) bv[i] = std::sin(0.3 * i + 1);
        for (size_t i = 0; i < cv.size(); ++i) cv[i] = 0.5 * i;
        const double alpha = 1.5, beta = strides == 3 ? 0.0 : -0.5;
        std::vector<double> want =
            naive_gemm(av, bv, cv, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
        Shape ashape = Shape{batch, ta ? kk : m, ta ? m : kk};
        Shape bshape = Shape{batch, tb ? n : kk, tb ? kk : n};
        if (d == Dtype::f64) {
          Tensor a = f64(av, ashape), b = f64(bv, bshape), c = f64(cv, {batch, m, n});
          cpu().gemm(a, b, c, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
          for (size_t i = 0; i < want.size(); ++i)
            CHECK(values<double>(c)[i] == doctest::Approx(want[i]));
        } else {
          auto tf = [](const std::vector<double>& v, const Shape& s) {
            return f32(std::vector<float>(v.begin(), v.end()), s);
          };
          Tensor a = tf(av, ashape), b = tf(bv, bshape), c = tf(cv, {batch, m, n});
          cpu().gemm(a, b, c, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
          for (size_t i = 0; i < want.size(); ++i)
            CHECK(values<float>(c)[i] == doctest::Approx(want[i]).epsilon(1e-5));
        }
      }
    }
  }
}

TEST_CASE("gemm: k = 0 scales out by beta; int64 is refused") {
  Tensor a = make({2, 0}), b = make({0, 3}), c = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  cpu().gemm(a, b, c, false, false, 1, 2, 3, 0, 0, 0, 1.0, 2.0);
  CHECK(values<float>(c) == std::vector<float>{2, 4, 6, 8, 10, 12});
  cpu().gemm(a, b, c, false, false, 1, 2, 3, 0, 0, 0, 1.0, 0.0);
  CHECK(values<float>(c) == std::vector<float>(6, 0.f));
  Tensor ia = i64({1}, {1, 1}), ic = i64({0}, {1, 1});
  CHECK_THROWS_AS(cpu().gemm(ia, ia, ic, false, false, 1, 1, 1, 1, 0, 0, 1, 0), Error);
}

TEST_CASE("permute and expand") {
  std::vector<float> xv(24);
  std::iota(xv.begin(), xv.end(), 0.f);
  Tensor x = f32(xv, {2, 3, 4});
  Tensor out = make({4, 2, 3});
  cpu().permute(x, out, Shape{2, 0, 1});
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int l = 0; l < 3; ++l)
        CHECK(values<float>(out)[(i * 2 + j) * 3 + l] == xv[(j * 3 + l) * 4 + i]);
  // A large 2-D transpose goes through the tiled path.
  const int64_t r = 70, c = 45;
  std::vector<double> tv(r * c);
  std::iota(tv.begin(), tv.end(), 0.0);
  Tensor t = f64(tv, {r, c}), tt = make({c, r}, Dtype::f64);
  cpu().permute(t, tt, Shape{1, 0});
  bool ok = true;
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < r; ++j) ok = ok && values<double>(tt)[i * r + j] == tv[j * c + i];
  CHECK(ok);

  Tensor col = i64({1, 2}, {2, 1});
  Tensor e = make({3, 2, 2}, Dtype::i64);
  cpu().expand(col, e);
  CHECK(values<int64_t>(e) == std::vector<int64_t>{1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2});
}

TEST_CASE("slice out of and into [outer, n, inner]") {
  std::vector<float> xv(2 * 5 * 3);
  std::iota(xv.begin(), xv.end(), 0.f);
  Tensor src = f32(xv, {2, 5, 3});
  Tensor part = make({2, 2, 3});
  cpu().slice(src, part, 2, 5, 2, 3, 1, false);  // src[:, 1:3, :]
  CHECK(values<float>(part) == std::vector<float>{3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 23});
  Tensor whole = make({2, 5, 3});
  cpu().fill(whole, 0);
  cpu().slice(part, whole, 2, 2, 5, 3, 3, true);  // whole[:, 3:5, :] = part
  std::vector<float> got = values<float>(whole);
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 5; ++j)
      for (int i = 0; i < 3; ++i) {
        float want = j >= 3 ? xv[(o * 5 + j - 2) * 3 + i] : 0.f;
        CHECK(got[(o * 5 + j) * 3 + i] == want);
      }
}

TEST_CASE("index_select and index_add along the middle dim") {
  std::vector<double> xv(2 * 4 * 2);
  std::iota(xv.begin(), xv.end(), 0.0);
  Tensor x = f64(xv, {2, 4, 2});
  Tensor index = i64({3, 0, 3}, {3});
  Tensor out = make({2, 3, 2}, Dtype::f64);
  cpu().index_select(x, index, out, 2, 4, 2);
  CHECK(values<double>(out) == std::vector<double>{6, 7, 0, 1, 6, 7, 14, 15, 8, 9, 14, 15});

  Tensor acc = make({2, 4, 2}, Dtype::f64);
  cpu().fill(acc, 1);
  cpu().index_add(out, index, acc, 2, 4, 2);  // index 3 twice: both add
  CHECK(values<double>(acc) ==
        std::vector<double>{1, 2, 1, 1, 1, 1, 13, 15, 9, 10, 1, 1, 1, 1, 29, 31});
}

TEST_CASE("gather and scatter_add") {
  // x [2, 3] gathered along dim 1 with index [2, 2].
  Tensor x = f32({10, 11, 12, 20, 21, 22}, {2, 3});
  Tensor index = i64({2, 0, 1, 1}, {2, 2});
  Tensor out = make({2, 2});
  cpu().gather(x, index, out, 2, 3, 2, 1);
  CHECK(values<float>(out) == std::vector<float>{12, 10, 21, 21});
  Tensor acc = make({2, 3});
  cpu().fill(acc, 0);
  cpu().scatter_add(out, index, acc, 2, 3, 2, 1);
  CHECK(values<float>(acc) == std::vector<float>{10, 0, 12, 0, 42, 0});
  // Along dim 0 (outer 1, inner 2): out[j, i] = x[index[j, i], i].
  Tensor i0 = i64({1, 0}, {1, 2});
  Tensor x2 = i64({1, 2, 3, 4}, {2, 2});
  Tensor o2 = make({1, 2}, Dtype::i64);
  cpu().gather(x2, i0, o2, 1, 2, 1, 2);
  CHECK(values<int64_t>(o2) == std::vector<int64_t>{3, 2});
}

TEST_CASE("one_hot writes 0/1 in out's dtype") {
  Tensor labels = i64({2, 0, 1}, {3});
  Tensor out = make({3, 4});
  cpu().one_hot(labels, out, 4);
  CHECK(values<float>(out) == std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  Tensor iout = make({3, 3}, Dtype::i64);
  cpu().one_hot(labels, iout, 3);
  CHECK(values<int64_t>(iout) == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0, 1, 0});
}

TEST_CASE("softmax of [10, 0, -2] and log_softmax, over rows and columns") {
  const double want[] = {9.99948459e-01, 4.53975898e-05, 6.14389567e-06};
  Tensor x = f32({10, 0, -2}, {3}), out = make({3});
  cpu().softmax(x, out, 1, 3, 1, false);
  for (int i = 0; i < 3; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(want[i]).epsilon(1e-6));
  cpu().softmax(x, out, 1, 3, 1, true);
  for (int i = 0; i < 3; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(std::log(want[i])).epsilon(1e-6));
  // Columns: x [3, 2] softmax over dim 0 (inner = 2); column 1 is the same values shifted.
  Tensor c = f64({10, 1010, 0, 1000, -2, 998}, {3, 2}), co = make({3, 2}, Dtype::f64);
  cpu().softmax(c, co, 1, 3, 2, false);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i)
      CHECK(values<double>(co)[j * 2 + i] == doctest::Approx(want[j]).epsilon(1e-8));
  cpu().softmax(c, c, 1, 3, 2, true);  // in place
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i)
      CHECK(values<double>(c)[j * 2 + i] == doctest::Approx(std::log(want[j])).epsilon(1e-8));
  // A row longer than the stack chunk, in place.
  const int64_t n = 1000;
  std::vector<float> lv(n);
  for (int64_t i = 0; i < n; ++i) lv[i] = static_cast<float>(i % 7) - 3.f;
  Tensor l = f32(lv, {n}), p = make({n});
  cpu().softmax(l, p, 1, n, 1, false);
  cpu().softmax(l, l, 1, n, 1, true);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    total += values<float>(p)[i];
    CHECK(std::exp(values<float>(l)[i]) == doctest::Approx(values<float>(p)[i]).epsilon(1e-5));
  }
  CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("random: streams are pure functions of (seed, offset + i)") {
  const int64_t n = 1000;
  Tensor a = make({n}), b = make({n}), c = make({n}), d = make({2 * n});
  cpu().random(a, k::Random::uniform, 42, 0, -2, 3);
  cpu().random(b, k::Random::uniform, 42, 0, -2, 3);
  CHECK(values<float>(a) == values<float>(b));
  cpu().random(c, k::Random::uniform, 42, n, -2, 3);
  cpu().random(d, k::Random::uniform, 42, 0, -2, 3);
  std::vector<float> dv = values<float>(d);
  CHECK(std::equal(dv.begin(), dv.begin() + n, values<float>(a).begin()));  // prefix
  CHECK(std::equal(dv.begin() + n, dv.end(), values<float>(c).begin()));    // continues at offset
  int same = 0;
  for (int64_t i = 0; i < n; ++i) same += values<float>(a)[i] == values<float>(c)[i];
  CHECK(same < 5);  // disjoint offsets give different numbers
  cpu().random(b, k::Random::uniform, 43, 0, -2, 3);
  CHECK(values<float>(a) != values<float>(b));  // another seed
  for (float v : values<float>(a)) {
    CHECK(v >= -2.f);
    CHECK(v < 3.f);
  }
  // The same draw as philox computes it, element by element.
  CHECK(values<float>(a)[7] == static_cast<float>(-2 + 5 * philox::uniform(42, 0, 7, true)));
}

TEST_CASE("random: normal moments, bernoulli rate, randint range") {
  const int64_t n = 100000;
  Tensor x = make({n}, Dtype::f64);
  cpu().random(x, k::Random::normal, 7, 123, 0, 1);
  double mean = 0, sq = 0;
  for (double v : values<double>(x)) mean += v;
  mean /= n;
  for (double v : values<double>(x)) sq += (v - mean) * (v - mean);
  CHECK(std::abs(mean) < 0.02);
  CHECK(std::abs(std::sqrt(sq / n) - 1) < 0.02);
  Tensor y = make({n});
  cpu().random(y, k::Random::normal, 7, 123, 5, 2);  // mean 5, std 2: same draws, shifted
  CHECK(values<float>(y)[10] == static_cast<float>(values<double>(x)[10] * 2 + 5));

  cpu().random(y, k::Random::bernoulli, 1, 0, 0.3, 0);
  double ones = 0;
  for (float v : values<float>(y)) {
    CHECK((v == 0.f || v == 1.f));
    ones += v;
  }
  CHECK(ones / n == doctest::Approx(0.3).epsilon(0.03));

  Tensor r = make({n}, Dtype::i64);
  cpu().random(r, k::Random::uniform, 3, 0, -2, 5);  // randint [-2, 5)
  std::vector<int64_t> counts(7, 0);
  for (int64_t v : values<int64_t>(r)) {
    REQUIRE(v >= -2);
    REQUIRE(v < 5);
    ++counts[v + 2];
  }
  for (int64_t cnt : counts) CHECK(cnt > n / 7 * 0.9);
  CHECK_THROWS_AS(cpu().random(r, k::Random::normal, 3, 0, 0, 1), Error);
}

TEST_CASE("allocator reuses freed blocks of the same size") {
  if (k::cpu_detail::allocator_stats().cache_limit == 0) {
    MESSAGE("caching is off (AddressSanitizer or XGRAD_CPU_CACHE_MB=0): reuse not checked");
    void* p = cpu().allocate(0);
    CHECK(p != nullptr);
    cpu().deallocate(p, 0);
    return;
  }
  for (size_t bytes : {size_t{0}, size_t{24}, size_t{4096}, size_t{100000}, size_t{5} << 20}) {
    CAPTURE(bytes);
    void* p = cpu().allocate(bytes);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
    std::memset(p, 0xab, bytes);
    cpu().deallocate(p, bytes);
    const size_t before = k::cpu_detail::allocator_stats().system_allocs;
    void* q = cpu().allocate(bytes);
    CHECK(q == p);
    CHECK(k::cpu_detail::allocator_stats().system_allocs == before);
    cpu().deallocate(q, bytes);
  }
  // Sizes in one bucket share blocks: 100000 and 100001 bytes round to the same class.
  void* p = cpu().allocate(100000);
  cpu().deallocate(p, 100000);
  void* q = cpu().allocate(100001);
  CHECK(q == p);
  cpu().deallocate(q, 100001);
  k::cpu_detail::empty_cache();
  CHECK(k::cpu_detail::allocator_stats().cached_bytes == 0);
}

TEST_CASE("allocator: a steady-state loop stops calling the system; threads share it safely") {
  if (k::cpu_detail::allocator_stats().cache_limit == 0) return;
  const size_t sizes[] = {64, 400, 4000, 40000, 400000, 4000000};
  auto step = [&] {
    std::vector<void*> live;
    for (size_t s : sizes) live.push_back(cpu().allocate(s));
    for (size_t i = 0; i < live.size(); ++i) cpu().deallocate(live[i], sizes[i]);
  };
  step();
  const size_t before = k::cpu_detail::allocator_stats().system_allocs;
  for (int i = 0; i < 100; ++i) step();
  CHECK(k::cpu_detail::allocator_stats().system_allocs == before);

  const size_t allocated = k::cpu_detail::allocator_stats().allocated_bytes;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        size_t bytes = static_cast<size_t>((i * 7919 + t * 104729) % 70000);
        void* p = kernels::cpu().allocate(bytes);
        static_cast<char*>(p)[0] = 1;
        kernels::cpu().deallocate(p, bytes);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(k::cpu_detail::allocator_stats().allocated_bytes == allocated);
}

TEST_CASE("copies between host buffers") {
  std::vector<int> a = {1, 2, 3}, b(3);
  cpu().copy_from_host(b.data(), a.data(), sizeof(int) * 3);
  CHECK(b == a);
  std::vector<int> c(3);
  cpu().copy_to_host(c.data(), b.data(), sizeof(int) * 3);
  cpu().copy(a.data(), c.data(), 0);
  CHECK(c == a);
}
