// Runs digits (its training log and export), digits_tanh, digits_grid and mnist_format's error path as a user would and checks the
// `key value` lines they print last (mnist_format's training runs are in test_fashion_mnist).
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include "example_runner.hpp"
#include "xgrad/xgrad.hpp"

namespace {
using example_runner::number;
using example_runner::out;
using example_runner::run;
using example_runner::Run;
}  // namespace

TEST_CASE("digits_tanh reproduces notebook 002: train >= 0.995, test >= 0.955 after 100 epochs") {
  // 100 epochs of per-sample SGD take about 3.5 s here.
  std::string svg = out("digits_tanh_test.svg");
  std::filesystem::remove(svg);
  Run r = run("digits_tanh", "--quiet --plot " + svg);
  CHECK(r.status == 0);
  // below the spread over seeds 0-9 x 5 OpenBLAS core types (scripts/spread, 2026-11-30)
  CHECK(number(r, "train_accuracy") >= 0.995);  // spread 0.9993-1
  CHECK(number(r, "test_accuracy") >= 0.955);   // spread 0.9667-0.9806
  CHECK(number(r, "train_seconds") > 0);
  CHECK(std::filesystem::file_size(svg) > 0);
}

TEST_CASE("digits_tanh --sklearn rebuilds notebook 002's MLPClassifier and prints its numbers") {
  // Cell 14: MLPClassifier(50, tanh, sgd, lr 0.001, momentum 0.9 without Nesterov, batches of 200,
  // its stopping rule, max_iter 1000) reached train .9993, test .9722.
  Run r = run("digits_tanh", "--quiet --plot '' --sklearn --deterministic");
  CHECK(r.status == 0);
  CHECK(r.values["train_accuracy"] == "0.9993");
  CHECK(r.values["test_accuracy"] == "0.9667");
  CHECK(number(r, "epochs_run") == 596);  // stopped by the rule, before max_iter
  CHECK(number(r, "reference_train_accuracy") == 0.9993);
  CHECK(number(r, "reference_test_accuracy") == 0.9722);
}

TEST_CASE("digits_grid reports every eta x lambda cell and marks diverged runs") {
  std::string svg = out("digits_grid_test.svg");
  std::filesystem::remove(svg);
  Run r = run("digits_grid", "--quiet --epochs 3 --plot " + svg);
  CHECK(r.status == 0);
  const char* labels[] = {"1e-05", "0.0001", "0.001", "0.01", "0.1", "1", "10"};
  int diverged = 0;
  for (const char* eta : labels) {
    for (const char* lambda : labels) {
      std::string cell = std::string("_eta_") + eta + "_lambda_" + lambda;
      std::string key = "test_accuracy" + cell, train_key = "train_accuracy" + cell;
      REQUIRE_MESSAGE(r.values.count(key), "missing output line: " << key);
      REQUIRE_MESSAGE(r.values.count(train_key), "missing output line: " << train_key);
      const std::string& v = r.values[key];
      if (v == "diverged") {
        ++diverged;
        CHECK(r.values[train_key] == "diverged");
      } else {
        double acc = std::stod(v), train = std::stod(r.values[train_key]);
        CHECK_MESSAGE((acc >= 0 && acc <= 1), key << " " << v);
        CHECK_MESSAGE((train >= 0 && train <= 1), train_key << " " << r.values[train_key]);
        // Every eta >= 0.1 ends at chance, as in the notebook's cell 18 (train 0.094-0.104).
        if (std::stod(eta) >= 0.1) CHECK_MESSAGE(train < 0.2, train_key << " " << train);
      }
    }
  }
  // eta = 10 with strong L2 blows up: reported as diverged, not as NaN accuracies.
  CHECK(r.values["test_accuracy_eta_10_lambda_10"] == "diverged");
  CHECK(diverged >= 1);
  CHECK(number(r, "diverged_runs") == diverged);
  for (auto& [k, v] : r.values) CHECK_MESSAGE(v.find("nan") == std::string::npos, k << " " << v);
  CHECK(r.values.count("best_eta") == 1);
  CHECK(r.values.count("best_lambda") == 1);
  CHECK(number(r, "best_test_accuracy") > 0.6);  // 3 epochs; spread 0.7111-0.875
  CHECK(std::filesystem::file_size(svg) > 0);
}

TEST_CASE("mnist_format given a folder without MNIST files says so and fails") {
  CHECK(run("mnist_format", "--quiet --epochs 1 --data /nonexistent --save ''").status != 0);
}

TEST_CASE("digits --logdir writes a CSV row and a TensorBoard event per epoch; --export a model load_model rebuilds") {
  namespace fs = std::filesystem;
  std::string logdir = out("digits_logs"), model_dir = out("digits_model");
  fs::remove_all(logdir);
  fs::remove_all(model_dir);
  Run r = run("digits", "--quiet --epochs 3 --plot '' --images '' --logdir " + logdir + " --export " + model_dir);
  REQUIRE(r.status == 0);
  std::ifstream csv(logdir + "/metrics.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(csv, line);) lines.push_back(line);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0] == "epoch,loss,accuracy,val_loss,val_accuracy");
  CHECK(lines[3].rfind("2,", 0) == 0);
  // the last epoch's training accuracy is what the program prints at the end
  CHECK(std::stod(lines[3].substr(lines[3].find(',', 2) + 1)) == doctest::Approx(number(r, "train_accuracy")).epsilon(1e-3));
  if (xgrad::logging::tensorboard_available()) {
    std::vector<std::string> events;
    for (auto& e : fs::directory_iterator(logdir))
      if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events.push_back(e.path().string());
    REQUIRE(events.size() == 1);
    CHECK(xgrad::logging::read_tfrecords(events[0]).size() == 4);  // file_version + 3 epochs
  }
  xgrad::nn::ModulePtr model = xgrad::nn::load_model(model_dir);
  std::ostringstream printed;
  printed << *model;
  CHECK(printed.str().find("(2): Linear(in_features=50, out_features=10, bias=True)") != std::string::npos);
}
