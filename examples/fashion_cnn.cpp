// A small convolutional network on Fashion-MNIST: two blocks of conv 3x3 - batch norm - ReLU -
// max pool 2x2 (1 -> 16 -> 32 channels, 28x28 -> 14x14 -> 7x7), then one linear layer to the 10
// classes; Adam (lr 1e-3, annealed to 0 over the run on a cosine), batches of 64, 10 epochs,
// cross-entropy on the logits, each training batch mirrored left-right at random (p 0.5, seeded).
// Pixels are scaled into [0, 1] and standardized with the training set's mean and deviation. It
// reads the IDX files of Debian's Fashion-MNIST (package dataset-fashion-mnist); `--data DIR` reads
// any folder of MNIST-format files. `--limit N` trains on the first N images (quick runs). Prints
// each epoch's time and the accuracies, then `test_accuracy`.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "cli.hpp"

using namespace xgrad;

namespace {

// The network, as PyTorch would write it (each Conv2d with PyTorch's default init).
nn::Sequential make_model(int64_t c1, int64_t c2) {
  return nn::Sequential(nn::Conv2d(1, c1, 3, {.padding = 1}), nn::BatchNorm2d(c1), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Conv2d(c1, c2, 3, {.padding = 1}),
                        nn::BatchNorm2d(c2), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                        nn::Linear(c2 * 7 * 7, 10));
}

// Accuracy over a set in batches (a whole set at once would hold its im2col columns in memory).
double accuracy(nn::Sequential& model, const data::TensorDataset& set, int64_t batch) {
  NoGradGuard no_grad;
  model->eval();
  int64_t right = 0;
  for (int64_t i = 0; i < set.size(); i += batch) {
    auto part = set.slice(i, std::min(set.size(), i + batch));
    right +=
        static_cast<int64_t>(metrics::accuracy(model(part.x), part.y) * double(part.size()) + 0.5);
  }
  return double(right) / double(std::max<int64_t>(set.size(), 1));
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 10, batch = 64, limit = 0, channels1 = 16, channels2 = 32;
  double lr = 1e-3, flip = 0.5;
  std::string dir = data::kFashionMnistDir, schedule = "cosine";
  examples::Cli cli("A conv-bn-relu-pool x2 + linear network on Fashion-MNIST, Adam");
  cli.epochs(epochs);
  cli.option("--lr", lr, "Adam's learning rate")->check(examples::positive);
  cli.option("--batch", batch, "images per batch")->check(examples::at_least(1));
  cli.option("--channels1", channels1, "channels of the first convolution")
      ->check(examples::at_least(1));
  cli.option("--channels2", channels2, "channels of the second convolution")
      ->check(examples::at_least(1));
  cli.option("--flip", flip, "probability of mirroring a training image (0: no augmentation)")
      ->check(examples::probability);
  cli.option("--schedule", schedule,
             "the learning rate over epochs: cosine (annealed to 0) or constant")
      ->check(CLI::IsMember({"cosine", "constant"}));
  cli.option("--data", dir, "folder of MNIST-format IDX files (default: Debian's Fashion-MNIST)");
  cli.option("--limit", limit, "train on the first N images only (0: all)")
      ->check(examples::at_least(0));
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    auto train = data::load_mnist(dir, true, {.scale = true});
    auto test = data::load_mnist(dir, false, {.scale = true});
    if (limit > 0 && limit < train.size()) train = train.slice(0, limit);
    // [N, 1, 28, 28], standardized with the training images' statistics.
    double mean = train.x.mean().item(), stddev = xgrad::std(train.x).item();
    auto prepare = [&](data::TensorDataset& set) {
      set.x = ((set.x - mean) / stddev).reshape({set.size(), 1, 28, 28});
      set = set.to(dev);
    };
    prepare(train);
    prepare(test);
    manual_seed(cli.common.seed);

    nn::Sequential model = make_model(channels1, channels2);
    model->to(dev);
    if (!cli.common.quiet) model->summary({1, 28, 28});
    optim::Adam opt(model->parameters(), {.lr = lr});
    optim::CosineAnnealingLR cosine(opt, {.T_max = std::max<int64_t>(epochs, 1)});
    data::transforms::RandomHorizontalFlip mirror{flip};
    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true});
    int64_t batches = (train.size() + batch - 1) / batch;
    plot::Progress progress(std::max<int64_t>(epochs, 1), batches, {.quiet = cli.common.quiet});
    double train_seconds = 0;
    for (int64_t epoch = 0; epoch < epochs; ++epoch) {
      model->train();
      auto start = std::chrono::steady_clock::now();
      for (auto [x, y] : loader) {
        opt.zero_grad();
        if (flip > 0) x = mirror(x);
        Tensor loss = nn::functional::cross_entropy(model(x), y);
        loss.backward();
        opt.step();
        progress.batch(loss.item());
      }
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      train_seconds += seconds;
      if (schedule == "cosine") cosine.step();
      double test_acc = accuracy(model, test, 1000);
      progress.end_epoch({{"val_accuracy", test_acc}});
      std::printf("epoch %lld seconds %.2f test_accuracy %.4f\n", static_cast<long long>(epoch + 1),
                  seconds, test_acc);
      std::fflush(stdout);
    }
    progress.finish();
    std::printf("train_samples %lld\n", static_cast<long long>(train.size()));
    std::printf("train_seconds %.3f\n", train_seconds);
    std::printf("epoch_seconds %.3f\n", train_seconds / double(std::max<int64_t>(epochs, 1)));
    std::printf("test_accuracy %.4f\n", accuracy(model, test, 1000));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fashion_cnn: %s\n", e.what());
    return 1;
  }
}
