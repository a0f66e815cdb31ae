// Notebook 001's eta x lambda grid: the digits recipe of examples/digits.cpp (64-50-10 sigmoid,
// N(0, 1) weights, biases 0.01, SGD on batches of 100 with L2 on the weights only) trained once
// for each learning rate eta and L2 strength lambda in logspace(-5, 1, 7), every run from the same
// seeded initialization and batch order. Each cell's train and test accuracy are printed, as the
// notebook's cell 18 does. A run whose loss stops being finite is stopped and reported as
// `diverged` (a gray cell in the heat map) rather than as NaN accuracies.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

struct Result {
  bool diverged = false;
  double loss = 0;  // mean loss per sample over the last epoch
  double train_accuracy = 0, test_accuracy = 0;
};

Result train_one(const data::TensorDataset& train, const data::TensorDataset& test, Device dev,
                 uint64_t seed, int64_t epochs, double lr, double lambda) {
  manual_seed(seed);  // the same initial weights and batch order for every cell
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 1),
                         .bias_init = nn::init::constant(0.01)};
  nn::Sequential model(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
  model->to(dev);
  std::vector<Tensor> weights, biases;
  for (auto& [name, p] : model->named_parameters())
    (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
  optim::SGD opt(weights, {.lr = lr, .weight_decay = lambda});
  opt.add_param_group(biases, {.lr = lr});

  Result r;
  data::DataLoader loader(train, {.batch_size = 100, .shuffle = true, .drop_last = true});
  for (int64_t epoch = 0; epoch < epochs && !r.diverged; ++epoch) {
    model->train();
    double loss_sum = 0;
    int64_t seen = 0;
    for (auto [x, y] : loader) {
      opt.zero_grad();
      Tensor loss = nn::functional::cross_entropy(model(x), y, nn::Reduction::sum);
      double l = loss.item();
      if (!std::isfinite(l)) {
        r.diverged = true;
        break;
      }
      loss.backward();
      opt.step();
      loss_sum += l;
      seen += x.size(0);
    }
    r.loss = seen > 0 ? loss_sum / static_cast<double>(seen) : 0.0;
  }
  NoGradGuard no_grad;
  model->eval();
  if (!r.diverged) {
    // Parameters that overflowed without the loss noticing yet count as diverged too.
    for (auto& p : model->parameters())
      if (!std::isfinite(p.abs().sum().item())) r.diverged = true;
  }
  if (!r.diverged) {
    r.train_accuracy = metrics::accuracy(model(train.x), train.y);
    r.test_accuracy = metrics::accuracy(model(test.x), test.y);
  }
  return r;
}

std::string label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 100;
  std::string plot = "digits_grid.svg";
  examples::Cli cli(
      "Notebook 001's grid: the digits recipe for each eta and lambda in logspace(-5, 1, 7)");
  cli.epochs(epochs);
  cli.option("--plot", plot, "heat map of the test accuracies (SVG; '' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    auto digits = data::load_digits();
    auto [train, test] = data::digits_sklearn_split(digits);
    train = train.to(dev);
    test = test.to(dev);
    uint64_t seed = cli.common.seed;

    std::vector<double> grid;  // logspace(-5, 1, 7)
    for (int e = -5; e <= 1; ++e) grid.push_back(std::pow(10.0, e));
    std::vector<std::string> labels;
    for (double v : grid) labels.push_back(label(v));

    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<std::vector<Result>> results(grid.size(), std::vector<Result>(grid.size()));
    std::vector<std::vector<double>> test_acc(grid.size(), std::vector<double>(grid.size(), nan));
    plot::Progress progress(static_cast<int64_t>(grid.size() * grid.size()), 1,
                            {.quiet = cli.common.quiet, .every = 7});
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < grid.size(); ++i) {
      for (size_t j = 0; j < grid.size(); ++j) {
        Result r = train_one(train, test, dev, seed, epochs, grid[i], grid[j]);
        results[i][j] = r;
        if (!r.diverged) test_acc[i][j] = r.test_accuracy;
        progress.batch(r.diverged ? nan : r.loss);
        progress.end_epoch({{"eta", grid[i]},
                            {"lambda", grid[j]},
                            {"test_accuracy", r.diverged ? nan : r.test_accuracy}});
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    // The tables: one row per eta, one column per lambda, accuracy or "diverged".
    for (bool on_test : {false, true}) {
      std::printf("%s accuracy after %lld epochs (rows: eta, columns: lambda)\n",
                  on_test ? "test" : "train", static_cast<long long>(epochs));
      std::printf("%10s", "eta\\lambda");
      for (auto& l : labels) std::printf(" %9s", l.c_str());
      std::printf("\n");
      for (size_t i = 0; i < grid.size(); ++i) {
        std::printf("%10s", labels[i].c_str());
        for (size_t j = 0; j < grid.size(); ++j) {
          const Result& r = results[i][j];
          if (r.diverged)
            std::printf(" %9s", "diverged");
          else
            std::printf(" %9.4f", on_test ? r.test_accuracy : r.train_accuracy);
        }
        std::printf("\n");
      }
    }

    if (!plot.empty())
      plot::heatmap(plot, test_acc, labels, labels,
                    {.title = "digits: test accuracy after " + std::to_string(epochs) + " epochs",
                     .xlabel = "lambda (L2)",
                     .ylabel = "eta (learning rate)"});

    // key value lines: one per cell, then the best cell.
    size_t bi = 0, bj = 0;
    bool any = false;
    int diverged = 0;
    for (size_t i = 0; i < grid.size(); ++i) {
      for (size_t j = 0; j < grid.size(); ++j) {
        const Result& r = results[i][j];
        std::string cell = "_eta_" + labels[i] + "_lambda_" + labels[j];
        if (r.diverged) {
          ++diverged;
          std::printf("train_accuracy%s diverged\ntest_accuracy%s diverged\n", cell.c_str(),
                      cell.c_str());
        } else {
          std::printf("train_accuracy%s %.4f\ntest_accuracy%s %.4f\n", cell.c_str(),
                      r.train_accuracy, cell.c_str(), r.test_accuracy);
          if (!any || r.test_accuracy > results[bi][bj].test_accuracy) bi = i, bj = j, any = true;
        }
      }
    }
    std::printf("diverged_runs %d\n", diverged);
    std::printf("grid_seconds %.3f\n", seconds);
    if (any) {
      std::printf("best_eta %s\n", labels[bi].c_str());
      std::printf("best_lambda %s\n", labels[bj].c_str());
      std::printf("best_train_accuracy %.4f\n", results[bi][bj].train_accuracy);
      std::printf("best_test_accuracy %.4f\n", results[bi][bj].test_accuracy);
    } else {
      std::printf("best_test_accuracy diverged\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits_grid: %s\n", e.what());
    return 1;
  }
}
