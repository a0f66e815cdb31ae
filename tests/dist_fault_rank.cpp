// One rank of a failing job, for test_distributed_faults: `mpirun -np 2 dist_fault_rank SCENARIO`.
// Rank 1 misbehaves as SCENARIO says; every rank prints the errors it catches as
// "rank R: <message>" and exits 1 after one, 0 otherwise.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <xgrad/distributed.hpp>

using namespace xgrad;
namespace dist = xgrad::distributed;

namespace {

void say(const std::string& line) {
  std::printf("rank %d: %s\n", dist::rank(), line.c_str());
  std::fflush(stdout);
}

int run(const std::string& scenario) {
  const int me = dist::rank();
  Tensor t = ones({4});
  dist::all_reduce(t);  // everyone is up
  if (me == 1) {
    if (scenario == "throw") throw std::runtime_error("injected failure");  // nobody catches it
    if (scenario == "exit") return 0;
    if (scenario == "abort") dist::abort("bad data in shard 1");
    if (scenario == "kill") raise(SIGKILL);
    if (scenario == "hang") sleep(5);
    if (scenario == "ps_kill") {
      dist::ParameterServer ps({zeros({3})});
      ps.fetch();
      raise(SIGKILL);
    }
  }
  if (scenario == "ps_kill") {
    dist::ParameterServer ps({zeros({3})});
    ps.serve(10, [] {});
    return 0;
  }
  Tensor x = ones({scenario == "mismatch" && me == 1 ? 8 : 4});
  dist::all_reduce(x);
  say("all_reduce gave " + std::to_string(x.sum().item()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario = argc > 1 ? argv[1] : "";
  dist::init();
  try {
    return run(scenario);
  } catch (const Error& e) {
    say(e.what());
    try {  // after a failure the group refuses at once
      dist::barrier();
    } catch (const Error& again) {
      say(again.what());
    }
    return 1;
  }
}
