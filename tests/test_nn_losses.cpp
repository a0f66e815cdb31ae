// nn's losses: each against PyTorch's numbers (tests/reference/loss_reference.hpp, made by
// tests/reference/loss_reference.py), their errors, and the L1/L2 penalties.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>

#include "reference/loss_reference.hpp"
#include "xgrad/xgrad.hpp"
#include "test_util.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::check_close;
using test_util::error_of;
namespace F = xgrad::nn::functional;
namespace ref = loss_reference;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& s, bool requires_grad = false) {
  Tensor t = tensor(v, s, kFloat64);
  if (requires_grad) t.requires_grad_();
  return t;
}

Tensor labels(const std::vector<int64_t>& v, const Shape& s) {
  return from_vector(v, s, kInt64);
}

}  // namespace

// ---------------------------------------------------------------- losses against PyTorch

namespace {

constexpr double kRtol = 1e-12, kAtol = 1e-12;

// Runs `loss_fn(input)`, compares the loss and d(sum loss)/d(input) with PyTorch's.
void check_loss(const ref::Case& want, const std::vector<double>& input, const Shape& shape,
                const std::function<Tensor(const Tensor&)>& loss_fn, const std::string& name) {
  Tensor x = f64(input, shape, true);
  Tensor loss = loss_fn(x);
  check_close(loss.to_vector<double>(), want.loss, kRtol, kAtol, name + ": loss");
  loss.sum().backward();
  check_close(x.grad().to_vector<double>(), want.grad, 1e-10, 1e-12, name + ": gradient");
}

const ref::Case& pick(nn::Reduction r, const ref::Case& mean, const ref::Case& sum,
                      const ref::Case& none) {
  return r == nn::Reduction::mean ? mean : r == nn::Reduction::sum ? sum : none;
}

}  // namespace

TEST_CASE("losses match PyTorch for each reduction: value and gradient") {
  const Tensor target = f64(ref::target, {4, 3});
  const Tensor prob_target = f64(ref::prob_target, {8});
  const Tensor ce_labels = labels(ref::ce_labels, {5});
  const Tensor ce_weight = f64(ref::ce_weight, {4});
  const Tensor ce_probs = f64(ref::ce_probs, {5, 4});
  const Tensor logp = F::log_softmax(f64(ref::ce_logits, {5, 4}), 1);
  for (auto r : {nn::Reduction::mean, nn::Reduction::sum, nn::Reduction::none}) {
    const char* rn = r == nn::Reduction::mean ? "mean" : r == nn::Reduction::sum ? "sum" : "none";
    SUBCASE(rn) {}
    check_loss(
        pick(r, ref::mse_mean, ref::mse_sum, ref::mse_none), ref::pred, {4, 3},
        [&](const Tensor& x) { return F::mse_loss(x, target, r); }, std::string("mse ") + rn);
    check_loss(
        pick(r, ref::l1_mean, ref::l1_sum, ref::l1_none), ref::pred, {4, 3},
        [&](const Tensor& x) { return F::l1_loss(x, target, r); }, std::string("l1 ") + rn);
    check_loss(
        pick(r, ref::bce_mean, ref::bce_sum, ref::bce_none), ref::prob, {8},
        [&](const Tensor& x) { return F::binary_cross_entropy(x, prob_target, r); },
        std::string("bce ") + rn);
    check_loss(
        pick(r, ref::bce_logits_mean, ref::bce_logits_sum, ref::bce_logits_none), ref::logits, {8},
        [&](const Tensor& x) { return F::binary_cross_entropy_with_logits(x, prob_target, r); },
        std::string("bce_with_logits ") + rn);
    check_loss(
        pick(r, ref::cross_entropy_mean, ref::cross_entropy_sum, ref::cross_entropy_none),
        ref::ce_logits, {5, 4}, [&](const Tensor& x) { return F::cross_entropy(x, ce_labels, r); },
        std::string("cross_entropy ") + rn);
    check_loss(
        pick(r, ref::cross_entropy_weight_mean, ref::cross_entropy_weight_sum,
             ref::cross_entropy_weight_none),
        ref::ce_logits, {5, 4},
        [&](const Tensor& x) { return F::cross_entropy(x, ce_labels, r, ce_weight); },
        std::string("cross_entropy weight ") + rn);
    check_loss(
        pick(r, ref::cross_entropy_probs_mean, ref::cross_entropy_probs_sum,
             ref::cross_entropy_probs_none),
        ref::ce_logits, {5, 4}, [&](const Tensor& x) { return F::cross_entropy(x, ce_probs, r); },
        std::string("cross_entropy probabilities ") + rn);
    check_loss(
        pick(r, ref::nll_mean, ref::nll_sum, ref::nll_none), logp.to_vector<double>(), {5, 4},
        [&](const Tensor& x) { return F::nll_loss(x, ce_labels, r); }, std::string("nll ") + rn);
  }
}

TEST_CASE("weighted losses, pos_weight, 3-D and unbatched cross entropy match PyTorch") {
  const Tensor prob_target = f64(ref::prob_target, {8});
  const Tensor bce_weight = f64(ref::bce_weight, {8});
  const Tensor ce_labels = labels(ref::ce_labels, {5});
  const Tensor ce_weight = f64(ref::ce_weight, {4});
  check_loss(
      ref::bce_weight_mean, ref::prob, {8},
      [&](const Tensor& x) {
        return F::binary_cross_entropy(x, prob_target, nn::Reduction::mean, bce_weight);
      },
      "bce weight");
  check_loss(
      ref::bce_logits_weight_pos_weight_mean, ref::logits, {8},
      [&](const Tensor& x) {
        return F::binary_cross_entropy_with_logits(x, prob_target, nn::Reduction::mean, bce_weight,
                                                   scalar_tensor(ref::pos_weight, kFloat64));
      },
      "bce_with_logits weight pos_weight");
  check_loss(
      ref::cross_entropy_probs_weight_mean, ref::ce_logits, {5, 4},
      [&](const Tensor& x) {
        return F::cross_entropy(x, f64(ref::ce_probs, {5, 4}), nn::Reduction::mean, ce_weight);
      },
      "cross_entropy probabilities weight");
  const Tensor logp = F::log_softmax(f64(ref::ce_logits, {5, 4}), 1);
  check_loss(
      ref::nll_weight_mean, logp.to_vector<double>(), {5, 4},
      [&](const Tensor& x) { return F::nll_loss(x, ce_labels, nn::Reduction::mean, ce_weight); },
      "nll weight");
  check_loss(
      ref::cross_entropy_3d_mean, ref::ce3_logits, {2, 3, 2},
      [&](const Tensor& x) {
        return F::cross_entropy(x, labels(ref::ce3_labels, {2, 2}));
      },
      "cross_entropy [N, C, d]");
  check_loss(
      ref::cross_entropy_unbatched_none,
      std::vector<double>(ref::ce_logits.begin(), ref::ce_logits.begin() + 4), {4},
      [&](const Tensor& x) { return F::cross_entropy(x, labels({2}, {}), nn::Reduction::none); },
      "cross_entropy unbatched");
}

TEST_CASE("cross entropy in float32 stays finite for huge logits") {
  Tensor logits = tensor({{1e4, -1e4, 0.0}, {-5e3, 5e3, 4999.0}}).requires_grad_();
  Tensor loss = F::cross_entropy(logits, labels({0, 2}, {2}));
  CHECK(std::isfinite(loss.item()));
  CHECK(loss.item() == doctest::Approx(0.6566).epsilon(1e-3));  // (0 + 1.3133) / 2
  loss.backward();
  for (double g : logits.grad().to_vector<double>()) CHECK(std::isfinite(g));
}

TEST_CASE("losses reject mismatched shapes, dtypes and labels with clear errors") {
  Tensor x = zeros({4, 3});
  CHECK(contains(error_of([&] { F::mse_loss(x, zeros({4})); }),
                 "target shape [4] differs from input shape [4, 3]"));
  CHECK(contains(error_of([&] { F::l1_loss(x, zeros({4, 3}, kFloat64)); }), "dtype"));
  CHECK(contains(error_of([&] { F::cross_entropy(x, zeros({4})); }), "int64"));
  CHECK(contains(error_of([&] {
                   F::cross_entropy(x, labels({0, 1, 2, 3}, {4}));
                 }),
                 "target class 3 is out of bounds for 3 classes"));
  CHECK(contains(error_of([&] { F::cross_entropy(x, labels({0, 1}, {2})); }), "target shape [2]"));
  CHECK(contains(error_of([&] { F::binary_cross_entropy(full({2}, 1.5), zeros({2})); }),
                 "between 0 and 1"));
  CHECK(contains(error_of([&] {
                   F::nll_loss(x, labels({0, 1, 2, 0}, {4}), nn::Reduction::mean, ones({2}));
                 }),
                 "one entry per class"));
}

TEST_CASE("L1 and L2 penalties sum |p| and p^2 over every parameter") {
  Tensor a = tensor({1.0, -2.0}).requires_grad_();
  Tensor b = tensor({{0.5, -0.5}}).requires_grad_();
  CHECK(F::l1_penalty({a, b}).item() == doctest::Approx(4.0));
  Tensor l2 = F::l2_penalty({a, b});
  CHECK(l2.item() == doctest::Approx(5.5));
  l2.backward();
  CHECK(allclose(a.grad(), tensor({2.0, -4.0})));
}
