// The process group and its collectives. Runs as one process (world size 1) and under
// `mpirun -np 2` (CTest runs both); every expectation is computed from rank() and world_size(), in
// this process, with the same float operations in rank order, and compared bitwise.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include "distributed/liveness.hpp"
#include "distributed/staging.hpp"
#include "test_util.hpp"

using namespace xgrad;
namespace dist = xgrad::distributed;
using test_util::contains;
using test_util::error_of;

namespace {

// Rank r's tensor in the tests: values that do not add exactly in float32, differing per rank.
Tensor rank_tensor(int r, int64_t n, Dtype dtype) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] =
        0.1 * (r + 1) + 1e-3 * static_cast<double>(i % 97) / 7.0 - 0.37 * r * (i % 3);
  return tensor(v, {n}, dtype);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  Tensor x = a.cpu(), y = b.cpu();
  return std::memcmp(x.data_ptr(), y.data_ptr(),
                     static_cast<size_t>(x.numel()) * element_size(x.dtype())) == 0;
}

int expected_world_size() {
  const char* s = std::getenv("OMPI_COMM_WORLD_SIZE");
  return s ? std::atoi(s) : 1;
}

}  // namespace

// First in the file (doctest runs the cases in file order): nothing works before init().
TEST_CASE("collectives before init() raise an error that says to call it") {
  if (dist::is_initialized()) return;
  CHECK(contains(error_of([] { dist::all_reduce(ones({2})); }),
                 "all_reduce: call distributed::init() first"));
  CHECK(contains(error_of([] { dist::rank(); }),
                 "distributed::rank: call distributed::init() first"));
  CHECK(contains(error_of([] { dist::barrier(); }), "barrier: call distributed::init() first"));
  CHECK(contains(
      error_of([] { dist::init({.cuda_backend = "gloo"}); }),
      "distributed::init: cuda_backend must be \"auto\", \"nccl\" or \"mpi\", got \"gloo\""));
  CHECK(contains(error_of([] { dist::init({.timeout_seconds = -1}); }),
                 "timeout_seconds must be a positive number"));
  CHECK_FALSE(dist::is_initialized());
}

TEST_CASE("init reads rank and world size from the launcher; calling it again does nothing") {
  dist::init();
  dist::init();
  CHECK(dist::world_size() == expected_world_size());
  CHECK(dist::rank() >= 0);
  CHECK(dist::rank() < dist::world_size());
  CHECK(dist::local_rank() == dist::rank());                // one host here
  const char* timeout = std::getenv("XGRAD_DIST_TIMEOUT");  // CTest sets it
  CHECK(dist::timeout_seconds() == (timeout ? std::atof(timeout) : 600.0));
  CHECK(dist::backend_name(kCPU) == (dist::world_size() == 1 ? "local" : "mpi"));
  if (dist::world_size() > 1 && !cuda::is_available())
    CHECK(dist::backend_name(kCUDA) == "mpi (staged through host memory)");
}

TEST_CASE("all_reduce sums in rank order, bitwise the same as one process adding the tensors") {
  dist::init();
  const int ws = dist::world_size();
  for (Dtype dtype : {kFloat32, kFloat64}) {
    // 1000 elements go in one exchange; 40001 (160 KB in float32) by reduce-scatter + all-gather,
    // in blocks that do not divide evenly.
    for (int64_t n : {int64_t{1000}, int64_t{40001}}) {
      CAPTURE(n);
      Tensor t = rank_tensor(dist::rank(), n, dtype);
      Tensor expected = rank_tensor(0, n, dtype);
      for (int r = 1; r < ws; ++r) expected = expected + rank_tensor(r, n, dtype);
      dist::all_reduce(t);
      CHECK(bitwise_equal(t, expected));
      Tensor m = rank_tensor(dist::rank(), n, dtype);
      dist::all_reduce(m, dist::ReduceOp::mean);
      CHECK(bitwise_equal(m, expected / static_cast<double>(ws)));
      Tensor mx = rank_tensor(dist::rank(), n, dtype);
      dist::all_reduce(mx, dist::ReduceOp::max);
      Tensor expected_max = rank_tensor(0, n, dtype);
      for (int r = 1; r < ws; ++r) expected_max = maximum(expected_max, rank_tensor(r, n, dtype));
      CHECK(bitwise_equal(mx, expected_max));
    }
  }
  Tensor counts = full({3, 2}, static_cast<double>(dist::rank() + 1), kInt64);
  dist::all_reduce(counts);
  CHECK(counts.to_vector<int64_t>() == std::vector<int64_t>(6, ws * (ws + 1) / 2));
  Tensor scalar = scalar_tensor(2.5);
  uint32_t version = scalar.version();
  dist::all_reduce(scalar);
  CHECK(scalar.item() == 2.5 * ws);
  if (ws > 1) CHECK(scalar.version() > version);  // an in-place change, as autograd must see it
}

TEST_CASE("broadcast copies the root's tensor to every rank, from any root") {
  dist::init();
  for (int root = 0; root < dist::world_size(); ++root) {
    Tensor t = rank_tensor(dist::rank(), 5000, kFloat64).reshape({50, 100});
    dist::broadcast(t, root);
    CHECK(bitwise_equal(t, rank_tensor(root, 5000, kFloat64).reshape({50, 100})));
  }
}

TEST_CASE(
    "all_gather stacks the ranks' tensors along the first dimension; reduce_scatter returns this "
    "rank's block") {
  dist::init();
  const int ws = dist::world_size(), me = dist::rank();
  Tensor mine = rank_tensor(me, 6, kFloat32).reshape({2, 3});
  Tensor all = dist::all_gather(mine);
  CHECK(all.shape() == Shape{2 * ws, 3});
  for (int r = 0; r < ws; ++r)
    CHECK(bitwise_equal(all.narrow(0, 2 * r, 2), rank_tensor(r, 6, kFloat32).reshape({2, 3})));
  Tensor ranks = dist::all_gather(scalar_tensor(static_cast<double>(me), kInt64));
  CHECK(ranks.shape() == Shape{ws});
  CHECK(ranks.to_vector<int64_t>() ==
        arange(static_cast<double>(ws), kInt64).to_vector<int64_t>());

  const int64_t rows = 3 * ws;
  Tensor x = rank_tensor(me, rows * 4, kFloat64).reshape({rows, 4});
  Tensor sum = x.clone();
  dist::all_reduce(sum);
  Tensor block = dist::reduce_scatter(x);
  CHECK(block.shape() == Shape{3, 4});
  CHECK(bitwise_equal(block, sum.narrow(0, 3 * me, 3)));
  CHECK(bitwise_equal(dist::all_gather(block),
                      sum));  // all_gather(reduce_scatter(x)) == all_reduce(x)
  Tensor mean_block = dist::reduce_scatter(x, dist::ReduceOp::mean);
  CHECK(bitwise_equal(mean_block, sum.narrow(0, 3 * me, 3) / static_cast<double>(ws)));
  Tensor max_block = dist::reduce_scatter(x, dist::ReduceOp::max);
  Tensor max_all = x.clone();
  dist::all_reduce(max_all, dist::ReduceOp::max);
  CHECK(bitwise_equal(max_block, max_all.narrow(0, 3 * me, 3)));
}

TEST_CASE("barrier returns on every rank, and the group goes on working after it") {
  dist::init();
  for (int i = 0; i < 3; ++i) dist::barrier();
  Tensor one = ones({1});
  dist::all_reduce(one);
  CHECK(one.item() == dist::world_size());
}

TEST_CASE("collectives name the argument that is wrong") {
  dist::init();
  const int ws = dist::world_size();
  CHECK(contains(error_of([] { dist::all_reduce(Tensor()); }),
                 "all_reduce: the tensor is undefined"));
  Tensor w = ones({2}).requires_grad_();
  CHECK(contains(error_of([&] { dist::all_reduce(w); }),
                 "all_reduce: the tensor requires grad, and collectives are not recorded"));
  CHECK(contains(error_of([&] { dist::broadcast(w); }), "broadcast: the tensor requires grad"));
  {
    NoGradGuard no_grad;  // allowed there: an update, as optimizers make them
    dist::all_reduce(w);
    CHECK(w.to_vector<float>() == std::vector<float>(2, static_cast<float>(ws)));
  }
  CHECK(contains(error_of([] { dist::all_reduce(ones({2}, kInt64), dist::ReduceOp::mean); }),
                 "all_reduce: mean of an int64 tensor would truncate; use sum"));
  CHECK(contains(error_of([&] { dist::broadcast(ones({2}), ws); }),
                 "broadcast: root " + std::to_string(ws) + " is not a rank (world size " +
                     std::to_string(ws) + ")"));
  CHECK(contains(error_of([] { dist::broadcast(ones({2}), -1); }),
                 "broadcast: root -1 is not a rank"));
  CHECK(contains(error_of([] { dist::reduce_scatter(scalar_tensor(1.0)); }),
                 "reduce_scatter: needs a tensor with a first dimension"));
  if (ws > 1)
    CHECK(contains(error_of([&] { dist::reduce_scatter(ones({2 * ws + 1})); }),
                   "reduce_scatter: the first dimension (" + std::to_string(2 * ws + 1) +
                       ") must divide by the world size"));
  CHECK(
      contains(error_of([] { dist::reduce_scatter(ones({2}, kInt64), dist::ReduceOp::mean); }),
               "reduce_scatter: mean of an int64 tensor would truncate"));
  CHECK(contains(error_of([] { dist::init({.cuda_backend = "gloo"}); }), "cuda_backend must be"));
  CHECK(std::string(dist::op_name(dist::ReduceOp::mean)) == "mean");
}

// ---- host staging of device tensors (the path MPI takes for CUDA tensors without NCCL), on CPU
// tensors with a backend that completes when the test says so.

namespace {

struct ManualWork final : dist::detail::Work {
  bool* done;
  explicit ManualWork(bool* d) : done(d) {}
  bool poll() override { return *done; }
  void block_until_done() override { *done = true; }
};

// Records what the staged backend hands it, and writes recognizable results.
struct RecordingBackend final : dist::detail::Backend {
  bool done = false;
  std::vector<Tensor> seen;
  std::string name() const override { return "recording"; }
  std::unique_ptr<dist::detail::Work> all_reduce(const Tensor& t, dist::ReduceOp,
                                                 const char*) override {
    seen.push_back(t);
    Tensor(t).fill_(7.0);
    return std::make_unique<ManualWork>(&done);
  }
  std::unique_ptr<dist::detail::Work> broadcast(const Tensor& t, int, const char*) override {
    seen.push_back(t);
    Tensor(t).fill_(3.0);
    return std::make_unique<ManualWork>(&done);
  }
  std::unique_ptr<dist::detail::Work> all_gather(const Tensor& in, const Tensor& out,
                                                 const char*) override {
    seen.push_back(in);
    seen.push_back(out);
    Tensor(out).fill_(5.0);
    return std::make_unique<ManualWork>(&done);
  }
  std::unique_ptr<dist::detail::Work> reduce_scatter(const Tensor& in, const Tensor& out,
                                                     dist::ReduceOp, const char*) override {
    seen.push_back(in);
    seen.push_back(out);
    Tensor(out).fill_(9.0);
    return std::make_unique<ManualWork>(&done);
  }
};

}  // namespace

TEST_CASE(
    "staging hands the backend a separate host copy and writes the result back only on "
    "completion") {
  RecordingBackend host;
  dist::detail::StagedBackend staged(host);
  CHECK(staged.name() == "recording (staged through host memory)");
  Tensor t = tensor({1.0, 2.0, 3.0});
  auto work = staged.all_reduce(t, dist::ReduceOp::sum, "all_reduce");
  REQUIRE(host.seen.size() == 1);
  CHECK_FALSE(host.seen[0].same(t));
  CHECK(host.seen[0].data_ptr() != t.data_ptr());
  CHECK(host.seen[0].device() == kCPU);
  CHECK_FALSE(work->test());
  CHECK(t.to_vector<float>() == std::vector<float>{1, 2, 3});  // untouched while in flight
  uint32_t version = t.version();
  host.done = true;
  CHECK(work->test());
  CHECK(t.to_vector<float>() == std::vector<float>{7, 7, 7});
  CHECK(t.version() > version);

  host.done = false;
  Tensor b = zeros({2}, kFloat64);
  staged.broadcast(b, 0, "broadcast")->wait();  // wait() completes it
  CHECK(b.to_vector<double>() == std::vector<double>{3, 3});

  host.done = false;
  Tensor in = ones({2, 2}), out = zeros({4, 2});
  auto gather = staged.all_gather(in, out, "all_gather");
  CHECK_FALSE(host.seen[host.seen.size() - 1].same(out));
  CHECK(out.sum().item() == 0.0);
  gather->wait();
  CHECK(out.to_vector<float>() == std::vector<float>(8, 5.0f));

  host.done = false;
  Tensor rs_out = zeros({1, 2});
  staged.reduce_scatter(ones({2, 2}), rs_out, dist::ReduceOp::sum, "reduce_scatter")->wait();
  CHECK(rs_out.to_vector<float>() == std::vector<float>{9, 9});
}

TEST_CASE(
    "liveness: a running process is alive; exited (a zombie, or reaped) or replaced it is dead; "
    "another host is unknown") {
  using namespace dist::detail;
  ProcessId self = this_process();
  CHECK(self.pid == getpid());
  CHECK(self.start_time > 0);
  CHECK(liveness(self, self) == Liveness::alive);
  int go[2];
  REQUIRE(pipe(go) == 0);
  pid_t child = fork();
  if (child == 0) {
    char c;
    (void)!read(go[0], &c, 1);  // runs until the parent writes
    _exit(0);
  }
  REQUIRE(child > 0);
  ProcessId c = process_id(child);
  CHECK(c.host == self.host);
  CHECK(liveness(c, self) == Liveness::alive);
  (void)!write(go[1], "x", 1);
  for (int i = 0; i < 2000 && liveness(c, self) == Liveness::alive; ++i) usleep(1000);
  CHECK(liveness(c, self) == Liveness::dead);  // a zombie: exited, not yet reaped
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(liveness(c, self) == Liveness::dead);  // gone from /proc
  close(go[0]);
  close(go[1]);
  ProcessId reused = self;
  reused.start_time += 1;  // the same pid, another process
  CHECK(liveness(reused, self) == Liveness::dead);
  ProcessId remote = self;
  remote.host ^= 1;
  CHECK(liveness(remote, self) == Liveness::unknown);
}
