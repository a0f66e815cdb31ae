// Notebook 003's moons: make_moons(200, noise 0.4), all 200 points trained on, one tanh hidden
// layer of 1, 3, 5, 20 or 50 units with a sigmoid output, layers as Keras' Dense (Glorot-uniform
// weights, zero biases), binary cross-entropy, full-batch SGD lr 1.0 for 5000 epochs; then the
// 50-unit net again with an L1 penalty (0.001) on its hidden layer's kernel and with Dropout
// (0.25) after its hidden layer. The notebook only draws the regions over the training points; to
// put a number on under- and overfitting, each model is also scored on a second draw of 200
// points from the same distribution (the generator's next numbers). A decision-boundary SVG per
// model.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

struct Variant {
  std::string name;  // h<N>, h50_l1, h50_dropout
  int64_t hidden;
  double l1 = 0;
  double dropout = 0;
};

struct Result {
  double train_accuracy, test_accuracy, loss;
};

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

struct Recipe {
  Device dev;
  uint64_t seed;
  int64_t epochs;
  double lr;
  bool quiet;
  std::string plots;
};

Result fit(const Variant& v, const data::TensorDataset& train, const data::TensorDataset& test,
           const Recipe& r) {
  manual_seed(r.seed);  // the same init stream per model
  nn::LinearOptions keras_dense{.weight_init = nn::init::glorot_uniform(),
                                .bias_init = nn::init::zeros()};
  nn::Linear hidden(2, v.hidden, keras_dense);
  nn::Sequential model(hidden, nn::Tanh());
  if (v.dropout > 0) model->push_back(nn::Dropout(v.dropout));
  model->push_back(nn::Linear(v.hidden, 1, keras_dense));
  model->push_back(nn::Sigmoid());
  model->to(r.dev);

  optim::SGD opt(model->parameters(), {.lr = r.lr});
  Tensor ytrain = train.y.to(kFloat32).reshape({-1, 1});
  const int64_t epochs = r.epochs;
  plot::Progress progress(std::max<int64_t>(epochs, 1), 1,
                          {.quiet = r.quiet, .every = std::max<int64_t>(epochs / 5, 1)});
  double last = 0;
  model->train();
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    opt.zero_grad();
    Tensor out = model(train.x);
    Tensor loss = nn::functional::binary_cross_entropy(out, ytrain);
    if (v.l1 > 0)
      loss = loss + v.l1 * nn::functional::l1_penalty({hidden->weight});  // Keras' l1(0.001)
    loss.backward();
    opt.step();
    last = loss.item();
    progress.batch(last);
    progress.end_epoch({{v.name + "_train_accuracy", metrics::accuracy(out, train.y)}});
  }
  progress.finish();

  NoGradGuard no_grad;
  model->eval();
  if (!r.plots.empty()) {
    // The training points over the regions, as the notebook's figures.
    plot::decision_boundary(
        r.plots + "_" + v.name + ".svg", [&](const Tensor& g) { return model(g.to(r.dev)).cpu(); },
        train.x.cpu(), train.y.cpu(),
        {.title = v.name + ": train " + fixed3(metrics::accuracy(model(train.x), train.y)) +
                  ", test " + fixed3(metrics::accuracy(model(test.x), test.y))});
  }
  return {metrics::accuracy(model(train.x), train.y), metrics::accuracy(model(test.x), test.y),
          last};
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 5000;
  double lr = 1.0, noise = 0.4;
  std::string plots = "moons";
  examples::Cli cli(
      "Notebook 003: under- and overfitting on make_moons(200, 0.4) with 1 to 50 tanh units, L1 "
      "and "
      "dropout");
  cli.epochs(epochs, "full-batch gradient steps");
  cli.option("--lr", lr, "SGD's learning rate")->check(examples::positive);
  cli.option("--noise", noise, "make_moons' noise (standard deviation)")
      ->check(examples::at_least(0));
  cli.option("--plots", plots, "decision-boundary SVGs PLOTS_<model>.svg ('' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    uint64_t seed = cli.common.seed;
    // The notebook's 200 points, then a second draw of 200 to score the models on.
    auto train = data::make_moons(200, noise, seed).to(dev);
    auto test = data::make_moons(200, noise).to(dev);

    std::vector<Variant> variants;
    for (int64_t h : {1, 3, 5, 20, 50}) {
      std::string name = "h";
      name += std::to_string(h);  // not "h" + ...: GCC 12's -Wrestrict false positive at -O3
      variants.push_back({name, h});
    }
    variants.push_back({"h50_l1", 50, 0.001, 0});
    variants.push_back({"h50_dropout", 50, 0, 0.25});

    std::vector<Result> results;
    Recipe recipe{dev, seed, epochs, lr, cli.common.quiet, plots};
    for (auto& v : variants) results.push_back(fit(v, train, test, recipe));

    for (size_t i = 0; i < variants.size(); ++i) {
      std::printf("final_loss_%s %.6f\n", variants[i].name.c_str(), results[i].loss);
      std::printf("train_accuracy_%s %.4f\n", variants[i].name.c_str(), results[i].train_accuracy);
      std::printf("test_accuracy_%s %.4f\n", variants[i].name.c_str(), results[i].test_accuracy);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "moons: %s\n", e.what());
    return 1;
  }
}
