// The notebooks' hand-written backpropagation against autograd. Notebook 002's worked example: a
// 4-4-3-3 network, tanh hidden units and a linear output, all weights and biases 0.1,
// x = [1, 0, 1, 0], y = [0, 1, 0], loss = 1/2 ||z3 - y||^2, SGD lr 0.1. Notebook 001's digits net:
// 64-50-10, sigmoid hidden units, softmax output, cross-entropy summed over the batch, L2 on the
// weights, whose gradients the notebook derives by hand (P - Y, a (1 - a)).
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
  for (double z : a.back().to_vector<double>())
    CHECK(z == doctest::Approx(0.16396105963970836).epsilon(1e-12));
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
  CHECK(loss_of(net.forward(x).back(), y).item() ==
        doctest::Approx(0.2943432887589159).epsilon(1e-12));
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

TEST_CASE("notebook 001: on the digits net, autograd's gradients equal P - Y and a (1 - a)") {
  // The notebook's backpropagation(): error_output = P - Y, error_hidden = error_output W2^T *
  // a1 (1 - a1), dW2 = a1^T error_output, dW1 = X^T error_hidden, biases the column sums; then
  // dW += lambda W. In float64 on 200 digits, biases 0.01 and N(0, 1) weights as the notebook's,
  // but 0.1 N(0, 1) in the first layer so that the hidden sigmoids are not all saturated.
  auto digits = data::load_digits();
  Tensor x = digits.x.slice(0, 0, 200).to(kFloat64);
  Tensor labels = digits.y.slice(0, 0, 200);
  Tensor y = data::one_hot(labels, 10).to(kFloat64);
  manual_seed(0);
  Tensor w1 = (randn({64, 50}, kFloat64) * 0.1).requires_grad_();
  Tensor w2 = randn({50, 10}, kFloat64).requires_grad_();
  Tensor b1 = full({50}, 0.01, kFloat64).requires_grad_();
  Tensor b2 = full({10}, 0.01, kFloat64).requires_grad_();
  const double lambda = 0.1, eta = 0.01;
  Tensor a1 = sigmoid(matmul(x, w1) + b1);
  Tensor z2 = matmul(a1, w2) + b2;
  Tensor loss = nn::functional::cross_entropy(z2, labels, nn::Reduction::sum) +
                0.5 * lambda * ((w1 * w1).sum() + (w2 * w2).sum());
  loss.backward();

  NoGradGuard no_grad;
  Tensor error_output = softmax(z2, 1) - y;
  Tensor error_hidden = mm(error_output, w2, false, true) * a1 * (1.0 - a1);
  Tensor dw2 = mm(a1, error_output, true, false) + lambda * w2;
  Tensor dw1 = mm(x, error_hidden, true, false) + lambda * w1;
  CHECK(error_hidden.abs().max().item() > 1e-3);  // the hidden layer is not saturated
  CHECK(allclose(w2.grad(), dw2, 1e-10, 1e-12));
  CHECK(allclose(b2.grad(), error_output.sum({0}), 1e-10, 1e-12));
  CHECK(allclose(w1.grad(), dw1, 1e-10, 1e-12));
  CHECK(allclose(b1.grad(), error_hidden.sum({0}), 1e-10, 1e-12));

  // examples/digits' optimizer: SGD with weight_decay on the weights, none on the biases, takes
  // the notebook's step W -= eta (dW + lambda W), b -= eta dB from the loss without the penalty.
  Tensor want_w1 = w1 - eta * dw1, want_w2 = w2 - eta * dw2;
  Tensor want_b1 = b1 - eta * error_hidden.sum({0}), want_b2 = b2 - eta * error_output.sum({0});
  optim::SGD sgd({w1, w2}, {.lr = eta, .weight_decay = lambda});
  sgd.add_param_group({b1, b2}, {.lr = eta});
  sgd.zero_grad();
  {
    EnableGradGuard grad_on;
    Tensor z = matmul(sigmoid(matmul(x, w1) + b1), w2) + b2;
    nn::functional::cross_entropy(z, labels, nn::Reduction::sum).backward();
  }
  sgd.step();
  CHECK(allclose(w1, want_w1, 1e-10, 1e-12));
  CHECK(allclose(w2, want_w2, 1e-10, 1e-12));
  CHECK(allclose(b1, want_b1, 1e-10, 1e-12));
  CHECK(allclose(b2, want_b2, 1e-10, 1e-12));
}
