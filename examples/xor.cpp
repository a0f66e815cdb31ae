// Notebook 001's XOR: first the exact ReLU solution (wh = [[1, 1], [1, 1]], bh = [0, -1],
// wo = [1, -2], bo = 0), which maps the four inputs to exactly [0, 1, 1, 0]; and notebook 004's
// NAND perceptron (cell 2: weights -2, -2, bias 3, output 1 where w.x + b > 0), whose outputs are
// 1, 1, 1, 0. Then a 2-4-1 net (tanh hidden, sigmoid output, binary cross-entropy, Adam) trained
// from random init on XOR, OR, AND and NAND, reaching 4/4 on each.
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli.hpp"

using namespace xgrad;

namespace {

// Trains a fresh 2-4-1 net on the four rows of x with 0/1 targets y [4, 1]; returns its accuracy.
double train(const Tensor& x, const Tensor& y, Device dev, int64_t epochs, double lr, bool quiet,
             const std::string& name) {
  nn::Sequential model(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1), nn::Sigmoid());
  model->to(dev);
  optim::Adam opt(model->parameters(), {.lr = lr});
  plot::Progress progress(std::max<int64_t>(epochs, 1), 1,
                          {.quiet = quiet, .every = std::max<int64_t>(epochs / 5, 1)});
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    opt.zero_grad();
    Tensor out = model(x);
    Tensor loss = nn::functional::binary_cross_entropy(out, y);
    loss.backward();
    opt.step();
    progress.batch(loss.item());
    progress.end_epoch({{name + "_accuracy", metrics::accuracy(out, y)}});
  }
  progress.finish();
  NoGradGuard no_grad;
  return metrics::accuracy(model(x), y);
}

// "0,1,1,0": the four outputs, each printed exactly.
std::string joined(const Tensor& t) {
  std::string out;
  for (float v : t.reshape({-1}).cpu().to_vector<float>()) {
    if (!out.empty()) out += ",";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));  // exact: no rounding
    out += buf;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 1000;
  double lr = 0.05;
  examples::Cli cli(
      "Notebooks 001 and 004: XOR's exact ReLU solution, the NAND perceptron, and a 2-4-1 net "
      "trained on XOR, OR, AND and NAND");
  cli.epochs(epochs);
  cli.option("--lr", lr, "Adam's learning rate")->check(examples::positive);
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}}).to(dev);

    // The exact solution: h = relu(x wh^T + bh), out = h wo^T + bo.
    Tensor wh = tensor({{1, 1}, {1, 1}}).to(dev), bh = tensor({0, -1}).to(dev);
    Tensor wo = tensor({{1, -2}}).to(dev), bo = tensor({0}).to(dev);
    std::string exact = joined(matmul(relu(matmul(x, wh.t()) + bh), wo.t()) + bo);
    // The perceptron: step(w.x + b) with w = (-2, -2), b = 3.
    Tensor w = tensor({{-2, -2}}).to(dev);
    std::string nand = joined(gt(matmul(x, w.t()) + 3.0, 0.0));

    struct Task {
      const char* name;
      Tensor y;
    };
    Task tasks[] = {{"xor", tensor({0, 1, 1, 0}).reshape({4, 1})},
                    {"or", tensor({0, 1, 1, 1}).reshape({4, 1})},
                    {"and", tensor({0, 0, 0, 1}).reshape({4, 1})},
                    {"nand", tensor({1, 1, 1, 0}).reshape({4, 1})}};
    double acc[4];
    for (int i = 0; i < 4; ++i) {
      manual_seed(cli.common.seed);
      acc[i] = train(x, tasks[i].y.to(dev), dev, epochs, lr, cli.common.quiet, tasks[i].name);
    }

    std::printf("exact_solution %s\n", exact.c_str());
    std::printf("nand_perceptron %s\n", nand.c_str());
    for (int i = 0; i < 4; ++i) std::printf("%s_accuracy %g\n", tasks[i].name, acc[i]);
    std::printf("accuracy %g\n", *std::min_element(acc, acc + 4));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xor: %s\n", e.what());
    return 1;
  }
}
