// Runs the examples of the later lessons (activations, mnist_sklearn, imdb, tabular) briefly, as a
// user would, and checks the `key value` lines they print last and the plots they write.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "example_runner.hpp"

namespace {
using example_runner::number;
using example_runner::run;
using example_runner::Run;

std::string out(const std::string& file) { return std::string(XGRAD_BINARY_DIR) + "/" + file; }
std::string source(const std::string& rel) { return std::string(XGRAD_SOURCE_DIR) + "/" + rel; }

bool is_svg(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  return text.find("<svg") != std::string::npos && text.find("</svg>") != std::string::npos;
}

bool have_fashion_mnist() {
  if (std::filesystem::exists("/usr/share/datasets/fashion-mnist")) return true;
  MESSAGE(
      "skipped: /usr/share/datasets/fashion-mnist is absent (Debian package "
      "dataset-fashion-mnist)");
  return false;
}

const char* const kVariants[] = {"16-16-1", "8-8-1", "8-8-1-l2", "8-8-1-l2-dropout"};
}  // namespace

TEST_CASE("activations: autograd's derivatives match the closed forms and both figures are drawn") {
  std::string prefix = out("activations_test");
  Run r = run("activations", "--quiet --plots " + prefix);
  CHECK(r.status == 0);
  CHECK(number(r, "points") == 101);
  for (const char* name : {"step", "sigmoid", "tanh", "relu", "leaky_relu", "softplus"}) {
    CAPTURE(name);
    CHECK(number(r, std::string("max_abs_error_") + name) < 1e-12);
  }
  CHECK(is_svg(prefix + "_functions.svg"));
  CHECK(is_svg(prefix + "_gradients.svg"));
}

TEST_CASE("mnist_sklearn trains the MLPClassifier recipe and prints the reference beside it") {
  if (!have_fashion_mnist()) return;
  std::string svg = out("mnist_sklearn_test.svg");
  Run r = run("mnist_sklearn", "--quiet --epochs 1 --limit 3000 --plot " + svg);
  CHECK(r.status == 0);
  CHECK(number(r, "train_samples") == 3000);
  CHECK(number(r, "test_accuracy") > 0.6);
  CHECK(number(r, "reference_test_accuracy") == 0.8665);
  CHECK(is_svg(svg));
}

TEST_CASE("imdb runs the whole text pipeline on the hand-written aclImdb-layout fixture") {
  std::string prefix = out("imdb_fixture_test");
  Run r = run("imdb", "--quiet --data " + source("tests/fixtures/imdb") +
                          " --validation 2 --epochs 60 --lr 0.01 --plots " + prefix);
  CHECK(r.status == 0);
  CHECK(r.values["data"] == "imdb");
  CHECK(number(r, "batch") == 512);
  CHECK(number(r, "train_samples") == 6);
  CHECK(number(r, "validation_samples") == 2);
  CHECK(number(r, "test_samples") == 4);
  CHECK(number(r, "features") > 20);  // the fixture's vocabulary: fewer than 10,000 words
  CHECK(number(r, "features") < 10000);
  for (const char* name : kVariants) {
    CAPTURE(name);
    CHECK(number(r, std::string("test_accuracy_") + name) >= 0.0);
    CHECK(number(r, std::string("best_val_epoch_") + name) >= 1);
    CHECK(is_svg(prefix + "_" + name + ".svg"));
  }
  // Sentiment words shared by the training and test reviews are enough for the big net.
  CHECK(number(r, "test_accuracy_16-16-1") >= 0.75);
  CHECK(number(r, "train_accuracy_16-16-1") == 1.0);
}

TEST_CASE("imdb without --data says IMDB is absent and runs the variants on Fashion-MNIST") {
  if (!have_fashion_mnist()) return;
  Run r = run("imdb", "--quiet --epochs 2 --subset 300 --validation 300 --plots ''");
  CHECK(r.status == 0);
  CHECK(r.values["IMDB"] == "is");  // "IMDB is not present ..."
  CHECK(r.values["data"] == "fashion-mnist-subset");
  CHECK(r.values["framing"] == "binary-shirt-vs-tshirt");
  CHECK(number(r, "epochs") == 2);
  CHECK(number(r, "batch") == 64);  // the subset's default
  CHECK(number(r, "train_samples") == 300);
  CHECK(number(r, "test_samples") == 2000);  // the test file's shirts and T-shirts
  for (const char* name : kVariants) CHECK(number(r, std::string("test_accuracy_") + name) > 0.3);
}

TEST_CASE("imdb given a folder without the aclImdb layout says so and fails") {
  CHECK(run("imdb", "--quiet --data /nonexistent").status != 0);
  CHECK(run("imdb", "--quiet --data " + source("tests/fixtures/imdb") + " --validation 8").status !=
        0);
}

TEST_CASE(
    "tabular rebuilds MLPClassifier() on breast cancer: AUCs, loss curve, learning-rate sweep") {
  std::string prefix = out("tabular_test");
  Run r = run("tabular", "--quiet --epochs 30 --plots " + prefix);
  CHECK(r.status == 0);
  CHECK(number(r, "rows") == 569);
  CHECK(number(r, "standardized") == 1);
  CHECK(number(r, "train_samples") == 379);  // KFold(3): 190, 190, 189 held out
  CHECK(number(r, "test_samples") == 190);
  CHECK(number(r, "train_auc") > 0.97);
  CHECK(number(r, "test_auc") > 0.95);
  CHECK(number(r, "reference_test_auc") == 0.9939);
  for (const char* lr : {"0.0001", "0.001", "0.01", "0.1"}) {
    CAPTURE(lr);
    CHECK(number(r, std::string("sweep_epochs_lr") + lr) >= 1);
  }
  // The largest rate gets lowest fastest, the smallest one is still far from it.
  CHECK(number(r, "sweep_final_loss_lr0.1") < number(r, "sweep_final_loss_lr0.0001"));
  CHECK(is_svg(prefix + "_loss.svg"));
  CHECK(is_svg(prefix + "_lr_sweep.svg"));
}

TEST_CASE("tabular reads the notebook's CSV layout: text id column, 0/1 label, features") {
  Run r = run("tabular", "--quiet --epochs 100 --sweep 0.01 --plots '' --data " +
                             source("tests/fixtures/data/tabular.csv"));
  CHECK(r.status == 0);
  CHECK(number(r, "rows") == 90);
  CHECK(number(r, "features") == 12);
  CHECK(number(r, "standardized") == 0);
  CHECK(r.values.count("reference_test_auc") == 0);
  CHECK(number(r, "train_auc") > 0.8);
  CHECK(number(r, "test_auc") > 0.6);
}

TEST_CASE("the later lessons' examples reject unknown options") {
  for (const char* name : {"activations", "mnist_sklearn", "imdb", "tabular"}) {
    CAPTURE(name);
    CHECK(run(name, "--no-such-option").status != 0);
  }
}
