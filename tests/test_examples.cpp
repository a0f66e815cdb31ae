// Runs the example programs as a user would and checks the `key value` lines they print last.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

namespace {
struct Run {
  int status = -1;
  std::map<std::string, std::string> values;
};

Run run(const std::string& name, const std::string& arguments) {
  std::string cmd = std::string(XGRAD_BINARY_DIR) + "/examples/" + name + " " + arguments + " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream s(line);
    std::string k, v;
    if (s >> k >> v) r.values[k] = v;
  }
  r.status = pclose(p);
  return r;
}

double number(const Run& r, const std::string& key) {
  auto it = r.values.find(key);
  REQUIRE_MESSAGE(it != r.values.end(), "missing output line: " << key);
  return std::stod(it->second);
}
}  // namespace

TEST_CASE("backprop_worked prints notebook 002's numbers to 17 digits") {
  Run r = run("backprop_worked", "--quiet");
  CHECK(r.status == 0);
  CHECK(r.values["z3"] == "0.16396105963970836");
  CHECK(r.values["loss"] == "0.37636378397755565");
  CHECK(number(r, "loss_after_step") == doctest::Approx(0.2943432887589159).epsilon(1e-15));
  CHECK(number(r, "softmax_loss") == doctest::Approx(1.0986122886681098).epsilon(1e-15));  // log 3
}

TEST_CASE("digits trains notebook 001's recipe to >= 0.97 test accuracy") {
  Run r = run("digits", "--quiet --plot " + std::string(XGRAD_BINARY_DIR) + "/digits_test.svg");
  CHECK(r.status == 0);
  CHECK(number(r, "test_accuracy") >= 0.97);
  CHECK(number(r, "train_accuracy") >= 0.99);
}

TEST_CASE("digits saves a checkpoint that a later run loads") {
  std::string ckpt = std::string(XGRAD_BINARY_DIR) + "/digits_test.safetensors";
  Run a = run("digits", "--quiet --epochs 20 --plot '' --save " + ckpt);
  REQUIRE(a.status == 0);
  Run b = run("digits", "--quiet --epochs 0 --plot '' --load " + ckpt);
  CHECK(b.status == 0);
  CHECK(b.values["test_accuracy"] == a.values["test_accuracy"]);
}

TEST_CASE("an example given a bad option says so and fails") {
  CHECK(run("digits", "--no-such-option").status != 0);
  CHECK(run("digits", "--quiet --load /nonexistent.safetensors").status != 0);
}
