// DataParallel and the parameter server against one process that does the same arithmetic. Runs as
// one process and under `mpirun -np 2`. Each rank recomputes, in this process, what a single
// process would do with every rank's batch (the data and seeds are the same everywhere), and
// compares bitwise.
#include <doctest/doctest.h>

#include <cstring>
#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include "test_util.hpp"

using namespace xgrad;
namespace dist = xgrad::distributed;
namespace F = xgrad::nn::functional;
using test_util::contains;
using test_util::error_of;

namespace {

const data::TensorDataset& digits() {
  static data::TensorDataset d = data::digits_sklearn_split(data::load_digits()).train;
  return d;
}

// Notebook 001's 64-50-10 sigmoid net with N(0, 1) weights, drawn from `seed`.
nn::Sequential digits_net(uint64_t seed, Dtype dtype, int64_t hidden = 50) {
  manual_seed(seed);
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 1),
                         .bias_init = nn::init::constant(0.01)};
  nn::Sequential net(nn::Linear(64, hidden, init), nn::Sigmoid(), nn::Linear(hidden, 10, init));
  net->to(dtype);
  return net;
}

// Rank r's batch of step k: rows [s + r B, s + (r + 1) B) of the training set, G = ranks * B,
// s = k G (wrapping around before the end).
int64_t global_start(int64_t step, int64_t global) {
  return (step * global) % (digits().size() / global * global);
}
data::Batch batch_of(int r, int64_t step, int64_t per_rank, int ranks, Dtype dtype) {
  int64_t start = global_start(step, per_rank * ranks) + r * per_rank;
  auto part = digits().slice(start, start + per_rank);
  return {part.x.to(dtype), part.y};
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  return std::memcmp(a.data_ptr(), b.data_ptr(),
                     static_cast<size_t>(a.numel()) * element_size(a.dtype())) == 0;
}

double max_abs_diff(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i)
    d = std::max(d, (a[i] - b[i]).abs().max().to(kFloat64).item());
  return d;
}

// One process's step over every rank's batch: each rank's gradient (accumulated over `micro`
// backward passes), added in rank order, divided by the number of ranks, then the SGD step.
void reference_step(nn::Sequential& net, optim::SGD& opt, int64_t step, int64_t per_rank, int ranks,
                    Dtype dtype, int micro = 1) {
  auto params = net->parameters();
  std::vector<Tensor> sum(params.size());
  for (int r = 0; r < ranks; ++r) {
    net->zero_grad();
    for (int m = 0; m < micro; ++m) {
      auto [x, y] = batch_of(r, step * micro + m, per_rank, ranks, dtype);
      F::cross_entropy(net(x), y).backward();
    }
    for (size_t i = 0; i < params.size(); ++i)
      sum[i] = sum[i].defined() ? sum[i] + params[i].grad() : params[i].grad().clone();
  }
  for (size_t i = 0; i < params.size(); ++i)
    params[i].set_grad(sum[i] / static_cast<double>(ranks));
  opt.step();
}

}  // namespace

TEST_CASE(
    "DataParallel: weights after N steps are bitwise one process's that adds the ranks' gradients "
    "in rank order") {
  dist::init();
  const int ws = dist::world_size(), me = dist::rank();
  const int64_t per_rank = 25, steps = 12;
  for (Dtype dtype : {kFloat32, kFloat64}) {
    const std::string dtype_str = dtype_name(dtype);
    CAPTURE(dtype_str);
    // Each rank draws other weights: DataParallel must start every rank from rank 0's.
    auto net = digits_net(100 + static_cast<uint64_t>(me), dtype);
    dist::DataParallel model(net);
    auto ref = digits_net(100, dtype);
    for (size_t i = 0; i < ref->parameters().size(); ++i)
      CHECK(bitwise_equal(model->parameters()[i], ref->parameters()[i]));
    optim::SGD opt(model->parameters(), {.lr = 0.5});
    optim::SGD ref_opt(ref->parameters(), {.lr = 0.5});
    for (int64_t k = 0; k < steps; ++k) {
      auto [x, y] = batch_of(me, k, per_rank, ws, dtype);
      opt.zero_grad();
      F::cross_entropy(model(x), y).backward();
      opt.step();
      reference_step(ref, ref_opt, k, per_rank, ws, dtype);
    }
    auto mine = model->parameters(), theirs = ref->parameters();
    MESSAGE(dtype_str << ": max |difference| from the reference " << max_abs_diff(mine, theirs));
    for (size_t i = 0; i < mine.size(); ++i) CHECK(bitwise_equal(mine[i], theirs[i]));
    for (auto& p : mine) {  // and every rank holds the same bits
      Tensor all = dist::all_gather(p.detach().reshape({1, -1}));
      for (int r = 1; r < ws; ++r) CHECK(bitwise_equal(all[r], all[0]));
    }
  }
}

// Summing per rank and then over ranks rounds differently from one sum over the doubled batch. In
// float64 at lr 0.1 that stays below 1e-12 (measured: 6e-13 at most over 200 steps). Larger steps
// on raw pixels amplify it (at the notebook's lr 1 on the mean, ~3x a step during the first epoch:
// 2e-8 after 14 steps; README "Distributed training"), and in float32 rounding starts at 1e-7.
TEST_CASE("DataParallel in float64 matches one process on the doubled batch to 1e-12") {
  dist::init();
  const int ws = dist::world_size(), me = dist::rank();
  const int64_t per_rank = 50, steps = 100;
  for (Dtype dtype : {kFloat64, kFloat32}) {
    auto net = digits_net(3, dtype);
    dist::DataParallel model(net);
    auto big = digits_net(3, dtype);
    optim::SGD opt(model->parameters(), {.lr = 0.1});
    optim::SGD big_opt(big->parameters(), {.lr = 0.1});
    for (int64_t k = 0; k < steps; ++k) {
      auto [x, y] = batch_of(me, k, per_rank, ws, dtype);
      opt.zero_grad();
      F::cross_entropy(model(x), y).backward();
      opt.step();
      int64_t start = global_start(k, per_rank * ws);
      auto whole = digits().slice(start, start + per_rank * ws);  // every rank's rows at once
      big_opt.zero_grad();
      F::cross_entropy(big(whole.x.to(dtype)), whole.y).backward();
      big_opt.step();
    }
    double diff = max_abs_diff(model->parameters(), big->parameters());
    MESSAGE(std::string(dtype_name(dtype))
            << ", " << ws << " ranks vs one process on the " << per_rank * ws << "-row batch, "
            << steps << " steps at lr 0.1: max |difference| " << diff);
    if (dtype == kFloat64) CHECK(diff <= 1e-12);
    if (dtype == kFloat32)
      CHECK(diff < 1e-2);  // rounding, not a wrong sum: same order as PyTorch's DDP
  }
}

TEST_CASE(
    "DataParallel reduces buckets of about bucket_bytes in reverse parameter order, a wide layer "
    "through reduce-scatter") {
  dist::init();
  const int ws = dist::world_size(), me = dist::rank();
  // 64-3000-10: the first weight is 768 KB (reduce-scatter + all-gather); a bucket each below 8 KB.
  auto net = digits_net(5 + static_cast<uint64_t>(me), kFloat32, 3000);
  dist::DataParallel model(net, dist::DataParallelOptions{.bucket_bytes = 8000});
  auto buckets = model->bucket_indices();
  CHECK(buckets ==
        std::vector<std::vector<size_t>>{{3}, {2}, {1}, {0}});  // 10, 30000, 3000, 192000 floats
  dist::DataParallel two(digits_net(5, kFloat32, 10),
                         dist::DataParallelOptions{.bucket_bytes = 500});
  CHECK(two->bucket_indices() ==
        std::vector<std::vector<size_t>>{{3, 2, 1}, {0}});  // 40+400+40 B, then 2560 B
  auto ref = digits_net(5, kFloat32, 3000);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  optim::SGD ref_opt(ref->parameters(), {.lr = 0.1});
  for (int64_t k = 0; k < 3; ++k) {
    auto [x, y] = batch_of(me, k, 20, ws, kFloat32);
    opt.zero_grad();
    F::cross_entropy(model(x), y).backward();
    opt.step();
    reference_step(ref, ref_opt, k, 20, ws, kFloat32);
  }
  for (size_t i = 0; i < ref->parameters().size(); ++i)
    CHECK(bitwise_equal(model->parameters()[i], ref->parameters()[i]));
}

TEST_CASE("DataParallel::no_sync accumulates locally; the next backward reduces the sums") {
  dist::init();
  const int ws = dist::world_size(), me = dist::rank();
  auto model = dist::DataParallel(digits_net(9, kFloat64));
  auto ref = digits_net(9, kFloat64);
  optim::SGD opt(model->parameters(), {.lr = 0.3});
  optim::SGD ref_opt(ref->parameters(), {.lr = 0.3});
  for (int64_t k = 0; k < 4; ++k) {
    opt.zero_grad();
    {
      auto guard = model->no_sync();
      for (int m = 0; m < 2; ++m) {
        auto [x, y] = batch_of(me, k * 3 + m, 10, ws, kFloat64);
        F::cross_entropy(model(x), y).backward();
      }
    }
    if (k == 0 && ws > 1) {  // nothing reduced yet: the ranks' gradients differ
      Tensor g = model->parameters()[0].grad().reshape({1, -1});
      Tensor all = dist::all_gather(g);
      CHECK_FALSE(bitwise_equal(all[0], all[1]));
    }
    auto [x, y] = batch_of(me, k * 3 + 2, 10, ws, kFloat64);
    F::cross_entropy(model(x), y).backward();
    opt.step();
    reference_step(ref, ref_opt, k, 10, ws, kFloat64, 3);
  }
  for (size_t i = 0; i < ref->parameters().size(); ++i)
    CHECK(bitwise_equal(model->parameters()[i], ref->parameters()[i]));
}

namespace {
struct WithBufferImpl : nn::Module {
  nn::Linear fc{3, 2};
  Tensor& running;
  explicit WithBufferImpl(double v)
      : Module("WithBuffer"), running(register_buffer("running", full({2}, v))) {
    register_module("fc", fc);
  }
  Tensor forward(const Tensor& x) override { return fc(x); }
};
XGRAD_MODULE(WithBuffer);
}  // namespace

TEST_CASE("DataParallel copies rank 0's buffers too, and its state_dict keys start with module.") {
  dist::init();
  WithBuffer m(static_cast<double>(dist::rank() + 1));
  dist::DataParallel model(m);
  CHECK(m->running.to_vector<float>() == std::vector<float>{1, 1});
  auto keys = model->state_dict();
  CHECK(keys.size() == 3);
  CHECK(keys.begin()->first.rfind("module.", 0) == 0);
}

TEST_CASE("DataParallel names what it cannot do") {
  dist::init();
  const int ws = dist::world_size();
  // A parameter that takes no part in the loss: its bucket never completes.
  auto model = dist::DataParallel(digits_net(1, kFloat32));
  auto x = digits().x.slice(0, 0, 4);
  model->module()->children()[0]->forward(x).sum().backward();  // only layer 0
  auto err = error_of([&] { model(x); });
  CHECK(contains(err, "DataParallel: the last backward gave no gradient to '2.weight', '2.bias'"));
  CHECK(contains(err, "unused parameters are not supported"));
  model(x).sum().backward();  // and it recovers for the next step
  // create_graph would need differentiable reductions.
  auto m2 = dist::DataParallel(digits_net(1, kFloat64));
  Tensor loss = m2(digits().x.slice(0, 0, 4).to(kFloat64)).sum();
  CHECK(contains(error_of([&] { loss.backward({}, false, true); }),
                 "DataParallel: backward(create_graph=true) is not supported"));
  CHECK(contains(error_of([] {
                   dist::DataParallel(digits_net(1, kFloat32),
                                      dist::DataParallelOptions{.bucket_bytes = 0});
                 }),
                 "DataParallel: bucket_bytes must be positive, got 0"));
  CHECK(contains(error_of([] { dist::DataParallel(nn::ModulePtr()); }),
                 "DataParallel: the module is empty"));
  if (ws > 1) {  // rank 1 wraps another architecture: every rank learns which
    auto err2 = error_of(
        [&] { dist::DataParallel(digits_net(1, kFloat32, dist::rank() == 1 ? 20 : 50)); });
    CHECK(contains(err2, "DataParallel: rank 1's module differs from rank 0's"));
  }
}

TEST_CASE(
    "parameter server with one worker is plain SGD: async and backup modes give its weights "
    "bitwise") {
  dist::init();
  const int ws = dist::world_size();
  if (ws != 2) {
    CHECK(contains(error_of([] { dist::ParameterServer({ones({1})}); }),
                   "ParameterServer: needs at least 2 ranks"));
    return;
  }
  for (auto mode : {dist::PsMode::async, dist::PsMode::backup}) {
    const int64_t steps = 15, per_step = 40;
    auto net = digits_net(11, kFloat32);
    optim::SGD opt(net->parameters(), {.lr = 0.5});
    dist::ParameterServer ps(net->parameters(), {.mode = mode});
    if (ps.is_server()) {
      int64_t applied = 0;
      auto stats = ps.serve(steps, [&] {
        opt.step();
        ++applied;
      });
      CHECK(applied == steps);
      CHECK(stats.updates == steps);
      CHECK(stats.gradients == steps);  // the answer to the last one is stop
      CHECK(stats.max_staleness == 0);
      CHECK(stats.dropped == 0);
      CHECK(stats.used_per_worker == std::vector<int64_t>{steps});
      auto ref = digits_net(11, kFloat32);
      optim::SGD ref_opt(ref->parameters(), {.lr = 0.5});
      for (int64_t k = 0; k < steps; ++k) {
        auto b = digits().slice(k * per_step, (k + 1) * per_step);
        ref_opt.zero_grad();
        F::cross_entropy(ref(b.x), b.y).backward();
        ref_opt.step();
      }
      for (size_t i = 0; i < ref->parameters().size(); ++i)
        CHECK(bitwise_equal(net->parameters()[i], ref->parameters()[i]));
    } else {
      int64_t k = 0;
      while (ps.fetch()) {
        auto b = digits().slice(k * per_step, (k + 1) * per_step);
        net->zero_grad();
        F::cross_entropy(net(b.x), b.y).backward();
        ps.push();
        ++k;
      }
      CHECK(ps.pushes() == steps);
      CHECK_FALSE(ps.fetch());  // stays stopped
    }
  }
}

TEST_CASE("parameter server errors name the call and what it needs") {
  dist::init();
  if (dist::world_size() != 2) return;
  auto net = digits_net(1, kFloat32);
  CHECK(contains(error_of([&] {
                   dist::ParameterServer(net->parameters(),
                                         {.mode = dist::PsMode::backup, .backups = 1});
                 }),
                 "ParameterServer: backups must be in [0, workers - 1] = [0, 0], got 1"));
  CHECK(contains(error_of([&] { dist::ParameterServer(net->parameters(), {.backups = 1}); }),
                 "backups apply to PsMode::backup only"));
  CHECK(contains(error_of([] { dist::ParameterServer({}); }),
                 "ParameterServer: no parameters given"));
  dist::ParameterServer ps(net->parameters());
  if (ps.is_server()) {
    CHECK(contains(error_of([&] { ps.fetch(); }), "ParameterServer::fetch: rank 0 is the server"));
    CHECK(contains(error_of([&] { ps.push(); }), "ParameterServer::push: rank 0 is the server"));
    CHECK(contains(error_of([&] { ps.serve(-1, [] {}); }),
                   "ParameterServer::serve: steps must be >= 0"));
    auto stats = ps.serve(1, [] {});  // one update, then the worker is stopped
    CHECK(stats.updates == 1);
  } else {
    CHECK(contains(error_of([&] { ps.serve(1, [] {}); }),
                   "ParameterServer::serve: only rank 0 serves"));
    CHECK(contains(error_of([&] { ps.push(); }), "ParameterServer::push: call fetch() first"));
    REQUIRE(ps.fetch());
    CHECK(contains(error_of([&] { ps.fetch(); }),
                   "ParameterServer::fetch: call push() after each fetch()"));
    net->zero_grad();
    CHECK(contains(error_of([&] { ps.push(); }),
                   "ParameterServer::push: parameter 0 has no gradient"));
    F::cross_entropy(net(digits().x.slice(0, 0, 4)), digits().y.slice(0, 0, 4)).backward();
    ps.push();
    CHECK_FALSE(ps.fetch());
  }
}
