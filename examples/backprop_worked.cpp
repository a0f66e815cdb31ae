// Notebook 002's worked backpropagation example, by autograd: a 4-4-3-3 network with tanh hidden
// units, all weights and biases 0.1, x = [1, 0, 1, 0], y = [0, 1, 0], one SGD step of lr 0.1;
// first with a linear output and the loss 1/2 ||z3 - y||^2, then with softmax and cross-entropy.
#include <cstdio>
#include <iostream>

#include "cli.hpp"

using namespace xgrad;

namespace {
struct Net {
  std::vector<Tensor> w, b;
  explicit Net(Device d) {
    int units[] = {4, 4, 3, 3};
    for (int i = 0; i < 3; ++i) {
      w.push_back(
          full({units[i + 1], units[i]}, 0.1, TensorOptions{kFloat64, d}).requires_grad_());
      b.push_back(full({units[i + 1]}, 0.1, TensorOptions{kFloat64, d}).requires_grad_());
    }
  }
  Tensor forward(const Tensor& x) const {  // x: [1, 4]; W is [out, in] as in the notebook
    Tensor h = x;
    for (int i = 0; i < 3; ++i) {
      Tensor z = mm(h, w[i], false, true) + b[i];
      h = i < 2 ? tanh(z) : z;
    }
    return h;
  }
  void step(double lr) {
    NoGradGuard no_grad;
    for (int i = 0; i < 3; ++i) {
      w[i].add_(w[i].grad(), -lr);
      b[i].add_(b[i].grad(), -lr);
    }
  }
};

Tensor squared_error(const Tensor& z3, const Tensor& y) { return 0.5 * sum(pow(z3 - y, 2.0)); }
Tensor cross_entropy(const Tensor& z3, const Tensor& y) { return -sum(y * log_softmax(z3, 1)); }

void print(const char* key, double v) { std::printf("%s %.17g\n", key, v); }
}  // namespace

int main(int argc, char** argv) {
  examples::Cli cli(
      "Notebook 002's worked example: one SGD step of a 4-4-3-3 tanh network, by autograd");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    Tensor x = tensor({{1, 0, 1, 0}}, TensorOptions{kFloat64, dev});
    Tensor y = tensor({{0, 1, 0}}, TensorOptions{kFloat64, dev});

    Net net(dev);
    Tensor z3 = net.forward(x);
    Tensor loss = squared_error(z3, y);
    loss.backward();
    if (!cli.common.quiet)
      std::cout << "z3 = " << z3 << "\ngrad of W3 = " << net.w[2].grad() << "\n";
    net.step(0.1);
    double after = squared_error(net.forward(x), y).item();

    Net soft(dev);
    Tensor ce = cross_entropy(soft.forward(x), y);
    ce.backward();
    soft.step(0.1);
    double ce_after = cross_entropy(soft.forward(x), y).item();

    print("z3", z3.to_vector<double>()[0]);
    print("loss", loss.item());
    print("loss_after_step", after);
    print("softmax_loss", ce.item());
    print("softmax_loss_after_step", ce_after);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "backprop_worked: %s\n", e.what());
    return 1;
  }
}
