// Notebook 003's MNIST-format classifier, with Keras' defaults as the notebook ran it: 784-15-10
// with ReLU hidden units, layers as Keras' Dense (Glorot-uniform weights, zero biases), softmax
// cross-entropy on the logits, RMSprop as Keras' (lr 1e-3, rho 0.9, eps 1e-7), batches of 128,
// 10 epochs. `--images PREFIX` draws the notebook's two digit figures: the first 10 training
// images with their labels (PREFIX_train.svg) and the first 10 test images with the trained
// network's predictions (PREFIX_test.svg, "It's a 9"). By default it reads
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

#include "cli.hpp"

using namespace xgrad;

namespace {

// Captions name the classes: Fashion-MNIST's by name, any other MNIST-format set's by number.
std::string class_name(int64_t c, bool fashion) {
  static const char* const names[] = {"T-shirt", "trouser", "pullover", "dress", "coat",
                                      "sandal",  "shirt",   "sneaker",  "bag",   "boot"};
  return fashion && c >= 0 && c < 10 ? names[c] : std::to_string(c);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 10, batch = 128, limit = 0, shift = 2;
  double lr = 0.001, flip = 0.5;
  bool augmenting = false;
  std::string dir = data::kFashionMnistDir, plot = "mnist_curves.svg",
              save = "mnist_model.safetensors", images = "mnist_images";
  examples::Cli cli(
      "Notebook 003: a 784-15-10 ReLU network on MNIST-format images, Keras' RMSprop");
  cli.epochs(epochs);
  cli.option("--lr", lr, "RMSprop's learning rate")->check(examples::positive);
  cli.option("--batch", batch, "images per batch")->check(examples::at_least(1));
  cli.option("--data", dir, "folder of MNIST-format IDX files (default: Debian's Fashion-MNIST)");
  cli.option("--limit", limit, "train on the first N images only (0: all)")
      ->check(examples::at_least(0));
  cli.option("--plot", plot, "loss and accuracy curves (SVG; '' for none)");
  cli.option("--save", save, "write the trained model here (safetensors; '' for none)");
  cli.option("--images", images,
             "digit figures IMAGES_train.svg and IMAGES_test.svg ('' for none)");
  cli.flag("--augment", augmenting, "notebook 004's data augmentation: shift and flip each batch");
  cli.option("--shift", shift, "--augment: largest random shift, pixels each way")
      ->check(examples::at_least(0));
  cli.option("--flip", flip, "--augment: probability of a horizontal flip")
      ->check(examples::probability);
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    const bool fashion = dir == data::kFashionMnistDir;
    data::MnistOptions format{.scale = true, .flatten = true};
    auto train = data::load_mnist(dir, true, format);
    auto test = data::load_mnist(dir, false, format);
    if (limit > 0 && limit < train.size()) train = train.slice(0, limit);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(cli.common.seed);

    auto captions = [&](const Tensor& labels, const char* before) {
      std::vector<std::string> out;
      for (int64_t c : labels.cpu().to_vector<int64_t>())
        out.push_back(before + class_name(c, fashion));
      return out;
    };
    const int64_t shown = std::min<int64_t>(10, std::min(train.size(), test.size()));
    if (!images.empty())  // notebook 003's "Plot the first 10 digits"
      plot::image_grid(images + "_train.svg", train.x.slice(0, 0, shown),
                       captions(train.y.slice(0, 0, shown), ""),
                       {.title = "The first training images"});

    nn::LinearOptions keras_dense{.weight_init = nn::init::glorot_uniform(),
                                  .bias_init = nn::init::zeros()};
    nn::Sequential model(nn::Linear(784, 15, keras_dense), nn::ReLU(),
                         nn::Linear(15, 10, keras_dense));
    model->to(dev);
    if (!cli.common.quiet) model->summary({784});
    optim::RMSprop opt(model->parameters(), {.lr = lr, .alpha = 0.9, .eps = 1e-7});
    // Draws from xgrad's generator (seeded by --seed, as the shuffling): a run repeats exactly.
    data::transforms::Compose augment(
        {data::transforms::RandomShift{shift}, data::transforms::RandomHorizontalFlip{flip}});

    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true});
    int64_t batches = (train.size() + batch - 1) / batch;
    plot::Progress progress(std::max<int64_t>(epochs, 1), batches, {.quiet = cli.common.quiet});
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
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!plot.empty() && epochs > 0) plot::plot_loss_acc(plot, history);
    if (!save.empty()) nn::save(model, save);
    if (!images.empty()) {  // notebook 003's "Plot the first 10 test digits with associated
                            // predictions"
      Tensor x = test.x.slice(0, 0, shown);
      plot::image_grid(images + "_test.svg", x, captions(argmax(model(x), 1), "It's a "),
                       {.title = "The first test images and the network's predictions"});
    }
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
