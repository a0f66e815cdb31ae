// Notebook 000's scikit-learn recipe rebuilt in xgrad:
//   MLPClassifier(hidden_layer_sizes=(50,), max_iter=10, alpha=1e-4, solver='sgd',
//                 learning_rate_init=.1)  on  X / 255.
// That is 784-50-10 with ReLU hidden units and a softmax output (cross-entropy), scikit-learn's
// Glorot-uniform init (weights and biases in +-sqrt(6 / (fan_in + fan_out))), SGD lr 0.1 with
// Nesterov momentum 0.9, batches of 200 from a fresh permutation each epoch, 10 epochs, and
// scikit-learn's L2 term: alpha / 2 * (sum of squared weights, not biases) / batch size, added to
// each batch's loss. Debian's Fashion-MNIST by default; `--data DIR` reads MNIST-format files
// (the notebook used MNIST). Prints xgrad's accuracies and training time next to the reference.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

// scikit-learn's MLP init for ReLU networks: U(-b, b) with b = sqrt(6 / (fan_in + fan_out)) for
// the weights and the biases alike.
nn::Linear sklearn_linear(int64_t in, int64_t out) {
  double bound = std::sqrt(6.0 / static_cast<double>(in + out));
  return nn::Linear(in, out,
                    {.weight_init = nn::init::uniform(-bound, bound),
                     .bias_init = nn::init::uniform(-bound, bound)});
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 10, batch = 200, hidden = 50, limit = 0;
  double lr = 0.1, momentum = 0.9, alpha = 1e-4;
  std::string dir = data::kFashionMnistDir, plot = "mnist_sklearn_curves.svg";
  examples::Cli cli(
      "Notebook 000: scikit-learn's MLPClassifier recipe (784-50-10 ReLU, Nesterov SGD) in xgrad");
  cli.epochs(epochs);
  cli.option("--lr", lr, "learning rate")->check(examples::positive);
  cli.option("--momentum", momentum, "Nesterov momentum")->check(examples::probability);
  cli.option("--alpha", alpha, "L2 strength, scaled as scikit-learn")->check(examples::at_least(0));
  cli.option("--batch", batch, "images per batch")->check(examples::at_least(1));
  cli.option("--hidden", hidden, "hidden units")->check(examples::at_least(1));
  cli.option("--data", dir, "folder of MNIST-format IDX files (default: Debian's Fashion-MNIST)");
  cli.option("--limit", limit, "train on the first N images only (0: all)")
      ->check(examples::at_least(0));
  cli.option("--plot", plot, "loss and accuracy curves (SVG; '' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    data::MnistOptions format{.scale = true, .flatten = true};  // X / 255, as the notebook
    auto train = data::load_mnist(dir, true, format);
    auto test = data::load_mnist(dir, false, format);
    if (limit > 0 && limit < train.size()) train = train.slice(0, limit);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(cli.common.seed);

    nn::Sequential model(sklearn_linear(784, hidden), nn::ReLU(), sklearn_linear(hidden, 10));
    model->to(dev);
    if (!cli.common.quiet) model->summary({784});
    std::vector<Tensor> weights;  // scikit-learn's L2 term covers coefs_, not intercepts_
    for (auto& [name, p] : model->named_parameters())
      if (name.find("weight") != std::string::npos) weights.push_back(p);
    optim::SGD opt(model->parameters(), {.lr = lr, .momentum = momentum, .nesterov = true});

    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true});
    plot::Progress progress(std::max<int64_t>(epochs, 1), loader.size(),
                            {.quiet = cli.common.quiet});
    plot::History history;
    double seconds = 0;  // training only; the per-epoch evaluations are not timed
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      auto start = std::chrono::steady_clock::now();
      model->train();
      double loss_sum = 0;
      for (auto [x, y] : loader) {
        opt.zero_grad();
        double n = static_cast<double>(x.size(0));
        Tensor loss = nn::functional::cross_entropy(model(x), y) +
                      (0.5 * alpha / n) * nn::functional::l2_penalty(weights);
        loss.backward();
        opt.step();
        double l = loss.item();
        progress.batch(l);
        loss_sum += l * n;
      }
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      NoGradGuard no_grad;
      model->eval();
      Tensor test_logits = model(test.x);
      double acc = metrics::accuracy(model(train.x), train.y),
             val_acc = metrics::accuracy(test_logits, test.y);
      history.add("loss",
                  loss_sum / static_cast<double>(train.size()));  // scikit-learn's loss_curve_
      history.add("accuracy", acc);
      history.add("val_loss", nn::functional::cross_entropy(test_logits, test.y).item());
      history.add("val_accuracy", val_acc);
      progress.end_epoch({{"accuracy", acc}, {"test_accuracy", val_acc}});
    }
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!plot.empty() && epochs > 0) plot::plot_loss_acc(plot, history);
    bool fashion = dir == data::kFashionMnistDir;
    std::printf("train_samples %lld\n", static_cast<long long>(train.size()));
    std::printf("final_loss %.6f\n", history["loss"].empty() ? NAN : history["loss"].back());
    std::printf("train_seconds %.3f\n", seconds);
    std::printf("train_accuracy %.4f\n", metrics::accuracy(model(train.x), train.y));
    std::printf("test_accuracy %.4f\n", metrics::accuracy(model(test.x), test.y));
    if (fashion) {  // Debian's scikit-learn 1.2.1, the same recipe, on the development machine
      std::printf("reference scikit-learn-1.2.1-on-Fashion-MNIST\n");
      std::printf(
          "reference_train_accuracy 0.9032\nreference_test_accuracy "
          "0.8665\nreference_train_seconds 4.3\n");
    } else {  // the notebook's own run
      std::printf("reference notebook-000-on-MNIST\n");
      std::printf("reference_train_accuracy 0.9868\nreference_test_accuracy 0.9700\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_sklearn: %s\n", e.what());
    return 1;
  }
}
