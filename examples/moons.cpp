// Notebook 003's moons: make_moons(200, noise 0.4), a seeded 80/20 split, one tanh hidden layer
// of 1, 3, 5, 20 or 50 units with a sigmoid output, binary cross-entropy, full-batch SGD lr 1.0
// for 5000 epochs; then the 50-unit net again with an L1 penalty (0.001) on its weights and with
// Dropout (0.25) after its hidden layer. A decision-boundary SVG per model.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "args.hpp"

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

Result fit(const Variant& v, const data::TensorDataset& train, const data::TensorDataset& test,
           const examples::Args& args) {
  Device dev = args.device();
  manual_seed(static_cast<uint64_t>(args.integer("seed")));  // the same init stream per model
  nn::Sequential model(nn::Linear(2, v.hidden), nn::Tanh());
  if (v.dropout > 0) model->push_back(nn::Dropout(v.dropout));
  model->push_back(nn::Linear(v.hidden, 1));
  model->push_back(nn::Sigmoid());
  model->to(dev);

  std::vector<Tensor> weights;
  for (auto& [name, p] : model->named_parameters())
    if (name.find("weight") != std::string::npos) weights.push_back(p);

  optim::SGD opt(model->parameters(), {.lr = args.real("lr")});
  Tensor ytrain = train.y.to(kFloat32).reshape({-1, 1});
  int64_t epochs = args.integer("epochs");
  data::Progress progress(std::max<int64_t>(epochs, 1), 1,
                          {.quiet = args.quiet, .every = std::max<int64_t>(epochs / 5, 1)});
  double last = 0;
  model->train();
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    opt.zero_grad();
    Tensor out = model(train.x);
    Tensor loss = nn::functional::binary_cross_entropy(out, ytrain);
    if (v.l1 > 0) loss = loss + v.l1 * nn::functional::l1_penalty(weights);
    loss.backward();
    opt.step();
    last = loss.item();
    progress.batch(last);
    progress.end_epoch({{v.name + "_train_accuracy", metrics::accuracy(out, train.y)}});
  }
  progress.finish();

  NoGradGuard no_grad;
  model->eval();
  std::string prefix = args.str("plots");
  if (!prefix.empty()) {
    // The whole data set over the regions, as the notebook's figures.
    Tensor all_x = cat({train.x, test.x}, 0).cpu(), all_y = cat({train.y, test.y}, 0).cpu();
    plot::decision_boundary(
        prefix + "_" + v.name + ".svg", [&](const Tensor& g) { return model(g.to(dev)).cpu(); }, all_x,
        all_y,
        {.title = v.name + ": train " + fixed3(metrics::accuracy(model(train.x), train.y)) + ", test " +
                  fixed3(metrics::accuracy(model(test.x), test.y))});
  }
  return {metrics::accuracy(model(train.x), train.y), metrics::accuracy(model(test.x), test.y), last};
}

}  // namespace

int main(int argc, char** argv) {
  examples::Args args(argc, argv, {{"epochs", "5000"}, {"lr", "1.0"}, {"noise", "0.4"}, {"plots", "moons"}});
  try {
    Device dev = args.device();
    uint64_t seed = static_cast<uint64_t>(args.integer("seed"));
    // Data first: the seeded split reseeds the generator, and each model reseeds it again.
    auto moons = data::make_moons(200, args.real("noise"), seed);
    auto [train, test] = data::train_test_split(moons, 0.2, seed);
    train = train.to(dev);
    test = test.to(dev);

    std::vector<Variant> variants;
    for (int64_t h : {1, 3, 5, 20, 50}) {
      std::string name = "h";
      name += std::to_string(h);  // not "h" + ...: GCC 12's -Wrestrict false positive at -O3
      variants.push_back({name, h});
    }
    variants.push_back({"h50_l1", 50, 0.001, 0});
    variants.push_back({"h50_dropout", 50, 0, 0.25});

    std::vector<Result> results;
    for (auto& v : variants) results.push_back(fit(v, train, test, args));

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
