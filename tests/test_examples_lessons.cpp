// Runs the examples of the later lessons (activations, imdb on its fixture, tabular) briefly, as a
// user would, and checks the `key value` lines they print last and the plots they write (the
// runs on Fashion-MNIST are in test_fashion_mnist).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "example_runner.hpp"

namespace {
using example_runner::is_svg;
using example_runner::number;
using example_runner::out;
using example_runner::run;
using example_runner::Run;
using example_runner::source;

const char* const kVariants[] = {"16-16-1", "8-8-1", "8-8-1-l2", "8-8-1-l2-dropout"};
}  // namespace

TEST_CASE("activations: autograd's derivatives match the closed forms and both figures are drawn") {
  std::string prefix = out("activations_test");
  Run r = run("activations", "--quiet --plots " + prefix);
  CHECK(r.status == 0);
  CHECK(number(r, "points") == 101);
  for (const char* name : {"step", "sigmoid", "tanh", "relu", "leaky_relu", "softplus",
                           "sigmoid_slope2", "sigmoid_slope0.5"}) {
    CAPTURE(name);
    CHECK(number(r, std::string("max_abs_error_") + name) < 1e-12);
  }
  CHECK(is_svg(prefix + "_functions.svg"));
  CHECK(is_svg(prefix + "_gradients.svg"));
  CHECK(is_svg(prefix + "_sigmoid.svg"));  // notebook 004's sigmoid at slopes 1, 2 and 0.5
  // Notebook 004, cells 10-11: array([0.21194156, 0.21194156, 0.57611688]) and
  // array([9.99948459e-01, 4.53975898e-05, 6.14389567e-06]).
  CHECK(r.values["softmax_0_0_1"] == "0.21194156,0.21194156,0.57611688");
  CHECK(r.values["softmax_10_0_-2"] == "0.99994846,4.539759e-05,6.1438957e-06");
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
  // Sentiment words shared by the training and test reviews are enough for the big net: over seeds
  // 0-9 x 5 OpenBLAS core types it fit the 6 reviews every time and got 3 or 4 of the 4 test ones.
  CHECK(number(r, "train_accuracy_16-16-1") == 1.0);
  CHECK(number(r, "test_accuracy_16-16-1") >= 0.5);
  Run d = run("imdb", "--quiet --data " + source("tests/fixtures/imdb") +
                          " --validation 2 --epochs 60 --lr 0.01 --plots '' --deterministic");
  CHECK(d.values["test_accuracy_16-16-1"] == "1.0000");
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
  CHECK(number(r, "train_auc") > 0.97);  // spread over seeds 0-9 x 5 core types: 0.9923-0.9983
  CHECK(number(r, "test_auc") > 0.95);   // spread 0.9835-0.9992
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
  CHECK(number(r, "train_auc") > 0.8);  // spread over seeds 0-9 x 5 core types: 0.9188-0.9607
  CHECK(number(r, "test_auc") > 0.55);  // 30 held-out rows: spread 0.6607-0.8839
}

TEST_CASE("tabular reads compounds.fp's layout: blank-separated, no header, found by itself") {
  // tabular.fp holds tabular.csv's rows without the header, a tab after the id, spaces elsewhere:
  // the run must be the same, bit for bit.
  const std::string options = "--quiet --epochs 100 --sweep 0.01 --plots '' --data ";
  Run csv = run("tabular", options + source("tests/fixtures/data/tabular.csv"));
  Run fp = run("tabular", options + source("tests/fixtures/data/tabular.fp"));
  Run told = run("tabular", options + source("tests/fixtures/data/tabular.fp") +
                                " --delimiter whitespace --no-header");
  CHECK(fp.status == 0);
  CHECK(told.status == 0);
  CHECK(number(fp, "rows") == 90);
  CHECK(number(fp, "features") == 12);
  for (const char* key : {"train_auc", "test_auc", "final_loss"}) {
    CAPTURE(key);
    CHECK(fp.values[key] == csv.values[key]);
    CHECK(told.values[key] == csv.values[key]);
  }
  // Told the wrong layout, it says which field it could not read.
  auto wrong = example_runner::output(
      "tabular", options + source("tests/fixtures/data/tabular.csv") + " --no-header");
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.text.find("'label' is not a number") != std::string::npos);
}

TEST_CASE("tabular's make_classification stand-in for bcsmall.csv overfits as notebook 004's did") {
  // 762 rows, 5,000 features, 5 informative: MLPClassifier() fits the training rows and learns
  // little that holds out (the notebook on bcsmall.csv: train AUC .9999, held out .520).
  Run r = run("tabular", "--quiet --data make-classification --sweep 0.001 --plots ''");
  CHECK(r.status == 0);
  CHECK(number(r, "rows") == 762);
  CHECK(number(r, "features") == 5000);
  CHECK(number(r, "train_auc") >= 0.99);  // spread over seeds 0-9 x 5 core types: 1-1
  CHECK(number(r, "test_auc") <= 0.8);    // spread 0.4427-0.5865
  CHECK(r.values.count("reference_test_auc") == 0);
}

TEST_CASE("the later lessons' examples reject unknown options") {
  for (const char* name : {"activations", "mnist_sklearn", "imdb", "tabular"}) {
    CAPTURE(name);
    CHECK(run(name, "--no-such-option").status != 0);
  }
}
