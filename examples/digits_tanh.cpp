// Notebook 002's digits classifier: 64-50-10 with tanh hidden units, every weight and bias drawn
// from 0.1 * N(0, 1), softmax cross-entropy per sample (not averaged), plain SGD with lr 0.001
// one sample at a time in data order (no shuffling), 100 epochs, on scikit-learn's
// train_test_split(test_size=0.2, random_state=42) of the 1797 8x8 digits (raw pixels 0..16).
// The notebook reached train accuracy 1.0 and test accuracy 0.9639.
//
// `--sklearn` is the notebook's comparison (cell 14) rebuilt instead: MLPClassifier(
// hidden_layer_sizes=50, activation='tanh', solver='sgd', learning_rate_init=0.001,
// nesterovs_momentum=False, max_iter=1000), that is momentum 0.9, batches of 200 from a fresh
// permutation each epoch, L2 alpha 1e-4 scaled as scikit-learn (alpha / 2 * sum W^2 / batch
// size, weights only), its Glorot-uniform init for tanh (weights and biases in
// +-sqrt(6 / (fan_in + fan_out))), and its stopping rule (the loss not lower by tol 1e-4 for 10
// epochs in a row). The reference numbers print beside xgrad's.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "cli.hpp"

using namespace xgrad;

namespace {

nn::Linear sklearn_linear(int64_t in, int64_t out) {
  double bound = std::sqrt(6.0 / static_cast<double>(in + out));
  return nn::Linear(in, out,
                    {.weight_init = nn::init::uniform(-bound, bound),
                     .bias_init = nn::init::uniform(-bound, bound)});
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 100, batch = 200, patience = 10;
  double lr = 0.001, momentum = 0.9, alpha = 1e-4, tol = 1e-4;
  bool sklearn = false;
  std::string plot = "digits_tanh_curves.svg";
  examples::Cli cli(
      "Notebook 002: a 64-50-10 tanh network on the digits, per-sample SGD (or --sklearn)");
  cli.epochs(epochs, "passes over the training set (--sklearn: at most, default 1000)");
  cli.option("--lr", lr, "learning rate")->check(examples::positive);
  cli.flag("--sklearn", sklearn, "the notebook's MLPClassifier comparison instead (cell 14)");
  cli.option("--momentum", momentum, "--sklearn: momentum")->check(examples::probability);
  cli.option("--batch", batch, "--sklearn: rows per batch")->check(examples::at_least(1));
  cli.option("--alpha", alpha, "--sklearn: L2 strength, scaled as scikit-learn")
      ->check(examples::at_least(0));
  cli.option("--tol", tol,
             "--sklearn: stop when the loss has not dropped by this (negative: never stop)");
  cli.option("--n-iter-no-change", patience, "--sklearn: ... for this many epochs")
      ->check(examples::at_least(1));
  cli.option("--plot", plot, "loss and accuracy curves (SVG; '' for none)");
  cli.parse(argc, argv);
  if (sklearn && cli.app.count("--epochs") == 0) epochs = 1000;  // its max_iter
  try {
    Device dev = cli.common.dev();
    auto digits = data::load_digits();
    auto [train, test] = data::digits_sklearn_split(digits);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(cli.common.seed);

    nn::LinearOptions init{.weight_init = nn::init::normal(0, 0.1),
                           .bias_init = nn::init::normal(0, 0.1)};
    nn::Sequential model =
        sklearn ? nn::Sequential(sklearn_linear(64, 50), nn::Tanh(), sklearn_linear(50, 10))
                : nn::Sequential(nn::Linear(64, 50, init), nn::Tanh(), nn::Linear(50, 10, init));
    model->to(dev);
    std::vector<Tensor> weights;  // scikit-learn's L2 term covers coefs_, not intercepts_
    for (auto& [name, p] : model->named_parameters())
      if (name.find("weight") != std::string::npos) weights.push_back(p);
    optim::SGD opt(model->parameters(), {.lr = lr, .momentum = sklearn ? momentum : 0.0});

    data::DataLoader loader(train,
                            sklearn ? data::DataLoaderOptions{.batch_size = batch, .shuffle = true}
                                    : data::DataLoaderOptions{.batch_size = 1, .shuffle = false});
    plot::Progress progress(std::max<int64_t>(epochs, 1), loader.size(),
                            {.quiet = cli.common.quiet, .every = 10});
    plot::History history;
    double best = INFINITY;
    int64_t stale = 0, epochs_run = 0;
    auto start = std::chrono::steady_clock::now();
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      model->train();
      double total_loss = 0;  // the notebook's curve: the loss summed over the epoch's samples
      for (auto [x, y] : loader) {
        opt.zero_grad();
        double n = static_cast<double>(x.size(0));
        Tensor loss = sklearn ? nn::functional::cross_entropy(model(x), y) +
                                    (0.5 * alpha / n) * nn::functional::l2_penalty(weights)
                              : nn::functional::cross_entropy(model(x), y, nn::Reduction::sum);
        loss.backward();
        opt.step();
        double l = loss.item();
        progress.batch(l);
        total_loss += sklearn ? l * n : l;
      }
      ++epochs_run;
      NoGradGuard no_grad;
      model->eval();
      double acc = metrics::accuracy(model(train.x), train.y);
      // scikit-learn's loss_curve_ is the mean over the epoch's samples
      double epoch_loss = sklearn ? total_loss / static_cast<double>(train.size()) : total_loss;
      history.add("loss", epoch_loss);
      history.add("accuracy", acc);
      Tensor test_logits = model(test.x);  // one forward pass for both validation numbers
      history.add(
          "val_loss",
          sklearn ? nn::functional::cross_entropy(test_logits, test.y).item()
                  : nn::functional::cross_entropy(test_logits, test.y, nn::Reduction::sum).item());
      history.add("val_accuracy", metrics::accuracy(test_logits, test.y));
      progress.end_epoch({{"train_accuracy", acc}});
      if (sklearn) {  // scikit-learn's stopping rule
        stale = epoch_loss > best - tol ? stale + 1 : 0;
        best = std::min(best, epoch_loss);
        if (tol >= 0 && stale > patience) break;
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!plot.empty() && epochs_run > 0) plot::plot_loss_acc(plot, history);
    if (epochs_run > 0) std::printf("final_epoch_loss %.4f\n", history["loss"].back());
    std::printf("epochs_run %lld\n", static_cast<long long>(epochs_run));
    std::printf("train_seconds %.3f\n", seconds);
    std::printf("train_accuracy %.4f\n", metrics::accuracy(model(train.x), train.y));
    std::printf("test_accuracy %.4f\n", metrics::accuracy(model(test.x), test.y));
    if (sklearn) {  // the notebook's MLPClassifier(random_state=1) on the same split
      std::printf("reference notebook-002-MLPClassifier\n");
      std::printf("reference_train_accuracy 0.9993\nreference_test_accuracy 0.9722\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits_tanh: %s\n", e.what());
    return 1;
  }
}
