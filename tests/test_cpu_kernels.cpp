// The CPU kernel table driven directly (no ops layer), part 1: elementwise kernels against plain
// loops and std:: math, broadcasting, casts, fills and reductions (part 2 is
// test_cpu_kernels_layout.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "cpu_kernel_util.hpp"

using namespace xgrad;
using namespace cpu_kernel_test;

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
  Tensor out = make({2, 3}, kFloat64);

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
  Tensor out3 = make({2, 3}, kFloat64);
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
    Tensor ia = make(c.a, kInt64), ib = make(c.b, kInt64), io = make(c.out, kInt64);
    cpu().arange(ia, -3, 1);
    cpu().arange(ib, 5, -1);
    cpu().binary(k::Binary::mul, ia, ib, io, 0);
    std::vector<int64_t> iav = values<int64_t>(ia), ibv = values<int64_t>(ib), iov = values<int64_t>(io);
    int bad = 0;
    for (int64_t i = 0; i < c.out.numel(); ++i)
      bad += iov[i] !=
             iav[broadcast_index(c.out, c.a, i)] * ibv[broadcast_index(c.out, c.b, i)];
    CHECK(bad == 0);
    cpu().where(ia, a, b, out);
    std::vector<float> av = values<float>(a), bv = values<float>(b), ov = values<float>(out);
    bad = 0;
    for (int64_t i = 0; i < c.out.numel(); ++i) {
      float want = iav[broadcast_index(c.out, c.a, i)] != 0 ? av[broadcast_index(c.out, c.a, i)]
                                                            : bv[broadcast_index(c.out, c.b, i)];
      bad += ov[i] != want;
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
  Tensor iout = make({2}, kInt64);
  CHECK_THROWS_AS(cpu().binary(k::Binary::tanh_backward, ig, ig, iout, 0), Error);
}

TEST_CASE("binary on int64: arithmetic, masks, broadcast, division by zero refused") {
  Tensor a = i64({7, -7, 3, 4, 5, 6}, {2, 3});
  Tensor b = i64({2, 3, -2}, {3});
  Tensor out = make({2, 3}, kInt64);
  cpu().binary(k::Binary::div, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{3, -2, -1, 2, 1, -3});
  cpu().binary(k::Binary::gt, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{1, 0, 1, 1, 1, 1});
  cpu().binary(k::Binary::pow, a, b, out, 0);
  CHECK(values<int64_t>(out) == std::vector<int64_t>{49, -343, 0, 16, 125, 0});
  Tensor z = i64({1, 0, 1}, {3});
  CHECK_THROWS_AS(cpu().binary(k::Binary::div, a, z, out, 0), Error);
}

TEST_CASE("int64 powers are exact integers; negative exponents give what PyTorch's integer pow gives") {
  using V = std::vector<int64_t>;
  const int64_t three_39 = 4052555153018976267;  // 3^39: beyond 2^53, so not through double
  Tensor x = i64({19, 3, -2, 0, 1, -1, 7}, {7});
  Tensor out = make({7}, kInt64);
  cpu().unary(k::Unary::pow_scalar, x, out, 3, 0);
  CHECK(values<int64_t>(out) == V{6859, 27, -8, 0, 1, -1, 343});
  cpu().unary(k::Unary::pow_scalar, x, out, 39, 0);
  CHECK(values<int64_t>(out)[1] == three_39);
  cpu().unary(k::Unary::pow_scalar, x, out, 0, 0);
  CHECK(values<int64_t>(out) == V{1, 1, 1, 1, 1, 1, 1});
  cpu().unary(k::Unary::pow_scalar, x, out, -3, 0);  // 1/x^3 truncated; 0 for x = 0 too
  CHECK(values<int64_t>(out) == V{0, 0, 0, 0, 1, -1, 0});
  cpu().unary(k::Unary::pow_scalar, x, out, 0.5, 0);  // through double, truncated; NaN gives 0
  CHECK(values<int64_t>(out) == V{4, 1, 0, 0, 1, 0, 2});
  Tensor e = i64({39, 0, -2, 3}, {4}), o4 = make({4}, kInt64);
  cpu().unary(k::Unary::rpow_scalar, e, o4, 3, 0);
  CHECK(values<int64_t>(o4) == V{three_39, 1, 0, 27});
  cpu().unary(k::Unary::rpow_scalar, e, o4, -1, 0);
  CHECK(values<int64_t>(o4) == V{-1, 1, 1, -1});
  Tensor b = i64({39, -3, 0, 64}, {4}), base = i64({3, -1, 5, 2}, {4});
  cpu().binary(k::Binary::pow, base, b, o4, 0);  // 2^64 wraps to 0, as an int64 product does
  CHECK(values<int64_t>(o4) == V{three_39, -1, 1, 0});
}

TEST_CASE("every op of the unary and binary lists writes every element of its output") {
  std::vector<k::Unary> unary_ops;
  std::vector<k::Binary> binary_ops;
#define XGRAD_TEST_OP(name, int64, scalars) ops.push_back(Op::name);
  {
    auto& ops = unary_ops;
    using Op = k::Unary;
    XGRAD_UNARY_OPS(XGRAD_TEST_OP)
  }
  {
    auto& ops = binary_ops;
    using Op = k::Binary;
    XGRAD_BINARY_OPS(XGRAD_TEST_OP)
  }
#undef XGRAD_TEST_OP
  CHECK(unary_ops.size() == 33);
  CHECK(std::string(k::name(k::Unary::gelu_tanh)) == "gelu_tanh");
  CHECK(!k::on_int64(k::Unary::sin));
  CHECK(k::on_int64(k::Binary::add_scaled));
  Tensor x = f64({0.5, 1.5, 2.5}, {3}), y = f64({1.5, 0.5, 2.0}, {3});
  for (bool deterministic : {false, true}) {
    set_deterministic(deterministic);
    for (k::Unary op : unary_ops) {
      INFO(k::name(op));
      Tensor out = make({3}, kFloat64);
      cpu().fill(out, NAN);
      cpu().unary(op, x, out, 0.5, 2.0);
      for (int64_t i = 0; i < 3; ++i) CHECK(!std::isnan(values<double>(out)[i]));
    }
    for (k::Binary op : binary_ops) {
      INFO(k::name(op));
      Tensor out = make({3}, kFloat64);
      cpu().fill(out, NAN);
      cpu().binary(op, x, y, out, 0.5);
      for (int64_t i = 0; i < 3; ++i) CHECK(!std::isnan(values<double>(out)[i]));
    }
  }
  set_deterministic(false);
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
  Tensor o32 = make({n}), o64 = make({n}, kFloat64);
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
  Tensor p64 = f64(ps, {5}), q64 = make({5}, kFloat64);
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
  // Exponents 1, -1, 2 and 0.5 give what one IEEE operation gives, exactly (x^1 is pow(x, 2)'s
  // gradient: optimizer_paths' steps are bitwise the emulated device's).
  for (double a : {1.0, -1.0, 2.0, 0.5}) {
    CAPTURE(a);
    cpu().unary(k::Unary::pow_scalar, p64, q64, a, 0);
    for (int i = 0; i < 5; ++i) {
      const double x = ps[i];
      CHECK(values<double>(q64)[i] == (a == 1 ? x : a == -1 ? 1 / x : a == 2 ? x * x : std::sqrt(x)));
    }
  }
  cpu().unary(k::Unary::pow_scalar, p64, q64, -1.5, 0);
  for (int i = 0; i < 5; ++i)
    CHECK(values<double>(q64)[i] == doctest::Approx(std::pow(ps[i], -1.5)));
}

// xtensor computes a row's unaligned head and its tail with std:: functions and the rest with
// xsimd's, which round differently; the kernels run heads and tails on SIMD lanes too, so that a
// value's result never depends on its place in a row or on its buffer's address.
TEST_CASE("an element's bits depend on its inputs only: alone or in a row, at any row of a batch") {
  std::vector<k::Unary> unary_ops;
#define XGRAD_TEST_OP(name, int64, scalars) unary_ops.push_back(k::Unary::name);
  XGRAD_UNARY_OPS(XGRAD_TEST_OP)
#undef XGRAD_TEST_OP
  const int64_t n = 67;  // heads, whole batches and a tail on any SIMD width
  std::vector<double> xs(n), ys(n);
  for (int64_t i = 0; i < n; ++i) {
    xs[i] = 0.05 + 2.9 * static_cast<double>((i * 37) % n) / n;
    ys[i] = 0.5 + static_cast<double>((i * 11) % 13) / 7;
  }
  auto tensor_of = [](const std::vector<double>& v, Dtype d, Shape s) {
    return d == kFloat64 ? f64(v, s) : f32(std::vector<float>(v.begin(), v.end()), s);
  };
  auto at = [](const Tensor& t, int64_t i) {
    return t.dtype() == kFloat64 ? values<double>(t)[i] : values<float>(t)[i];
  };
  for (Dtype d : {kFloat32, kFloat64}) {
    const std::string dtype = dtype_name(d);
    CAPTURE(dtype);
    Tensor x = tensor_of(xs, d, {n}), y = tensor_of(ys, d, {n}), out = make({n}, d);
    int mismatches = 0;
    for (k::Unary op : unary_ops) {
      CAPTURE(k::name(op));
      cpu().unary(op, x, out, 0.5, 2.0);
      for (int64_t i = 0; i < n; ++i) {
        Tensor one = tensor_of({xs[i]}, d, {1}), got = make({1}, d);
        cpu().unary(op, one, got, 0.5, 2.0);
        const double alone = at(got, 0), in_row = at(out, i);
        if (!(alone == in_row || (std::isnan(alone) && std::isnan(in_row)))) ++mismatches;
      }
    }
    cpu().binary(k::Binary::pow, x, y, out, 0);
    for (int64_t i = 0; i < n; ++i) {
      Tensor a = tensor_of({xs[i]}, d, {1}), b = tensor_of({ys[i]}, d, {1}), got = make({1}, d);
      cpu().binary(k::Binary::pow, a, b, got, 0);
      if (!(at(got, 0) == at(out, i))) ++mismatches;
    }
    CHECK(mismatches == 0);
    // A batch of equal rows of 10 (rows at every offset from an aligned start): equal results,
    // and the result of the row alone.
    const int64_t rows = 9, len = 10;
    std::vector<double> batch;
    for (int64_t r = 0; r < rows; ++r) batch.insert(batch.end(), xs.begin(), xs.begin() + len);
    for (bool log : {false, true}) {
      CAPTURE(log);
      Tensor bx = tensor_of(batch, d, {rows, len}), bo = make({rows, len}, d);
      Tensor rx = tensor_of({xs.begin(), xs.begin() + len}, d, {1, len}), ro = make({1, len}, d);
      cpu().softmax(bx, bo, rows, len, 1, log);
      cpu().softmax(rx, ro, 1, len, 1, log);
      int differ = 0;
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < len; ++j) differ += at(bo, r * len + j) != at(ro, j);
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("softplus and sigmoid stay finite far from zero") {
  Tensor x = f32({-1000, 1000}, {2}), out = make({2});
  cpu().unary(k::Unary::softplus, x, out, 0, 0);
  CHECK(values<float>(out) == std::vector<float>{0, 1000});
  cpu().unary(k::Unary::sigmoid, x, out, 0, 0);
  CHECK(values<float>(out) == std::vector<float>{0, 1});
}

TEST_CASE("unary on int64: integer ops exact, transcendental ops refused") {
  Tensor x = i64({-3, 0, 2, 5}, {4}), out = make({4}, kInt64);
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
  Tensor f = make({3}), i = make({3}, kInt64), d = make({3}, kFloat64);
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
  Tensor out = make({2, 4}, kFloat64), idx = make({2, 4}, kInt64);
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
  Tensor rows = make({6}, kFloat64), ridx = make({6}, kInt64);
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
  Tensor idx = make({1}, kInt64);
  cpu().reduce(k::Reduce::argmax, x, idx, 1, 6, 1);
  CHECK(values<int64_t>(idx)[0] == 1);
  cpu().reduce(k::Reduce::argmin, x, idx, 1, 6, 1);
  CHECK(values<int64_t>(idx)[0] == 3);
  // Columns: x [3, 2] reduced over dim 0, ties in both columns.
  Tensor c = i64({2, 7, 2, 7, 1, 7}, {3, 2});
  Tensor cidx = make({2}, kInt64);
  cpu().reduce(k::Reduce::argmax, c, cidx, 1, 3, 2);
  CHECK(values<int64_t>(cidx) == std::vector<int64_t>{0, 0});
  Tensor nan = f32({1, NAN, 3, NAN}, {4});
  Tensor m = make({1});
  cpu().reduce(k::Reduce::argmax, nan, idx, 1, 4, 1);
  CHECK(values<int64_t>(idx)[0] == 1);
  cpu().reduce(k::Reduce::max, nan, m, 1, 4, 1);
  CHECK(std::isnan(values<float>(m)[0]));
  // Rows long enough for the SIMD path, a NaN in a middle batch that later batches would hide.
  std::vector<float> long_row = ramp(50);
  long_row[25] = NAN;
  std::vector<double> long_row64(long_row.begin(), long_row.end());
  for (Tensor row : {f32(long_row, {50}), f64(long_row64, {50})}) {
    Tensor extreme = make({1}, row.dtype());
    for (k::Reduce op : {k::Reduce::max, k::Reduce::min}) {
      cpu().reduce(op, row, extreme, 1, 50, 1);
      CHECK(std::isnan(row.dtype() == kFloat32 ? values<float>(extreme)[0]
                                                 : values<double>(extreme)[0]));
    }
  }
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
  Tensor is = make({1}, kInt64);
  cpu().reduce(k::Reduce::sum, big, is, 1, 3, 1);
  CHECK(values<int64_t>(is)[0] == (int64_t{1} << 60) + 3);
}
