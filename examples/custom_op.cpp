// A user-defined op: Swish, x * sigmoid(x), written as an autograd::Function with its own
// backward, checked against finite differences (gradcheck, and gradgradcheck for the backward of
// its backward), then used as the hidden activation of a small network trained on make_moons.
#include <algorithm>
#include <cstdio>
#include <string>

#include "cli.hpp"

using namespace xgrad;

// d/dx x s(x) = s + x s (1 - s). backward is written with differentiable ops, so with
// create_graph it is recorded too and the op has second derivatives.
struct Swish : autograd::Function<Swish> {
  static constexpr const char* name = "Swish";
  static Tensor forward(autograd::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * sigmoid(x);
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    Tensor x = ctx.saved_tensors()[0];
    Tensor s = sigmoid(x);
    return {g[0] * (s + x * s * (1 - s))};
  }
};

// The op as a layer, so it fits in a Sequential.
struct SwishActImpl : nn::Module {
  SwishActImpl() : Module("Swish") {}
  Tensor forward(const Tensor& x) override { return Swish::apply(x); }
};
XGRAD_MODULE(SwishAct);

namespace {
void report(const char* what, const autograd::GradcheckResult& r) {
  if (r.ok)
    std::printf("%s passed\n", what);
  else
    std::printf("%s failed: %s\n", what, r.message.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 500, hidden = 16;
  double lr = 0.05;
  examples::Cli cli(
      "A custom op: Swish as an autograd::Function, gradcheck'd, then trained in a 2-H-H-1 net");
  cli.epochs(epochs, "full-batch Adam steps");
  cli.option("--lr", lr, "Adam's learning rate")->check(examples::positive);
  cli.option("--hidden", hidden, "units per hidden layer")->check(examples::at_least(1));
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    uint64_t seed = cli.common.seed;

    // Finite differences need float64.
    manual_seed(seed);
    Tensor probe = randn({3, 4}, TensorOptions(kFloat64).requires_grad(true));
    auto swish = [](const std::vector<Tensor>& in) { return Swish::apply(in[0]); };
    auto grad_result = autograd::gradcheck(swish, {probe});
    auto gradgrad_result = autograd::gradgradcheck(swish, {probe});

    // Swish inside a 2-H-1 net on noisy moons, Adam, full batch.
    auto moons = data::make_moons(200, 0.2, seed);
    auto [train, test] = data::train_test_split(moons, 0.2, seed);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(seed);
    nn::Sequential model(nn::Linear(2, hidden), SwishAct(), nn::Linear(hidden, hidden), SwishAct(),
                         nn::Linear(hidden, 1));
    model->to(dev);
    optim::Adam opt(model->parameters(), {.lr = lr});
    Tensor ytrain = train.y.to(kFloat32).reshape({-1, 1});
    plot::Progress progress(
        std::max<int64_t>(epochs, 1), 1,
        {.quiet = cli.common.quiet, .every = std::max<int64_t>(epochs / 10, 1)});
    double first = 0, last = 0;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      opt.zero_grad();
      Tensor loss = nn::functional::binary_cross_entropy_with_logits(model(train.x), ytrain);
      loss.backward();
      opt.step();
      last = loss.item();
      if (epoch == 0) first = last;
      progress.batch(last);
      progress.end_epoch();
    }
    progress.finish();

    NoGradGuard no_grad;
    // Logits: class 1 where the logit is positive.
    auto acc = [&](const data::TensorDataset& d) {
      return metrics::accuracy(sigmoid(model(d.x)), d.y);
    };
    report("gradcheck", grad_result);
    report("gradgradcheck", gradgrad_result);
    std::printf("initial_loss %.6f\n", first);
    std::printf("final_loss %.6f\n", last);
    std::printf("train_accuracy %.4f\n", acc(train));
    std::printf("accuracy %.4f\n", acc(test));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "custom_op: %s\n", e.what());
    return 1;
  }
}
