// Notebook 003's MNIST-format classifier: 784-15-10 with ReLU hidden units, softmax
// cross-entropy on the logits, RMSprop (lr 1e-3), batches of 128, 10 epochs. By default it reads
// the IDX files of Debian's Fashion-MNIST (package dataset-fashion-mnist, in
// /usr/share/datasets/fashion-mnist); `--data DIR` reads any folder of MNIST-format files
// (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...). Pixels are scaled into
// [0, 1]. `--limit N` trains on the first N training images only (quick runs). `--augment`
// (notebook 004's data augmentation) moves each training batch through a seeded
// data::transforms pipeline first: a random shift of up to `--shift` pixels each way, then a
// horizontal flip with probability `--flip` (right for clothes; digits would want no flips).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "args.hpp"

using namespace xgrad;

int main(int argc, char** argv) {
  examples::Args args(argc, argv,
                      {{"epochs", "10"}, {"lr", "0.001"}, {"batch", "128"}, {"data", data::kFashionMnistDir},
                       {"limit", "0"}, {"plot", "mnist_curves.svg"}, {"save", "mnist_model.safetensors"},
                       {"shift", "2"}, {"flip", "0.5"}},
                      {"augment"});
  try {
    Device dev = args.device();
    data::MnistOptions format{.scale = true, .flatten = true};
    auto train = data::load_mnist(args.str("data"), true, format);
    auto test = data::load_mnist(args.str("data"), false, format);
    int64_t limit = args.integer("limit");
    if (limit > 0 && limit < train.size()) train = train.slice(0, limit);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(static_cast<uint64_t>(args.integer("seed")));

    nn::Sequential model(nn::Linear(784, 15), nn::ReLU(), nn::Linear(15, 10));
    model->to(dev);
    if (!args.quiet) model->summary({784});
    optim::RMSprop opt(model->parameters(), {.lr = args.real("lr")});
    // Draws from xgrad's generator (seeded by --seed, as the shuffling): a run repeats exactly.
    data::transforms::Compose augment({data::transforms::RandomShift{args.integer("shift")},
                                       data::transforms::RandomHorizontalFlip{args.real("flip")}});
    bool augmenting = args.flag("augment");

    int64_t epochs = args.integer("epochs");
    int64_t batch = args.integer("batch");
    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true});
    int64_t batches = (train.size() + batch - 1) / batch;
    data::Progress progress(std::max<int64_t>(epochs, 1), batches, {.quiet = args.quiet});
    plot::History history;
    auto start = std::chrono::steady_clock::now();
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      model->train();
      double loss_sum = 0;
      int64_t seen = 0;
      for (auto [x, y] : loader) {
        opt.zero_grad();
        if (augmenting) x = augment(x);
        Tensor loss = nn::functional::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
        double l = loss.item();
        progress.batch(l);
        loss_sum += l * static_cast<double>(x.size(0));
        seen += x.size(0);
      }
      NoGradGuard no_grad;
      model->eval();
      Tensor test_logits = model(test.x);
      double acc = metrics::accuracy(model(train.x), train.y);
      double val_acc = metrics::accuracy(test_logits, test.y);
      history.add("loss", loss_sum / static_cast<double>(std::max<int64_t>(seen, 1)));
      history.add("accuracy", acc);
      history.add("val_loss", nn::functional::cross_entropy(test_logits, test.y).item());
      history.add("val_accuracy", val_acc);
      progress.end_epoch({{"accuracy", acc}, {"val_accuracy", val_acc}});
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!args.str("plot").empty() && epochs > 0) plot::plot_loss_acc(args.str("plot"), history);
    if (!args.str("save").empty()) nn::save(model, args.str("save"));
    std::printf("augment %d\n", augmenting ? 1 : 0);
    std::printf("train_samples %lld\n", static_cast<long long>(train.size()));
    std::printf("train_seconds %.3f\n", seconds);
    std::printf("train_accuracy %.4f\n", metrics::accuracy(model(train.x), train.y));
    std::printf("test_accuracy %.4f\n", metrics::accuracy(model(test.x), test.y));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mnist_format: %s\n", e.what());
    return 1;
  }
}
