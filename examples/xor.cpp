// Notebook 001's XOR: first the exact ReLU solution (wh = [[1, 1], [1, 1]], bh = [0, -1],
// wo = [1, -2], bo = 0), which maps the four inputs to exactly [0, 1, 1, 0]; then a 2-4-1 net
// (tanh hidden, sigmoid output, binary cross-entropy, Adam) trained from random init on XOR, OR
// and AND, reaching 4/4 on each.
#include <algorithm>
#include <cstdio>
#include <string>

#include "args.hpp"

using namespace xgrad;

namespace {

// Trains a fresh 2-4-1 net on the four rows of x with 0/1 targets y [4, 1]; returns its accuracy.
double train(const Tensor& x, const Tensor& y, const examples::Args& args, const std::string& name) {
  Device dev = args.device();
  nn::Sequential model(nn::Linear(2, 4), nn::Tanh(), nn::Linear(4, 1), nn::Sigmoid());
  model->to(dev);
  optim::Adam opt(model->parameters(), {.lr = args.real("lr")});
  int64_t epochs = args.integer("epochs");
  data::Progress progress(std::max<int64_t>(epochs, 1), 1,
                          {.quiet = args.quiet, .every = std::max<int64_t>(epochs / 5, 1)});
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

}  // namespace

int main(int argc, char** argv) {
  examples::Args args(argc, argv, {{"epochs", "1000"}, {"lr", "0.05"}});
  try {
    Device dev = args.device();
    Tensor x = tensor({{0, 0}, {0, 1}, {1, 0}, {1, 1}}).to(dev);

    // The exact solution: h = relu(x wh^T + bh), out = h wo^T + bo.
    Tensor wh = tensor({{1, 1}, {1, 1}}).to(dev), bh = tensor({0, -1}).to(dev);
    Tensor wo = tensor({{1, -2}}).to(dev), bo = tensor({0}).to(dev);
    Tensor out = matmul(relu(matmul(x, wh.t()) + bh), wo.t()) + bo;
    std::string exact;
    for (float v : out.reshape({-1}).to_vector<float>()) {
      if (!exact.empty()) exact += ",";
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", static_cast<double>(v));  // exact: no rounding
      exact += buf;
    }

    uint64_t seed = static_cast<uint64_t>(args.integer("seed"));
    struct Task {
      const char* name;
      Tensor y;
    };
    Task tasks[] = {{"xor", tensor({0, 1, 1, 0}).reshape({4, 1})},
                    {"or", tensor({0, 1, 1, 1}).reshape({4, 1})},
                    {"and", tensor({0, 0, 0, 1}).reshape({4, 1})}};
    double acc[3];
    for (int i = 0; i < 3; ++i) {
      manual_seed(seed);
      acc[i] = train(x, tasks[i].y.to(dev), args, tasks[i].name);
    }

    std::printf("exact_solution %s\n", exact.c_str());
    std::printf("xor_accuracy %g\n", acc[0]);
    std::printf("or_accuracy %g\n", acc[1]);
    std::printf("and_accuracy %g\n", acc[2]);
    std::printf("accuracy %g\n", std::min({acc[0], acc[1], acc[2]}));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xor: %s\n", e.what());
    return 1;
  }
}
