// Notebook 003's overfitting lesson (after Chollet's Deep Learning with Python): IMDB reviews as
// 10,000-word multi-hot rows, a 16-16-1 ReLU/sigmoid net trained with RMSprop (Keras' defaults:
// lr 1e-3, rho 0.9), binary cross-entropy, batches of 512, 20 epochs, the first 10,000 (shuffled)
// training reviews held out for validation; then a smaller 8-8-1 net, then 8-8-1 with L2 0.001 on
// the hidden layers' weights, then the same with dropout 0.5 after each hidden layer. Layers start
// as Keras' Dense (Glorot-uniform weights, zero biases). Each model prints its summary(), draws
// the notebook's plot_loss_acc curves (PREFIX_NAME.svg) and reports its test accuracy.
//
// `--data DIR` reads the original review folders (DIR/{train,test}/{pos,neg}/*.txt, Maas et al.'s
// aclImdb): tokenize (lower case, letters and apostrophes), keep the `--words` most frequent
// training words, build multi-hot rows. Debian ships no IMDB data, so without --data the same four
// variants run on a Fashion-MNIST subset: `--subset` (2,000) training images, 10,000 validation
// images from the rest of the training file, the test file's images as test set, framed as a
// binary task (`--classes NEG,POS`): shirt (1) against T-shirt/top (0), a pair often confused.
// Dense pixels take more steps to memorize than IMDB's sparse words: the subset trains in batches
// of 64 (IMDB's ~30 steps an epoch) for 100 epochs, where the 16-16-1 net overfits (validation
// loss triples after epoch ~25) and the regularized 8-8-1 keeps the lowest validation loss.
// `--epochs` and `--batch`, when given, apply to either data set.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

struct Sets {
  data::TensorDataset train, val, test;  // x float32 [n, features], y float32 [n, 1] of 0/1
  std::string source, framing;
  int64_t batch = 512, epochs = 20;  // the notebook's
};

// Targets as the [n, 1] float column binary cross-entropy wants.
Tensor column(const std::vector<int64_t>& labels) {
  std::vector<float> v(labels.begin(), labels.end());
  return from_vector(v, Shape{static_cast<int64_t>(v.size()), 1});
}

Sets load_imdb(const std::string& dir, int64_t words, int64_t validation, bool quiet) {
  auto train_text = data::read_text_folders(dir + "/train");
  auto test_text = data::read_text_folders(dir + "/test");
  std::vector<std::vector<std::string>> train_tokens;
  train_tokens.reserve(train_text.texts.size());
  for (const auto& t : train_text.texts) train_tokens.push_back(data::tokenize(t));
  auto vocab = data::Vocabulary::build(train_tokens, words);
  if (!quiet)
    std::cout << "IMDB: " << train_text.texts.size() << " training and " << test_text.texts.size()
              << " test reviews, vocabulary of " << vocab.size() << " words\n";

  // The folders list negatives first: shuffle (seeded) before cutting off the validation part.
  const int64_t n = static_cast<int64_t>(train_tokens.size());
  if (validation < 1 || validation >= n)
    throw Error("--validation " + std::to_string(validation) +
                " must leave training reviews: the training folders hold " + std::to_string(n));
  std::vector<int64_t> order = randperm(n).to_vector<int64_t>();
  std::vector<std::vector<int64_t>> val_seq, train_seq;
  std::vector<int64_t> val_y, train_y;
  for (int64_t k = 0; k < n; ++k) {
    size_t i = static_cast<size_t>(order[k]);
    (k < validation ? val_seq : train_seq).push_back(vocab.encode(train_tokens[i]));
    (k < validation ? val_y : train_y).push_back(train_text.labels[i]);
    train_tokens[i].clear();  // the words are no longer needed: keep the peak memory down
  }
  std::vector<std::vector<int64_t>> test_seq;
  test_seq.reserve(test_text.texts.size());
  for (const auto& t : test_text.texts) test_seq.push_back(vocab.encode(data::tokenize(t)));

  const int64_t dim = vocab.size();
  Sets s;
  s.train = {data::multi_hot(train_seq, dim), column(train_y)};
  s.val = {data::multi_hot(val_seq, dim), column(val_y)};
  s.test = {data::multi_hot(test_seq, dim), column(test_text.labels)};
  s.source = "imdb";
  s.framing = "binary-positive-vs-negative-review";
  return s;
}

// Rows of `set` whose label is `negative` (-> 0) or `positive` (-> 1), the first `count` of them
// after skipping `skip` (count -1: all the rest).
data::TensorDataset pair_rows(const data::TensorDataset& set, int64_t negative, int64_t positive,
                              int64_t skip, int64_t count) {
  std::vector<int64_t> labels = set.y.to_vector<int64_t>(), rows, y;
  int64_t seen = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(labels.size()); ++i) {
    if (labels[i] != negative && labels[i] != positive) continue;
    if (seen++ < skip) continue;
    if (count >= 0 && static_cast<int64_t>(rows.size()) == count) break;
    rows.push_back(i);
    y.push_back(labels[i] == positive ? 1 : 0);
  }
  Tensor idx = from_vector(rows, Shape{static_cast<int64_t>(rows.size())});
  return {index_select(set.x, 0, idx), column(y)};
}

const char* const kFashionNames[] = {"tshirt", "trouser", "pullover", "dress", "coat",
                                     "sandal", "shirt",   "sneaker",  "bag",   "boot"};

// `classes`: "NEG,POS", two Fashion-MNIST labels (0 T-shirt/top ... 9 ankle boot).
Sets load_fashion_subset(const std::string& classes, int64_t subset, int64_t validation) {
  int64_t negative = -1, positive = -1;
  if (std::sscanf(classes.c_str(), "%ld,%ld", &negative, &positive) != 2 || negative < 0 ||
      negative > 9 || positive < 0 || positive > 9 || negative == positive)
    throw Error("--classes wants two different Fashion-MNIST labels 0..9 as NEG,POS, got '" +
                classes + "'");
  data::MnistOptions format{.scale = true, .flatten = true};
  auto train = data::load_mnist(data::kFashionMnistDir, true, format);
  auto test = data::load_mnist(data::kFashionMnistDir, false, format);
  Sets s;
  s.train = pair_rows(train, negative, positive, 0, subset);
  s.val = pair_rows(train, negative, positive, subset, validation);
  s.test = pair_rows(test, negative, positive, 0, -1);
  if (s.train.size() < subset || s.val.size() == 0)
    throw Error("the Fashion-MNIST training file holds too few images of classes " + classes +
                " for --subset " + std::to_string(subset) + " and --validation " +
                std::to_string(validation));
  s.source = "fashion-mnist-subset";
  s.framing = std::string("binary-") + kFashionNames[positive] + "-vs-" + kFashionNames[negative];
  return s;
}

struct Variant {
  std::string name;
  int64_t hidden;
  double l2 = 0;       // Keras' regularizers.l2: l2 * sum(W^2) of each hidden layer's kernel
  double dropout = 0;  // after each hidden layer
};

struct Result {
  plot::History history;
  double test_accuracy = 0;
  double min_val_loss = 0;
  int64_t best_val_epoch = 0;  // the epoch (from 1) of the lowest validation loss
};

struct Recipe {
  Device dev;
  uint64_t seed;
  double lr;
  bool quiet;
  std::string plots;
};

Result fit(const Variant& v, const Sets& sets, const Recipe& recipe) {
  Device dev = recipe.dev;
  manual_seed(recipe.seed);  // the same init stream per model
  const int64_t in = sets.train.x.size(1);
  nn::LinearOptions keras_dense{.weight_init = nn::init::glorot_uniform(),
                                .bias_init = nn::init::zeros()};
  nn::Sequential model(nn::Linear(in, v.hidden, keras_dense), nn::ReLU());
  if (v.dropout > 0) model->push_back(nn::Dropout(v.dropout));
  model->push_back(nn::Linear(v.hidden, v.hidden, keras_dense));
  model->push_back(nn::ReLU());
  if (v.dropout > 0) model->push_back(nn::Dropout(v.dropout));
  model->push_back(nn::Linear(v.hidden, 1, keras_dense));
  model->push_back(nn::Sigmoid());
  model->to(dev);
  if (!recipe.quiet) {
    std::cout << "\n" << v.name << "\n";
    model->summary({in});
  }

  std::vector<Tensor> regularized;  // the two hidden layers' weights, as in the notebook
  for (auto& [name, p] : model->named_parameters())
    if (name.find("weight") != std::string::npos && regularized.size() < 2)
      regularized.push_back(p);
  auto penalty = [&] { return v.l2 * nn::functional::l2_penalty(regularized); };

  optim::RMSprop opt(model->parameters(), {.lr = recipe.lr, .alpha = 0.9, .eps = 1e-7});
  const int64_t epochs = sets.epochs;
  data::DataLoader loader(sets.train, {.batch_size = sets.batch, .shuffle = true});
  plot::Progress progress(std::max<int64_t>(epochs, 1), loader.size(),
                          {.quiet = recipe.quiet, .every = std::max<int64_t>(epochs / 20, 1)});
  Result r;
  double best_val = 1e300;
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    model->train();
    double loss_sum = 0, correct = 0;
    for (auto [x, y] : loader) {
      opt.zero_grad();
      Tensor p = model(x);
      Tensor loss = nn::functional::binary_cross_entropy(p, y);
      if (v.l2 > 0) loss = loss + penalty();
      loss.backward();
      opt.step();
      double l = loss.item(), n = static_cast<double>(x.size(0));
      progress.batch(l);
      loss_sum += l * n;
      correct += metrics::accuracy(p, y) * n;
    }
    // Keras' history: the training numbers are running means over the epoch's batches (dropout
    // on); the validation numbers come after the epoch, in eval mode, penalty included.
    NoGradGuard no_grad;
    model->eval();
    Tensor pv = model(sets.val.x);
    double val_loss = nn::functional::binary_cross_entropy(pv, sets.val.y).item() +
                      (v.l2 > 0 ? penalty().item() : 0.0);
    double val_acc = metrics::accuracy(pv, sets.val.y);
    double n = static_cast<double>(sets.train.size());
    r.history.add("loss", loss_sum / n);
    r.history.add("accuracy", correct / n);
    r.history.add("val_loss", val_loss);
    r.history.add("val_accuracy", val_acc);
    if (val_loss < best_val) best_val = r.min_val_loss = val_loss, r.best_val_epoch = epoch + 1;
    progress.end_epoch(
        {{"accuracy", correct / n}, {"val_loss", val_loss}, {"val_accuracy", val_acc}});
  }
  progress.finish();

  NoGradGuard no_grad;
  model->eval();
  r.test_accuracy = metrics::accuracy(model(sets.test.x), sets.test.y);
  if (!recipe.plots.empty() && epochs > 0)
    plot::plot_loss_acc(recipe.plots + "_" + v.name + ".svg", r.history);
  return r;
}

double last(const plot::History& h, const std::string& key) {
  return h[key].empty() ? 0.0 : h[key].back();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t epochs = 20, batch = 512, words = 10000, validation = 10000, subset = 2000;
  double lr = 0.001;
  std::string classes = "0,6", dir, plots = "imdb";
  examples::Cli cli(
      "Notebook 003's overfitting lesson: 16-16-1 and 8-8-1 nets, L2 and dropout, on IMDB reviews");
  auto* epochs_option =
      cli.epochs(epochs, "passes (default: 20 on IMDB, 100 on the Fashion-MNIST stand-in)");
  auto* batch_option =
      cli.option("--batch", batch, "rows per batch (default: 512 on IMDB, 64 on the stand-in)")
          ->check(examples::at_least(1));
  cli.option("--lr", lr, "RMSprop's learning rate")->check(examples::positive);
  cli.option("--data", dir,
             "the aclImdb folder ({train,test}/{pos,neg}/*.txt); none: the stand-in");
  cli.option("--words", words, "IMDB: the most frequent training words kept")
      ->check(examples::at_least(1));
  cli.option("--validation", validation, "rows held out for validation")
      ->check(examples::at_least(1));
  cli.option("--subset", subset, "stand-in: training images")->check(examples::at_least(1));
  cli.option("--classes", classes, "stand-in: two Fashion-MNIST labels NEG,POS");
  cli.option("--plots", plots, "plot_loss_acc SVGs PLOTS_<model>.svg ('' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    manual_seed(cli.common.seed);  // the IMDB shuffle
    Sets sets;
    if (!dir.empty()) {
      sets = load_imdb(dir, words, validation, cli.common.quiet);
    } else {
      std::cout << "IMDB is not present (Debian ships no IMDB data; give the aclImdb folder with "
                   "--data DIR).\n";
      sets = load_fashion_subset(classes, subset, validation);
      sets.batch = 64;    // 2,000 / 64: 32 steps an epoch, as IMDB's 15,000 / 512
      sets.epochs = 100;  // enough steps for the 16-16-1 net to overfit the pixels
    }
    if (batch_option->count() > 0) sets.batch = batch;
    if (epochs_option->count() > 0) sets.epochs = epochs;
    if (dir.empty())
      std::cout << "Running the same four variants on a " << sets.train.size()
                << "-image Fashion-MNIST subset instead, framed as a binary task (" << sets.framing
                << "), in batches of " << sets.batch << " for " << sets.epochs << " epochs.\n";
    sets.train = sets.train.to(dev);
    sets.val = sets.val.to(dev);
    sets.test = sets.test.to(dev);

    std::vector<Variant> variants = {
        {"16-16-1", 16}, {"8-8-1", 8}, {"8-8-1-l2", 8, 0.001}, {"8-8-1-l2-dropout", 8, 0.001, 0.5}};
    std::vector<Result> results;
    Recipe recipe{dev, cli.common.seed, lr, cli.common.quiet, plots};
    for (const auto& v : variants) results.push_back(fit(v, sets, recipe));

    std::printf("data %s\n", sets.source.c_str());
    std::printf("framing %s\n", sets.framing.c_str());
    std::printf("batch %lld\n", static_cast<long long>(sets.batch));
    std::printf("epochs %lld\n", static_cast<long long>(sets.epochs));
    std::printf("features %lld\n", static_cast<long long>(sets.train.x.size(1)));
    std::printf("train_samples %lld\n", static_cast<long long>(sets.train.size()));
    std::printf("validation_samples %lld\n", static_cast<long long>(sets.val.size()));
    std::printf("test_samples %lld\n", static_cast<long long>(sets.test.size()));
    for (size_t i = 0; i < variants.size(); ++i) {
      const char* name = variants[i].name.c_str();
      const Result& r = results[i];
      std::printf("train_accuracy_%s %.4f\n", name, last(r.history, "accuracy"));
      std::printf("val_accuracy_%s %.4f\n", name, last(r.history, "val_accuracy"));
      std::printf("val_loss_%s %.4f\n", name, last(r.history, "val_loss"));
      std::printf("min_val_loss_%s %.4f\n", name, r.min_val_loss);
      std::printf("best_val_epoch_%s %lld\n", name, static_cast<long long>(r.best_val_epoch));
      std::printf("test_accuracy_%s %.4f\n", name, r.test_accuracy);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "imdb: %s\n", e.what());
    return 1;
  }
}
