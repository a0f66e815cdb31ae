// The activation functions of notebooks 000 and 004 (step, sigmoid, tanh, ReLU, leaky ReLU,
// softplus): the derivative xgrad's autograd computes equals the closed form at 101 points on
// [-5, 5], in float64 and float32.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

struct Case {
  std::string name;
  std::function<Tensor(const Tensor&)> f;
  std::function<double(double)> value, derivative;
};

std::vector<Case> cases() {
  const double slope = 0.1;
  return {
      // The step as examples/activations.cpp builds it: sign has a zero gradient.
      {"step", [](const Tensor& z) { return clamp(sign(z) + 1.0, 0.0, 1.0); },
       [](double z) { return z >= 0 ? 1.0 : 0.0; }, [](double) { return 0.0; }},
      {"sigmoid", [](const Tensor& z) { return sigmoid(z); }, logistic,
       [](double z) { return logistic(z) * (1 - logistic(z)); }},
      {"tanh", [](const Tensor& z) { return tanh(z); }, [](double z) { return std::tanh(z); },
       [](double z) { return 1 - std::tanh(z) * std::tanh(z); }},
      // Kinks at 0 take the left derivative, as PyTorch.
      {"relu", [](const Tensor& z) { return relu(z); }, [](double z) { return z > 0 ? z : 0.0; },
       [](double z) { return z > 0 ? 1.0 : 0.0; }},
      {"leaky_relu", [=](const Tensor& z) { return leaky_relu(z, slope); },
       [=](double z) { return z > 0 ? z : slope * z; },
       [=](double z) { return z > 0 ? 1.0 : slope; }},
      {"softplus", [](const Tensor& z) { return softplus(z); },
       [](double z) { return std::log1p(std::exp(z)); }, logistic},
  };
}

void check_against_closed_forms(Dtype dtype, double tolerance) {
  Tensor grid =
      (arange(0.0, 101.0, 1.0, kFloat64) * 2.0 - 100.0) * 5.0 / 100.0;  // as the example
  std::vector<double> zs = grid.to_vector<double>();
  REQUIRE(zs.size() == 101);
  REQUIRE(zs[50] == 0.0);  // the kinks are among the points
  REQUIRE(zs.front() == -5.0);
  REQUIRE(zs.back() == 5.0);
  for (const auto& c : cases()) {
    CAPTURE(c.name);
    Tensor z = grid.to(dtype).detach().requires_grad_();  // a fresh leaf: no gradient carried over
    Tensor a = c.f(z);
    a.sum().backward();
    REQUIRE(z.grad().defined());
    std::vector<double> values = a.detach().to_vector<double>(),
                        grads = z.grad().to_vector<double>();
    std::vector<double> points = z.detach().to_vector<double>();  // float32: the rounded points
    for (size_t i = 0; i < points.size(); ++i) {
      double zi = points[i];
      CAPTURE(zi);
      CHECK(values[i] == doctest::Approx(c.value(zi)).epsilon(tolerance).scale(1.0));
      CHECK(grads[i] == doctest::Approx(c.derivative(zi)).epsilon(tolerance).scale(1.0));
    }
  }
}

}  // namespace

TEST_CASE(
    "autograd derivatives of the six activations equal their closed forms at 101 points "
    "(float64)") {
  check_against_closed_forms(kFloat64, 1e-12);
}

TEST_CASE(
    "autograd derivatives of the six activations equal their closed forms at 101 points "
    "(float32)") {
  check_against_closed_forms(kFloat32, 1e-6);
}
