// Runs the smaller example programs (xor, moons, custom_op, optimizers) briefly, as a user would,
// and checks the `key value` lines they print last.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "example_runner.hpp"

namespace {
using example_runner::is_svg;
using example_runner::number;
using example_runner::run;
using example_runner::Run;
}  // namespace

// The thresholds below sit under the spread scripts/spread measured over seeds 0-9 and OpenBLAS
// core types auto, Haswell, SkylakeX, Zen and Prescott (2026-11-30).
TEST_CASE("xor prints the exact ReLU solution and NAND perceptron, and learns XOR, OR, AND, NAND") {
  // every accuracy was 1 in every one of the 50 runs of the spread
  for (int seed = 0; seed < 5; ++seed) {
    CAPTURE(seed);
    Run r = run("xor", "--quiet --seed " + std::to_string(seed));
    CHECK(r.status == 0);
    CHECK(r.values["exact_solution"] == "0,1,1,0");
    CHECK(r.values["nand_perceptron"] == "1,1,1,0");  // notebook 004, cell 2
    CHECK(number(r, "xor_accuracy") == 1.0);
    CHECK(number(r, "or_accuracy") == 1.0);
    CHECK(number(r, "and_accuracy") == 1.0);
    CHECK(number(r, "nand_accuracy") == 1.0);
    CHECK(number(r, "accuracy") == 1.0);
  }
}

TEST_CASE("moons trains every hidden size and variant and writes a boundary plot for each") {
  std::string prefix = std::string(XGRAD_BINARY_DIR) + "/moons_test";
  Run r = run("moons", "--quiet --epochs 300 --plots " + prefix);
  CHECK(r.status == 0);
  for (const char* name : {"h1", "h3", "h5", "h20", "h50", "h50_l1", "h50_dropout"}) {
    CAPTURE(name);
    double train = number(r, std::string("train_accuracy_") + name);
    double test = number(r, std::string("test_accuracy_") + name);
    CHECK(std::isfinite(number(r, std::string("final_loss_") + name)));
    CHECK(train >= 0.7);  // noisy moons: a line alone gets ~0.8; spread 0.8125-0.925
    CHECK(train <= 1.0);
    CHECK(test >= 0.6);  // 40 held-out points: spread 0.7-0.925
    CHECK(test <= 1.0);
    CHECK(is_svg(prefix + "_" + name + ".svg"));
  }
}

TEST_CASE("custom_op's Swish passes gradcheck and gradgradcheck and trains a network") {
  Run r = run("custom_op", "--quiet --epochs 200");
  CHECK(r.status == 0);
  CHECK(r.values["gradcheck"] == "passed");
  CHECK(r.values["gradgradcheck"] == "passed");
  CHECK(number(r, "final_loss") < number(r, "initial_loss"));
  CHECK(number(r, "train_accuracy") >= 0.85);  // spread 0.9688-0.9938
  CHECK(number(r, "accuracy") >= 0.8);         // spread 0.9-1
}

TEST_CASE("optimizers compares five optimizers from the same init and plots their curves") {
  std::string svg = std::string(XGRAD_BINARY_DIR) + "/optimizers_test.svg";
  Run r = run("optimizers", "--quiet --epochs 2 --plot " + svg);
  CHECK(r.status == 0);
  double initial = number(r, "initial_loss");
  CHECK(std::isfinite(initial));
  for (const char* name : {"sgd", "momentum", "nesterov", "adam", "rmsprop"}) {
    CAPTURE(name);
    CHECK(std::isfinite(number(r, std::string("final_loss_") + name)));
    CHECK(number(r, std::string("final_loss_") + name) < initial);
  }
  CHECK(number(r, "final_loss_adam") < initial);
  CHECK(is_svg(svg));
}

TEST_CASE("the small examples reject unknown options") {
  for (const char* name : {"xor", "moons", "custom_op", "optimizers"}) {
    CAPTURE(name);
    CHECK(run(name, "--no-such-option").status != 0);
  }
}
