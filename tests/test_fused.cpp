// The fused ops (linear, softmax_cross_entropy) against the compositions they replace, their
// first and second derivatives by finite differences, their errors; the fused Adam kernel against
// the update written out with tensor ops.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <xgrad/xgrad.hpp>

#include "test_util.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace F = xgrad::nn::functional;

namespace {

double max_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  return abs(a.to(kFloat64) - b.to(kFloat64)).max().item();
}

Tensor leaf(const Shape& s, Dtype d = kFloat64) { return randn(s, d).requires_grad_(); }

Tensor composed_cross_entropy(const Tensor& x, const Tensor& t, bool mean) {
  Tensor picked = gather(log_softmax(x, 1), 1, t.unsqueeze(1));
  Tensor total = -picked.sum();
  return mean ? total / static_cast<double>(x.size(0)) : total;
}

}  // namespace

TEST_CASE("linear equals mm plus bias, forward and backward, with and without bias") {
  manual_seed(1);
  for (Dtype d : {kFloat32, kFloat64}) {
    for (bool with_bias : {true, false}) {
      Tensor x = leaf({5, 3}, d), w = leaf({4, 3}, d), b = with_bias ? leaf({4}, d) : Tensor();
      Tensor y = linear(x, w, b);
      Tensor x2 = x.detach().requires_grad_(), w2 = w.detach().requires_grad_();
      Tensor b2 = with_bias ? b.detach().requires_grad_() : Tensor();
      Tensor ref = mm(x2, w2, false, true);
      if (with_bias) ref = ref + b2;
      double tol = d == kFloat32 ? 1e-5 : 1e-12;
      CHECK(max_diff(y, ref) < tol);
      Tensor g = randn({5, 4}, d);
      (y * g).sum().backward();
      (ref * g).sum().backward();
      CHECK(max_diff(x.grad(), x2.grad()) < tol);
      CHECK(max_diff(w.grad(), w2.grad()) < tol);
      if (with_bias) CHECK(max_diff(b.grad(), b2.grad()) < tol);
    }
  }
}

TEST_CASE("linear passes gradcheck and gradgradcheck") {
  manual_seed(2);
  Tensor x = leaf({3, 4}), w = leaf({2, 4}), b = leaf({2});
  auto fn = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); };
  auto r = autograd::gradcheck(fn, {x, w, b});
  CHECK_MESSAGE(r.ok, r.message);
  auto rr = autograd::gradgradcheck(fn, {x, w, b});
  CHECK_MESSAGE(rr.ok, rr.message);
  auto no_bias = [](const std::vector<Tensor>& in) { return tanh(linear(in[0], in[1])); };
  auto r2 = autograd::gradgradcheck(no_bias, {x, w});
  CHECK_MESSAGE(r2.ok, r2.message);
}

TEST_CASE("linear: empty batches and zero input features") {
  Tensor w = ones({2, 3}), b = tensor({1.0, 2.0});
  CHECK(linear(zeros({0, 3}), w, b).shape() == Shape{0, 2});
  Tensor y = linear(zeros({2, 0}), zeros({2, 0}), b);  // nothing to sum: the bias alone
  CHECK(y.to_vector<double>() == std::vector<double>{1, 2, 1, 2});
}

TEST_CASE("linear rejects bad shapes, dtypes and devices with the op's name") {
  Tensor x = zeros({2, 3}), w = zeros({4, 3});
  CHECK(contains(error_of([&] { linear(x, zeros({4, 2})); }), "linear: expected input [N, in] and weight [out, in]"));
  CHECK(contains(error_of([&] { linear(x, w, zeros({3})); }), "linear: bias of shape [3]"));
  CHECK(contains(error_of([&] { linear(x, zeros({4, 3}, kFloat64)); }), "linear: dtypes differ"));
  CHECK(contains(error_of([&] { linear(zeros({2, 3}, kInt64), zeros({4, 3}, kInt64)); }),
                 "linear: expected a floating tensor"));
  CHECK(contains(error_of([&] { linear(x, w, zeros({4}, kFloat64)); }), "linear: dtypes differ"));
  CHECK(contains(error_of([&] { linear(x, Tensor()); }), "linear: got an undefined tensor"));
}

TEST_CASE("softmax_cross_entropy equals the composed loss, sum and mean, in both dtypes") {
  manual_seed(3);
  Tensor t = from_vector(std::vector<int64_t>{0, 3, 1, 1, 2, 3}, {6});
  for (Dtype d : {kFloat32, kFloat64}) {
    for (bool mean : {false, true}) {
      Tensor x = leaf({6, 4}, d);
      Tensor x2 = x.detach().requires_grad_();
      Tensor loss = softmax_cross_entropy(x, t, mean), ref = composed_cross_entropy(x2, t, mean);
      double tol = d == kFloat32 ? 1e-5 : 1e-12;
      CHECK(std::abs(loss.item() - ref.item()) < tol);
      (loss * 3.0).backward();
      (ref * 3.0).backward();
      CHECK(max_diff(x.grad(), x2.grad()) < tol);
    }
  }
}

TEST_CASE("nn::functional::cross_entropy takes the fused path and matches nll_loss(log_softmax)") {
  manual_seed(4);
  Tensor x = leaf({5, 3}), t = from_vector(std::vector<int64_t>{2, 0, 1, 2, 2}, {5});
  Tensor fused = F::cross_entropy(x, t);
  CHECK(std::string(fused.grad_fn()->name()) == "cross_entropy");
  Tensor ref = F::nll_loss(log_softmax(x, 1), t);
  CHECK(std::abs(fused.item() - ref.item()) < 1e-12);
  Tensor none = F::cross_entropy(x, t, nn::Reduction::none);  // per-sample losses: not fused
  CHECK(std::abs(none.sum().item() - F::cross_entropy(x, t, nn::Reduction::sum).item()) < 1e-12);
}

TEST_CASE("softmax_cross_entropy passes gradcheck and gradgradcheck") {
  manual_seed(5);
  Tensor x = leaf({4, 3}), t = from_vector(std::vector<int64_t>{2, 0, 1, 1}, {4});
  for (bool mean : {false, true}) {
    auto fn = [&](const std::vector<Tensor>& in) { return softmax_cross_entropy(in[0], t, mean); };
    auto r = autograd::gradcheck(fn, {x});
    CHECK_MESSAGE(r.ok, r.message);
    auto rr = autograd::gradgradcheck(fn, {x});
    CHECK_MESSAGE(rr.ok, rr.message);
  }
}

TEST_CASE("softmax_cross_entropy is stable at large logits and handles an empty batch") {
  Tensor x = tensor({{1000.0, 0.0}, {-1000.0, 1000.0}}).requires_grad_();
  Tensor loss = softmax_cross_entropy(x, from_vector(std::vector<int64_t>{0, 0}, {2}), false);
  CHECK(std::abs(loss.item() - 2000.0) < 1e-3);
  loss.backward();
  for (double g : x.grad().to_vector<double>()) CHECK(std::isfinite(g));
  Tensor empty = zeros({0, 3});
  Tensor no_rows = from_vector(std::vector<int64_t>{}, {0});
  CHECK(softmax_cross_entropy(empty, no_rows, false).item() == 0.0);
  CHECK(std::isnan(softmax_cross_entropy(empty, no_rows, true).item()));
}

TEST_CASE("softmax_cross_entropy rejects bad targets with the op's name") {
  Tensor x = zeros({3, 4});
  auto labels = [](std::vector<int64_t> v) {
    auto n = static_cast<int64_t>(v.size());
    return from_vector(v, {n});
  };
  CHECK(contains(error_of([&] { softmax_cross_entropy(x, labels({0, 1, 4}), true); }),
                 "cross_entropy: target class 4 is out of bounds for 4 classes [0, 4)"));
  CHECK(contains(error_of([&] { softmax_cross_entropy(x, labels({0, -1, 2}), true); }),
                 "target class -1 is out of bounds"));
  CHECK(contains(error_of([&] { softmax_cross_entropy(x, labels({0, 1}), true); }),
                 "cross_entropy: target shape [2] does not match input shape [3, 4]"));
  CHECK(contains(error_of([&] { softmax_cross_entropy(x, zeros({3}), true); }), "target must be int64"));
  CHECK(contains(error_of([&] { softmax_cross_entropy(zeros({3}), labels({0, 1, 2}), true); }),
                 "cross_entropy: expected logits [N, C]"));
}

TEST_CASE("the fused Adam step equals the update written with tensor ops") {
  manual_seed(6);
  struct Case {
    bool decoupled, amsgrad, maximize;
    double weight_decay;
  };
  for (Case c : {Case{false, false, false, 0.0}, Case{false, true, false, 0.1}, Case{false, false, true, 0.05},
                 Case{true, false, false, 0.2}, Case{true, true, true, 0.2}}) {
    Tensor p = randn({7, 3}, kFloat64).requires_grad_();
    Tensor q = p.detach().clone();  // the reference parameter
    Tensor m = zeros({7, 3}, kFloat64), v = zeros({7, 3}, kFloat64), vmax = zeros({7, 3}, kFloat64);
    const double lr = 0.01, b1 = 0.8, b2 = 0.9, eps = 1e-6;
    std::unique_ptr<optim::Optimizer> opt;
    if (c.decoupled)
      opt = std::make_unique<optim::AdamW>(
          std::vector<Tensor>{p},
          optim::AdamWOptions{.lr = lr, .betas = {b1, b2}, .eps = eps, .weight_decay = c.weight_decay,
                              .amsgrad = c.amsgrad, .maximize = c.maximize});
    else
      opt = std::make_unique<optim::Adam>(
          std::vector<Tensor>{p},
          optim::AdamOptions{.lr = lr, .betas = {b1, b2}, .eps = eps, .weight_decay = c.weight_decay,
                             .amsgrad = c.amsgrad, .maximize = c.maximize});
    for (int step = 1; step <= 4; ++step) {
      Tensor g = randn({7, 3}, kFloat64);
      p.set_grad(g);
      opt->step();
      NoGradGuard no_grad;
      Tensor d = c.maximize ? -g : g;
      if (c.decoupled) q.mul_(1 - lr * c.weight_decay);
      else if (c.weight_decay != 0) d = d + q * c.weight_decay;
      m.mul_(b1).add_(d, 1 - b1);
      v.mul_(b2).add_(d * d, 1 - b2);
      Tensor second = v;
      if (c.amsgrad) {
        vmax.copy_(maximum(vmax, v));
        second = vmax;
      }
      double bc1 = 1 - std::pow(b1, step), bc2 = std::sqrt(1 - std::pow(b2, step));
      q.add_(m / (sqrt(second) / bc2 + eps), -lr / bc1);
    }
    CHECK(max_diff(p, q) < 1e-13);
  }
}

TEST_CASE("set_grad rejects a gradient that does not match the tensor") {
  Tensor p = zeros({3}).requires_grad_();
  CHECK(contains(error_of([&] { p.set_grad(zeros({3}, kFloat64)); }),
                 "set_grad: the gradient [3] float64 on cpu does not match the tensor [3] float32 on cpu"));
  CHECK(contains(error_of([&] { p.set_grad(zeros({4})); }), "set_grad: the gradient [4]"));
  p.set_grad(ones({3}));
  CHECK(p.grad().sum().item() == 3.0);
  p.set_grad(Tensor());
  CHECK(!p.grad().defined());
}

TEST_CASE("products with an extent of 1 (matrix-vector, outer product) match a plain loop") {
  manual_seed(7);
  struct Dims {
    int64_t m, n, k;
  };
  for (Dtype d : {kFloat32, kFloat64}) {
    for (Dims s : {Dims{1, 5, 3}, Dims{4, 1, 3}, Dims{4, 5, 1}, Dims{1, 1, 3}, Dims{1, 5, 1}, Dims{4, 1, 1},
                   Dims{1, 1, 1}}) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          Tensor a = randn(ta ? Shape{s.k, s.m} : Shape{s.m, s.k}, d);
          Tensor b = randn(tb ? Shape{s.n, s.k} : Shape{s.k, s.n}, d);
          Tensor c = mm(a, b, ta, tb);
          auto av = a.to_vector<double>(), bv = b.to_vector<double>(), cv = c.to_vector<double>();
          double worst = 0;
          for (int64_t i = 0; i < s.m; ++i)
            for (int64_t j = 0; j < s.n; ++j) {
              double ref = 0;
              for (int64_t p = 0; p < s.k; ++p)
                ref += av[ta ? p * s.m + i : i * s.k + p] * bv[tb ? j * s.k + p : p * s.n + j];
              worst = std::max(worst, std::abs(ref - cv[i * s.n + j]));
            }
          CAPTURE(s.m);
          CAPTURE(s.n);
          CAPTURE(s.k);
          CAPTURE(ta);
          CAPTURE(tb);
          CHECK(worst < (d == kFloat32 ? 1e-5 : 1e-12));
        }
      }
      // beta = 1: the bias under a one-row or one-column linear
      Tensor x = randn({s.m, s.k}, d), w = randn({s.n, s.k}, d), bias = randn({s.n}, d);
      CHECK(max_diff(linear(x, w, bias), mm(x, w, false, true) + bias) < (d == kFloat32 ? 1e-5 : 1e-12));
    }
  }
}
