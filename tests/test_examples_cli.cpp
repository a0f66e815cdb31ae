// The examples' command lines (CLI11, examples/cli.hpp) as a user meets them: --help, and the
// messages and exit status of bad values. Nothing here trains, so unlike the other example tests
// this binary is not run again under other OpenBLAS core types.
#include <doctest/doctest.h>

#include <string>

#include "example_runner.hpp"

namespace {
using example_runner::run;
using example_runner::Run;
}  // namespace

TEST_CASE("a bad value on the command line names the option and the value, and exits 2") {
  struct Case {
    const char* arguments;
    const char* message;
  };
  // Each kind of bad value, on two examples (they parse with CLI11 through examples/cli.hpp).
  const Case common[] = {
      {"--epochs abc", "--epochs: 'abc' is not a whole number"},
      {"--epochs 1.5", "--epochs: '1.5' is not a whole number"},
      {"--epochs -3", "--epochs: must be >= 0, got -3"},
      {"--lr 0", "--lr: must be > 0, got 0"},
      {"--lr fast", "--lr: 'fast' is not a number"},
      {"--batch 0", "--batch: must be >= 1, got 0"},
      {"--seed -1", "--seed: '-1' is not a whole number >= 0"},
      {"--device tpu", "--device: tpu not in {cpu,cuda}"},
      {"--no-such-option", "unknown option or argument '--no-such-option'"},
      {"--quiet --epochs", "--epochs: 1 required"},
  };
  for (const char* name : {"digits", "mnist_format"}) {
    for (const Case& c : common) {
      CAPTURE(name);
      CAPTURE(c.arguments);
      auto o = example_runner::output(name, c.arguments);
      CHECK(o.exit_code == 2);
      CHECK_MESSAGE(o.text.find(std::string(name) + ": " + c.message) != std::string::npos, o.text);
      CHECK(o.text.find("see --help") != std::string::npos);
    }
  }
  // Probabilities in [0, 1].
  auto flip = example_runner::output("mnist_format", "--flip 1.5");
  CHECK(flip.exit_code == 2);
  CHECK(flip.text.find("mnist_format: --flip: must be in [0, 1], got 1.5") != std::string::npos);
  auto momentum = example_runner::output("digits_tanh", "--sklearn --momentum -0.1");
  CHECK(momentum.exit_code == 2);
  CHECK(momentum.text.find("digits_tanh: --momentum: must be in [0, 1], got -0.1") !=
        std::string::npos);
}

TEST_CASE("--help lists every option with its type, range, default and meaning") {
  auto o = example_runner::output("digits", "--help");
  CHECK(o.exit_code == 0);
  for (const char* line : {"--epochs INT >= 0 [100]", "--lr FLOAT > 0 [0.01]",
                           "--batch INT >= 1 [100]", "--device TEXT {cpu,cuda} [cpu]",
                           "--seed UINT [0]", "--deterministic", "passes over the training set"}) {
    CAPTURE(line);
    CHECK(o.text.find(line) != std::string::npos);
  }
  // A value with leading zeros is decimal, not octal: --epochs 010 trains 10 epochs.
  // (10 epochs in deterministic mode: test_deterministic's checksum.)
  Run r = run("digits", "--quiet --plot '' --images '' --epochs 010 --deterministic");
  CHECK(r.values["weights_checksum"] == "5f9572b1513c90dc");
}
