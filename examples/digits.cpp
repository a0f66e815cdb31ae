// Notebook 001's digits classifier: 64-50-10 with sigmoid hidden units, N(0, 1) weights and
// biases of 0.01, cross-entropy summed over each batch of 100 (14 batches a epoch from a fresh
// permutation), SGD lr 0.01 with L2 0.1 on the weights only, 100 epochs, on scikit-learn's
// train_test_split(test_size=0.2, random_state=42) of the 1797 8x8 digits.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "args.hpp"

using namespace xgrad;

int main(int argc, char** argv) {
  examples::Args args(argc, argv,
                      {{"epochs", "100"}, {"lr", "0.01"}, {"lambda", "0.1"}, {"plot", "digits_curves.svg"},
                       {"save", ""}, {"load", ""}});
  try {
    Device dev = args.device();
    auto digits = data::load_digits();
    auto [train, test] = data::digits_sklearn_split(digits);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(static_cast<uint64_t>(args.integer("seed")));

    nn::LinearOptions init{.weight_init = nn::init::normal(0, 1), .bias_init = nn::init::constant(0.01)};
    nn::Sequential model(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
    model->to(dev);
    if (!args.str("load").empty()) nn::load(model, args.str("load"));

    // L2 on the weights only: the biases form a group without weight decay.
    std::vector<Tensor> weights, biases;
    for (auto& [name, p] : model->named_parameters())
      (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
    double lr = args.real("lr");
    optim::SGD opt(weights, {.lr = lr, .weight_decay = args.real("lambda")});
    opt.add_param_group(biases, {.lr = lr});

    int64_t epochs = args.integer("epochs");
    data::DataLoader loader(train, {.batch_size = 100, .shuffle = true, .drop_last = true});
    data::Progress progress(std::max<int64_t>(epochs, 1), train.size() / 100, {.quiet = args.quiet, .every = 10});
    plot::History history;
    auto start = std::chrono::steady_clock::now();
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      model->train();
      double epoch_loss = 0;
      int64_t batches = 0;
      for (auto [x, y] : loader) {
        opt.zero_grad();
        Tensor loss = nn::functional::cross_entropy(model(x), y, nn::Reduction::sum);
        loss.backward();
        opt.step();
        double l = loss.item() / static_cast<double>(x.size(0));
        progress.batch(l);
        epoch_loss += l;
        ++batches;
      }
      NoGradGuard no_grad;
      model->eval();
      double acc = metrics::accuracy(model(train.x), train.y);
      history.add("loss", epoch_loss / static_cast<double>(batches));
      history.add("accuracy", acc);
      Tensor test_logits = model(test.x);  // one forward pass for both validation numbers
      history.add("val_loss", nn::functional::cross_entropy(test_logits, test.y).item());
      history.add("val_accuracy", metrics::accuracy(test_logits, test.y));
      progress.end_epoch({{"train_accuracy", acc}});
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!args.str("plot").empty() && epochs > 0) plot::plot_loss_acc(args.str("plot"), history);
    if (!args.str("save").empty()) nn::save(model, args.str("save"));
    std::printf("train_seconds %.3f\n", seconds);
    std::printf("train_accuracy %.4f\n", metrics::accuracy(model(train.x), train.y));
    std::printf("test_accuracy %.4f\n", metrics::accuracy(model(test.x), test.y));
    if (args.deterministic) std::printf("weights_checksum %s\n", examples::weights_checksum(model).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits: %s\n", e.what());
    return 1;
  }
}
