// Notebook 002's worked example: a 4-4-3-3 network, tanh hidden units and a linear output, all
// weights and biases 0.1, x = [1, 0, 1, 0], y = [0, 1, 0], loss = 1/2 ||z3 - y||^2, SGD lr 0.1.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {
struct Net {
  std::vector<Tensor> w, b;
  Net() {
    int units[] = {4, 4, 3, 3};
    for (int i = 0; i < 3; ++i) {
      w.push_back(full({units[i], units[i + 1]}, 0.1, kFloat64).requires_grad_());
      b.push_back(full({units[i + 1]}, 0.1, kFloat64).requires_grad_());
    }
  }
  // Returns the activations of every layer, the output last.
  std::vector<Tensor> forward(const Tensor& x) const {
    std::vector<Tensor> a{x};
    for (int i = 0; i < 3; ++i) {
      Tensor z = matmul(a.back(), w[i]) + b[i];
      a.push_back(i < 2 ? tanh(z) : z);
    }
    return a;
  }
};
Tensor loss_of(const Tensor& z3, const Tensor& y) { return 0.5 * ((z3 - y) * (z3 - y)).sum(); }
}  // namespace

TEST_CASE("notebook 002: forward, loss and one SGD step match to 1e-12") {
  Net net;
  Tensor x = tensor({{1, 0, 1, 0}}, kFloat64), y = tensor({{0, 1, 0}}, kFloat64);
  auto a = net.forward(x);
  for (double z : a.back().to_vector<double>()) CHECK(z == doctest::Approx(0.16396105963970836).epsilon(1e-12));
  Tensor loss = loss_of(a.back(), y);
  CHECK(loss.item() == doctest::Approx(0.37636378397755565).epsilon(1e-12));
  loss.backward();
  {
    NoGradGuard g;
    for (int i = 0; i < 3; ++i) {
      net.w[i].add_(net.w[i].grad(), -0.1);
      net.b[i].add_(net.b[i].grad(), -0.1);
    }
  }
  CHECK(loss_of(net.forward(x).back(), y).item() == doctest::Approx(0.2943432887589159).epsilon(1e-12));
}

TEST_CASE("notebook 002: gradients equal the hand-written chain rule") {
  Net net;
  Tensor x = tensor({{1, 0, 1, 0}}, kFloat64), y = tensor({{0, 1, 0}}, kFloat64);
  auto a = net.forward(x);
  loss_of(a.back(), y).backward();
  // delta3 = z3 - y; delta_l = (delta_{l+1} W_{l+1}^T) * (1 - a_l^2); dW_l = a_{l-1}^T delta_l
  NoGradGuard g;
  Tensor d3 = a[3] - y;
  Tensor d2 = mm(d3, net.w[2], false, true) * (1.0 - a[2] * a[2]);
  Tensor d1 = mm(d2, net.w[1], false, true) * (1.0 - a[1] * a[1]);
  CHECK(allclose(net.w[2].grad(), mm(a[2], d3, true, false), 0, 1e-15));
  CHECK(allclose(net.w[1].grad(), mm(a[1], d2, true, false), 0, 1e-15));
  CHECK(allclose(net.w[0].grad(), mm(a[0], d1, true, false), 0, 1e-15));
  CHECK(allclose(net.b[2].grad(), d3.reshape({3}), 0, 1e-15));
  CHECK(allclose(net.b[0].grad(), d1.reshape({4}), 0, 1e-15));
}
