// Notebook 004's comparison of optimizers: the same 64-50-10 sigmoid net on the digits (pixels
// scaled to [0, 1], scikit-learn's split 42), from the same initial weights and the same batch
// order, trained with SGD, SGD with momentum 0.9, Nesterov momentum, Adam and RMSprop; the five
// training-loss curves in one SVG.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

struct Method {
  std::string name;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> make;
};

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 20, batch = 32;
  double lr = 0.1, alr = 0.001;
  std::string plot = "optimizers_loss.svg";
  examples::Cli cli(
      "Notebook 004: SGD, momentum, Nesterov, Adam and RMSprop on the digits from the same init");
  cli.epochs(epochs);
  cli.option("--batch", batch, "rows per batch")->check(examples::at_least(1));
  cli.option("--lr", lr, "learning rate of SGD, momentum and Nesterov")->check(examples::positive);
  cli.option("--adaptive-lr", alr, "learning rate of Adam and RMSprop")->check(examples::positive);
  cli.option("--plot", plot, "the five loss curves (SVG; '' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    uint64_t seed = cli.common.seed;
    auto digits = data::load_digits();
    digits.x = digits.x / 16.0;
    auto [train, test] = data::digits_sklearn_split(digits);
    train = train.to(dev);
    test = test.to(dev);

    std::vector<Method> methods = {
        {"sgd",
         [&](std::vector<Tensor> p) {
           return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = lr});
         }},
        {"momentum",
         [&](std::vector<Tensor> p) {
           return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = lr, .momentum = 0.9});
         }},
        {"nesterov",
         [&](std::vector<Tensor> p) {
           return std::make_unique<optim::SGD>(
               p, optim::SGDOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
         }},
        {"adam",
         [&](std::vector<Tensor> p) {
           return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = alr});
         }},
        {"rmsprop",
         [&](std::vector<Tensor> p) {
           return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions{.lr = alr});
         }},
    };

    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true});
    std::vector<plot::Series> curves;
    std::vector<double> initial(methods.size()), final_loss(methods.size()),
        test_acc(methods.size());
    for (size_t m = 0; m < methods.size(); ++m) {
      // The same seed: the same initial weights and the same shuffles for every optimizer.
      manual_seed(seed);
      nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10));
      model->to(dev);
      auto opt = methods[m].make(model->parameters());
      {
        NoGradGuard no_grad;
        initial[m] = nn::functional::cross_entropy(model(train.x), train.y).item();
      }
      plot::Series curve{.label = methods[m].name, .x = {0}, .y = {initial[m]}};
      plot::Progress progress(
          std::max<int64_t>(epochs, 1), loader.size(),
          {.quiet = cli.common.quiet, .every = std::max<int64_t>(epochs / 4, 1)});
      for (int64_t epoch = 0; epoch < epochs; ++epoch) {
        for (auto [x, y] : loader) {
          opt->zero_grad();
          Tensor loss = nn::functional::cross_entropy(model(x), y);
          loss.backward();
          opt->step();
          progress.batch(loss.item());
        }
        NoGradGuard no_grad;
        // The loss over the whole training set after each epoch, for comparable curves.
        double l = nn::functional::cross_entropy(model(train.x), train.y).item();
        curve.x.push_back(static_cast<double>(epoch + 1));
        curve.y.push_back(l);
        progress.end_epoch({{methods[m].name + "_train_loss", l}});
      }
      progress.finish();
      NoGradGuard no_grad;
      final_loss[m] = curve.y.back();
      test_acc[m] = metrics::accuracy(model(test.x), test.y);
      curves.push_back(std::move(curve));
    }

    if (!plot.empty() && epochs > 0)
      plot::line_plot(plot, curves,
                      {.title = "Digits 64-50-10: training loss by optimizer",
                       .xlabel = "epoch",
                       .ylabel = "cross-entropy",
                       .log_y = true});
    std::printf("initial_loss %.6f\n", initial[0]);
    for (size_t m = 0; m < methods.size(); ++m) {
      std::printf("final_loss_%s %.6f\n", methods[m].name.c_str(), final_loss[m]);
      std::printf("test_accuracy_%s %.4f\n", methods[m].name.c_str(), test_acc[m]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optimizers: %s\n", e.what());
    return 1;
  }
}
