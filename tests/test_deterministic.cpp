// Deterministic mode: the portable math functions against glibc, xgrad's own GEMM against the
// plain sum it promises, and a digits run whose weights hash to one committed constant on every
// x86-64 machine and build (CTest runs this binary under several OpenBLAS core types, and
// scripts/test again from a -DXGRAD_NATIVE=OFF build).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "autograd/portable_math.hpp"
#include "example_runner.hpp"
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// The digits example, 10 epochs with --deterministic: FNV-1a of its trained weights. Computed once
// on the development machine; a different value anywhere means deterministic mode is not.
constexpr const char* kDigitsChecksum = "5f9572b1513c90dc";

int64_t ulps(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return 0;
  if (a == b) return 0;
  if (std::isnan(a) || std::isnan(b) || std::isinf(a) || std::isinf(b)) return INT64_MAX;
  int64_t ia, ib;
  std::memcpy(&ia, &a, 8);
  std::memcpy(&ib, &b, 8);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  return ia > ib ? ia - ib : ib - ia;
}

struct Guard {
  explicit Guard(bool on) { set_deterministic(on); }
  ~Guard() { set_deterministic(false); }
};

uint64_t fnv(const Tensor& t) {
  Tensor c = t.cpu();
  const auto* p = static_cast<const unsigned char*>(c.data_ptr());
  uint64_t h = 14695981039346656037ull;
  for (size_t i = 0; i < static_cast<size_t>(c.numel()) * element_size(c.dtype()); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

}  // namespace

TEST_CASE("portable math stays within its documented ulp of glibc") {
  struct Case {
    const char* name;
    double (*mine)(double);
    double (*ref)(double);
    double lo, hi;
    int64_t max_ulp;
  };
  const Case cases[] = {
      {"exp", pmath::exp, [](double x) { return std::exp(x); }, -745, 709.7, 1},
      {"log", pmath::log, [](double x) { return std::log(x); }, 1e-300, 1e300, 1},
      {"expm1", pmath::expm1, [](double x) { return std::expm1(x); }, -2, 2, 3},
      {"log1p", pmath::log1p, [](double x) { return std::log1p(x); }, -0.99, 3, 3},
      {"tanh", pmath::tanh, [](double x) { return std::tanh(x); }, -20, 20, 6},
      {"sin", pmath::sin, [](double x) { return std::sin(x); }, -100, 100, 2},
      {"cos", pmath::cos, [](double x) { return std::cos(x); }, -100, 100, 2},
  };
  std::mt19937_64 rng(7);
  for (const Case& c : cases) {
    std::uniform_real_distribution<double> u(0, 1);
    int64_t worst = 0;
    double at = 0;
    for (int i = 0; i < 200000; ++i) {
      // log's range is sampled on a log scale, the others uniformly
      double x = c.lo > 0 ? std::exp(std::log(c.lo) + u(rng) * (std::log(c.hi) - std::log(c.lo)))
                          : c.lo + u(rng) * (c.hi - c.lo);
      int64_t e = ulps(c.mine(x), c.ref(x));
      if (e > worst) worst = e, at = x;
    }
    CHECK_MESSAGE(worst <= c.max_ulp, c.name, " is ", worst, " ulp from glibc at ", at);
  }
  // the edges: infinities, zeros, NaN, subnormals, overflow and underflow thresholds
  const double inf = INFINITY;
  CHECK(pmath::exp(inf) == inf);
  CHECK(pmath::exp(-inf) == 0.0);
  CHECK(pmath::exp(710.0) == inf);
  CHECK(ulps(pmath::exp(709.78), std::exp(709.78)) <= 1);
  CHECK(ulps(pmath::exp(-745.0), std::exp(-745.0)) <= 1);  // subnormal result
  CHECK(std::isnan(pmath::exp(NAN)));
  CHECK(pmath::log(0.0) == -inf);
  CHECK(pmath::log(inf) == inf);
  CHECK(std::isnan(pmath::log(-1.0)));
  CHECK(ulps(pmath::log(5e-324), std::log(5e-324)) <= 1);
  CHECK(pmath::tanh(inf) == 1.0);
  CHECK(pmath::tanh(-inf) == -1.0);
  CHECK(pmath::sigmoid(-1000.0) == 0.0);
  CHECK(pmath::sigmoid(1000.0) == 1.0);
  CHECK(ulps(pmath::softplus(-800.0), 0.0) == 0);
  CHECK(pmath::softplus(800.0) == 800.0);
  CHECK(pmath::log1p(-1.0) == -inf);
  CHECK(ulps(pmath::log1p(1e308), std::log1p(1e308)) <= 1);
  CHECK(pmath::pow(-2.0, 3.0) == -8.0);
  CHECK(pmath::pow(2.0, 10.0) == 1024.0);
  CHECK(std::isnan(pmath::pow(-2.0, 0.5)));
  CHECK(pmath::pow(0.0, -1.0) == inf);
  CHECK(pmath::pow(-0.0, -1.0) == -inf);
  CHECK(pmath::pow(NAN, 0.0) == 1.0);
  CHECK(pmath::pow(-1.0, inf) == 1.0);
  CHECK(ulps(pmath::pow(0.9, 100.0), std::pow(0.9, 100.0)) <= 100);
  CHECK(std::isnan(pmath::sin(inf)));
  CHECK(std::isnan(pmath::cos(1e7)));  // beyond the documented range
}

TEST_CASE("deterministic GEMM is the plain sum over k in order, at every shape and thread split") {
  Guard on(true);
  // Shapes around the register tile and the k-block (256), and one large enough for threads.
  const int64_t shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {13, 33, 1}, {12, 32, 256}, {25, 70, 257}, {100, 50, 64},
                               {7, 1, 600}, {1, 9, 513}, {130, 140, 300}};
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (auto& s : shapes) {
      const int64_t m = s[0], n = s[1], k = s[2];
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        manual_seed(static_cast<uint64_t>(m * 1000 + n * 10 + t));
        Tensor a = randn(ta ? Shape{k, m} : Shape{m, k}, dt), b = randn(tb ? Shape{n, k} : Shape{k, n}, dt);
        Tensor c = mm(a, b, ta, tb);
        Tensor ad = a.to(kFloat64), bd = b.to(kFloat64), cd = c.to(kFloat64);
        const double* pa = ad.data<double>();
        const double* pb = bd.data<double>();
        const double* pc = cd.data<double>();
        bool same = true;
        for (int64_t i = 0; i < m && same; ++i) {
          for (int64_t j = 0; j < n && same; ++j) {
            double want;
            if (dt == kFloat32) {
              float acc = 0.0f;
              for (int64_t p = 0; p < k; ++p) {
                volatile float prod = static_cast<float>(ta ? pa[p * m + i] : pa[i * k + p]) *
                                      static_cast<float>(tb ? pb[j * k + p] : pb[p * n + j]);
                acc = acc + prod;
              }
              want = acc;
            } else {
              double acc = 0.0;
              for (int64_t p = 0; p < k; ++p) {
                volatile double prod = (ta ? pa[p * m + i] : pa[i * k + p]) * (tb ? pb[j * k + p] : pb[p * n + j]);
                acc = acc + prod;
              }
              want = acc;
            }
            same = pc[i * n + j] == want;
            if (!same)
              FAIL_CHECK(std::string(dtype_name(dt)), " ", m, "x", n, "x", k, " ta=", ta, " tb=", tb, " differs at (", i, ", ", j,
                         "): ", pc[i * n + j], " vs ", want);
          }
        }
      }
    }
  }
  // linear: the bias is added after the sum; batched and broadcast products take the same path
  Tensor x = randn({5, 300}), w = randn({4, 300}), bias = randn({4});
  Tensor y = linear(x, w, bias);
  CHECK(allclose(y, mm(x, w, false, true) + bias, 0, 0));
  Tensor a3 = randn({3, 6, 9}), b3 = randn({3, 9, 4});
  Tensor c3 = matmul(a3, b3);
  for (int64_t i = 0; i < 3; ++i) CHECK(allclose(c3.select(0, i), mm(a3.select(0, i), b3.select(0, i)), 0, 0));
}

TEST_CASE("deterministic kernels: same bits in vector loops and one element at a time") {
  Guard on(true);
  manual_seed(3);
  // 1000 values cover every vector width and a scalar tail; each is compared with the op on a
  // one-element tensor (the tail path).
  Tensor x = randn({1000}, kFloat64) * 4.0;
  Tensor pos = abs(x) + 0.01;
  std::vector<std::pair<const char*, Tensor (*)(const Tensor&)>> ops = {
      {"exp", [](const Tensor& t) { return exp(t); }},        {"tanh", [](const Tensor& t) { return tanh(t); }},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }}, {"softplus", [](const Tensor& t) { return softplus(t); }},
      {"pow 1.7", [](const Tensor& t) { return pow(abs(t), 1.7); }}};
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (auto& [name, f] : ops) {
      Tensor in = x.to(dt), all = f(in);
      for (int64_t i = 0; i < 1000; i += 37)
        CHECK_MESSAGE(all[i].item() == f(in.slice(0, i, i + 1)).item(), std::string(name), " ",
                      std::string(dtype_name(dt)), " at ", i);
    }
    Tensor lp = pos.to(dt), all = log(lp);
    for (int64_t i = 0; i < 1000; i += 37) CHECK(all[i].item() == log(lp.slice(0, i, i + 1)).item());
  }
  // softmax and log_softmax rows match one row at a time, and the two modes agree closely
  Tensor s = randn({7, 300});
  Tensor sm = softmax(s, 1), lsm = log_softmax(s, 1);
  for (int64_t r = 0; r < 7; ++r) {
    CHECK(allclose(sm.select(0, r), softmax(s.select(0, r), 0), 0, 0));
    CHECK(allclose(lsm.select(0, r), log_softmax(s.select(0, r), 0), 0, 0));
  }
  set_deterministic(false);
  CHECK(allclose(sm, softmax(s, 1), 1e-6, 1e-7));
  CHECK(allclose(lsm, log_softmax(s, 1), 1e-6, 1e-6));
}

TEST_CASE("deterministic mode and the default agree to rounding on a training step") {
  manual_seed(1);
  Tensor x = randn({64, 30}), w = randn({20, 30}) * 0.2, b = zeros({20}), y = randint(0, 20, {64});
  auto loss_and_grad = [&](bool det) {
    Guard g(det);
    Tensor wl = w.detach().requires_grad_(), bl = b.detach().requires_grad_();
    Tensor loss = nn::functional::cross_entropy(tanh(linear(x, wl, bl)) * 3.0, y);
    loss.backward();
    return std::pair{loss.item(), wl.grad()};
  };
  auto [l0, g0] = loss_and_grad(false);
  auto [l1, g1] = loss_and_grad(true);
  CHECK(l1 == doctest::Approx(l0).epsilon(1e-6));
  CHECK(allclose(g1, g0, 1e-4, 1e-6));
  CHECK(!is_deterministic());
}

TEST_CASE("digits in deterministic mode trains to the committed checksum, run after run") {
  // XGRAD_BINARY_DIR's examples/digits: in scripts/test's portable build, the portable one.
  std::string args = "--quiet --deterministic --epochs 10 --plot '' --images ''";
  example_runner::Run a = example_runner::run("digits", args);
  example_runner::Run b = example_runner::run("digits", args);
  REQUIRE(a.status == 0);
  CHECK(a.values["weights_checksum"] == b.values["weights_checksum"]);
  CHECK(a.values["test_accuracy"] == b.values["test_accuracy"]);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  INFO("OPENBLAS_CORETYPE=", coretype ? coretype : "(unset)");
  CHECK(a.values["weights_checksum"] == kDigitsChecksum);
}

TEST_CASE("deterministic weight init and draws are the same numbers in both modes") {
  manual_seed(5);
  Tensor r0 = randn({1000}, kFloat64);
  set_deterministic(true);
  manual_seed(5);
  Tensor r1 = randn({1000}, kFloat64);
  set_deterministic(false);
  CHECK(fnv(r0) == fnv(r1));
  CHECK(std::abs(r0.mean().item()) < 0.1);
}
