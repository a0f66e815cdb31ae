// Notebook 001's digits classifier: 64-50-10 with sigmoid hidden units, N(0, 1) weights and
// biases of 0.01, cross-entropy summed over each batch of 100 (14 batches a epoch from a fresh
// permutation), SGD lr 0.01 with L2 0.1 on the weights only, 100 epochs, on scikit-learn's
// train_test_split(test_size=0.2, random_state=42) of the 1797 8x8 digits. First it prints what
// the untrained network makes of training image 0 and its training accuracy (cells 16-17); last,
// the first test digits with their predictions (an image grid). `--batch 1437` (all training
// rows, or more) is the notebook's full-batch gradient descent (cells 14-15, with --lambda 0.01):
// one step an epoch on the summed loss, which the minibatches are there to fix.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "cli.hpp"

using namespace xgrad;

int main(int argc, char** argv) {
  int64_t epochs = 100, batch = 100;
  double lr = 0.01, lambda = 0.1;
  std::string plot = "digits_curves.svg", images = "digits_images.svg", save, load, logdir, export_dir;
  examples::Cli cli("Notebook 001: a 64-50-10 sigmoid network on the 8x8 digits, SGD with L2");
  cli.epochs(epochs);
  cli.option("--lr", lr, "learning rate eta (on the loss summed over a batch)")
      ->check(examples::positive);
  cli.option("--lambda", lambda, "L2 weight decay on the weights")->check(examples::at_least(0));
  cli.option("--batch", batch, "rows per batch; the training rows (1437) or more: full batch")
      ->check(examples::at_least(1));
  cli.option("--plot", plot, "loss and accuracy curves (SVG; '' for none)");
  cli.option("--images", images, "the first test digits and their predictions (SVG; '' for none)");
  cli.option("--save", save, "write the trained model to this safetensors file");
  cli.option("--load", load, "start from this safetensors checkpoint");
  cli.option("--logdir", logdir,
             "write per-epoch metrics to DIR/metrics.csv and a TensorBoard event file in DIR "
             "(tensorboard --logdir DIR)");
  cli.option("--export", export_dir,
             "write the trained model to DIR as model.json (architecture) and model.safetensors");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    auto digits = data::load_digits();
    auto [train, test] = data::digits_sklearn_split(digits);
    train = train.to(dev);
    test = test.to(dev);
    manual_seed(cli.common.seed);

    nn::LinearOptions init{.weight_init = nn::init::normal(0, 1),
                           .bias_init = nn::init::constant(0.01)};
    nn::Sequential model(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
    model->to(dev);
    if (!load.empty()) nn::load(model, load);
    {
      NoGradGuard no_grad;  // the network before training (cells 16 and 17)
      Tensor p = softmax(model(train.x), 1);
      std::string row;
      for (float v : p.select(0, 0).cpu().to_vector<float>()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.3e", row.empty() ? "" : ",", static_cast<double>(v));
        row += buf;
      }
      std::printf("initial_probabilities_image0 %s\n", row.c_str());
      std::printf("initial_prediction_image0 %lld\n",
                  static_cast<long long>(argmax(p.select(0, 0)).item()));
      std::printf("label_image0 %lld\n", static_cast<long long>(train.y.select(0, 0).item()));
      std::printf("initial_train_accuracy %.4f\n", metrics::accuracy(p, train.y));
    }

    // L2 on the weights only: the biases form a group without weight decay.
    std::vector<Tensor> weights, biases;
    for (auto& [name, p] : model->named_parameters())
      (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
    optim::SGD opt(weights, {.lr = lr, .weight_decay = lambda});
    opt.add_param_group(biases, {.lr = lr});

    batch = std::min(batch, train.size());
    data::DataLoader loader(train, {.batch_size = batch, .shuffle = true, .drop_last = true});
    plot::Progress progress(std::max<int64_t>(epochs, 1), train.size() / batch,
                            {.quiet = cli.common.quiet, .every = 10});
    plot::History history;
    std::optional<logging::TrainingLog> log;
    if (!logdir.empty()) log.emplace(logdir);
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
      if (log)
        log->log_epoch(epoch, {{"loss", history["loss"].back()},
                               {"accuracy", acc},
                               {"val_loss", history["val_loss"].back()},
                               {"val_accuracy", history["val_accuracy"].back()}});
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.finish();

    NoGradGuard no_grad;
    model->eval();
    if (!plot.empty() && epochs > 0) plot::plot_loss_acc(plot, history);
    if (!images.empty()) {
      const int64_t shown = std::min<int64_t>(10, test.size());
      Tensor x = test.x.slice(0, 0, shown);
      std::vector<int64_t> predicted = argmax(model(x), 1).cpu().to_vector<int64_t>();
      std::vector<int64_t> labels = test.y.slice(0, 0, shown).cpu().to_vector<int64_t>();
      std::vector<std::string> captions;
      for (int64_t i = 0; i < shown; ++i)
        captions.push_back("Label " + std::to_string(labels[i]) + ": it's a " +
                           std::to_string(predicted[i]));
      plot::image_grid(
          images, x.reshape({shown, 8, 8}), captions,
          {.title = "The first test digits and the network's predictions", .cell = 128});
    }
    if (!save.empty()) nn::save(model, save);
    if (!export_dir.empty()) nn::save_model(model, export_dir);
    std::printf("batch %lld\n", static_cast<long long>(batch));
    std::printf("train_seconds %.3f\n", seconds);
    std::printf("train_accuracy %.4f\n", metrics::accuracy(model(train.x), train.y));
    std::printf("test_accuracy %.4f\n", metrics::accuracy(model(test.x), test.y));
    if (cli.common.deterministic)
      std::printf("weights_checksum %s\n", examples::weights_checksum(model).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits: %s\n", e.what());
    return 1;
  }
}
