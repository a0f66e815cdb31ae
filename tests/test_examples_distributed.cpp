// digits_distributed under `mpirun -np 2` (and -np 3 for two workers), each mode briefly (10
// epochs), as scripts/run digits_distributed --np 2 runs it. Accuracy thresholds sit under the
// spread over seeds 0-4 and OPENBLAS_CORETYPE Haswell / unset (0.864 to 0.919 test accuracy after 10
// epochs in every mode, 2026-12-01). Two async workers are the exception: which worker's stale
// gradient lands when depends on the scheduler, and 140 runs with three busy loops beside them
// (2026-11-30) gave 0.778 to 0.903 (5th percentile 0.797), so that case asks for 0.7. Backup mode
// with one backup gave 0.858 to 0.922 in the same 100 turns.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <sstream>
#include <string>

namespace {

struct Run {
  int status = -1;
  std::map<std::string, double> values;
  std::string mode;
};

Run mpirun(int np, const std::string& arguments) {
  std::string cmd = std::string(XGRAD_MPIEXEC) + " -np " + std::to_string(np) + " " + XGRAD_BINARY_DIR +
                    "/examples/digits_distributed --epochs 10 " + arguments + " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[4096];
  std::string all;
  while (std::fgets(line, sizeof line, p)) {
    all += line;
    std::istringstream s(line);
    std::string k, v;
    if (!(s >> k >> v)) continue;
    if (k == "mode") r.mode = v;
    try {
      r.values[k] = std::stod(v);
    } catch (...) {
    }
  }
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  INFO(all);
  CHECK(r.status == 0);
  return r;
}

double value(const Run& r, const std::string& key) {
  auto it = r.values.find(key);
  REQUIRE_MESSAGE(it != r.values.end(), "missing output line: " << key);
  return it->second;
}

}  // namespace

TEST_CASE("sync: 2 ranks end bitwise identical and learn the digits") {
  Run r = mpirun(2, "--mode sync");
  CHECK(r.mode == "sync");
  CHECK(value(r, "ranks") == 2);
  CHECK(value(r, "ranks_identical") == 1);
  CHECK(value(r, "test_accuracy") >= 0.8);
}

TEST_CASE("async: one worker makes every update, none stale") {
  Run r = mpirun(2, "--mode async");
  CHECK(value(r, "updates") == 140);  // 10 epochs of 1437 / 100 batches
  CHECK(value(r, "gradients") == 140);
  CHECK(value(r, "max_staleness") == 0);
  CHECK(value(r, "test_accuracy") >= 0.8);
}

TEST_CASE("backup: with one worker and no backups every gradient is used") {
  Run r = mpirun(2, "--mode backup");
  CHECK(value(r, "updates") == 140);
  CHECK(value(r, "dropped") == 0);
  CHECK(value(r, "test_accuracy") >= 0.8);
}

TEST_CASE("two workers: async gradients arrive stale, a backup step drops the later one") {
  Run a = mpirun(3, "--mode async");
  CHECK(value(a, "updates") == 140);
  CHECK(value(a, "max_staleness") >= 1);  // both workers start from version 0
  CHECK(value(a, "test_accuracy") >= 0.7);
  Run b = mpirun(3, "--mode backup --backups 1");
  CHECK(value(b, "updates") == 140);
  CHECK(value(b, "dropped") >= 1);
  // every gradient was used, dropped, or answered with stop (at most one per worker)
  CHECK(value(b, "gradients") - value(b, "dropped") - value(b, "updates") <= 2);
  CHECK(value(b, "test_accuracy") >= 0.8);
}

TEST_CASE("bad options fail on every rank with a message") {
  Run r;
  std::string cmd = std::string(XGRAD_MPIEXEC) + " -np 2 " + XGRAD_BINARY_DIR +
                    "/examples/digits_distributed --mode ring 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[4096];
  std::string all;
  while (std::fgets(line, sizeof line, p)) all += line;
  int st = pclose(p);
  CHECK(WEXITSTATUS(st) != 0);
  CHECK(all.find("--mode: ring not in {sync,async,backup,single}") != std::string::npos);
}
