// set_num_threads: one setting for xgrad's kernel threads and OpenBLAS's, which sticks, and large
// elementwise ops and reductions that give the same bits on any number of threads.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <future>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "autograd/cpu/blas.hpp"
#include "autograd/cpu/parallel.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;

namespace {

// The distinct threads one parallel_for ran on.
size_t threads_used() {
  std::mutex m;
  std::set<std::thread::id> ids;
  kernels::cpu_detail::parallel_for(64, [&](int64_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard<std::mutex> lock(m);
    ids.insert(std::this_thread::get_id());
  });
  return ids.size();
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  return std::memcmp(a.data_ptr(), b.data_ptr(), a.numel() * element_size(a.dtype())) == 0;
}

struct Restore {
  int n = get_num_threads();
  ~Restore() { set_num_threads(n); }
};

}  // namespace

TEST_CASE("set_num_threads governs the kernels' pool, OpenBLAS stays on one thread, and it sticks") {
  Restore restore;
  CHECK_THROWS_WITH_AS(set_num_threads(0), "set_num_threads: the thread count must be at least 1, got 0", Error);
  CHECK_THROWS_AS(set_num_threads(-3), Error);

  manual_seed(3);
  set_num_threads(1);
  CHECK(get_num_threads() == 1);
  CHECK(threads_used() == 1);
  Tensor a = randn({512, 512}), b = randn({512, 512});
  Tensor one = matmul(a, b);  // above the small-GEMM bound: pieces on the pool, OpenBLAS on one thread each
  CHECK(kernels::cpu_detail::blas().get_num_threads() == 1);
  CHECK(get_num_threads() == 1);  // still, after work

  set_num_threads(3);  // more than this machine may have: the user's choice, honoured
  CHECK(get_num_threads() == 3);
  CHECK(threads_used() == 3);
  Tensor three = matmul(a, b);
  CHECK(kernels::cpu_detail::blas().get_num_threads() == 1);  // never OpenBLAS's threads beside the pool's
  CHECK(same_bits(one, three));
  (void)matmul(randn({4, 4}), randn({4, 4}));  // small: on the calling thread, setting unchanged
  CHECK(get_num_threads() == 3);
}

TEST_CASE("OpenBLAS runs the kernels this CPU supports, not its Prescott fallback, and the environment is left as found") {
  using kernels::cpu_detail::blas;
  using kernels::cpu_detail::supported_core;
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  const std::string before = env ? env : "(unset)";
  const auto& b = blas();
  const std::string supports = supported_core() ? supported_core() : "neither SkylakeX nor Haswell";
  const std::string seen = "OpenBLAS core: " + b.core + (b.corrected.empty() ? "" : " (" + b.corrected + ")") +
                           ", OPENBLAS_CORETYPE " + before + ", this CPU supports " + supports +
                           (b.preloaded ? ", OpenBLAS linked by the program" : "");
  MESSAGE(seen);
  CHECK(!b.core.empty());
  // Only Prescott is replaced, only where the user named no core and xgrad opened OpenBLAS first.
  if (!env && supported_core() && !b.preloaded) CHECK(b.core != "Prescott");
  if (env) CHECK(b.corrected.empty());
  const char* after = std::getenv("OPENBLAS_CORETYPE");
  CHECK((after ? after : "(unset)") == before);
  // The functions it found compute: sgemm, dgemm, gemv (a row) and ger (an outer product).
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3}), c = tensor({1, 0, 2, 1, 0, 3}, {3, 2});
  CHECK(matmul(a, c).to_vector<float>() == std::vector<float>{5, 11, 14, 23});
  CHECK(matmul(a.to(kFloat64), c.to(kFloat64)).to_vector<double>() == std::vector<double>{5, 11, 14, 23});
  CHECK(matmul(a[0].reshape({1, 3}), c).to_vector<float>() == std::vector<float>{5, 11});
  CHECK(matmul(a.reshape({6, 1}), c.reshape({1, 6})).sum().item<double>() == 21.0 * 7.0);
}

TEST_CASE("large GEMMs: the same bits on 1, 2 and 3 threads, for every transpose and a batch") {
  Restore restore;
  manual_seed(11);
  // Shapes cut by rows, by columns, with a long k (a weight gradient), and a batch of products.
  Tensor a = randn({96, 1000}), b = randn({1000, 700}), w = randn({32, 144}), c = randn({144, 12544});
  Tensor g = randn({32, 12544}), s = randn({8, 300, 200}), t = randn({8, 200, 300});
  auto run = [&] {
    return std::vector<Tensor>{matmul(a, b), matmul(b.t(), a.t()), matmul(w, c), matmul(g, c.t()),
                               matmul(w.t(), g), matmul(s, t), matmul(t.transpose(1, 2), s.transpose(1, 2))};
  };
  set_num_threads(1);
  std::vector<Tensor> one = run();
  // Against a double-precision reference, so a wrong piece offset fails.
  Tensor ref = matmul(w.to(kFloat64), c.to(kFloat64)).to(kFloat32);
  CHECK(allclose(one[2], ref, 1e-4, 1e-3));
  CHECK(allclose(one[1], one[0].t(), 1e-4, 1e-3));
  CHECK(allclose(one[6], one[5].transpose(1, 2), 1e-4, 1e-3));
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    std::vector<Tensor> many = run();
    for (size_t i = 0; i < one.size(); ++i) {
      CAPTURE(threads);
      CAPTURE(i);
      CHECK(same_bits(one[i], many[i]));
    }
  }
}

TEST_CASE("large elementwise ops and reductions: the same bits on 1, 2 and 3 threads") {
  Restore restore;
  manual_seed(7);
  const int64_t piece = kernels::cpu_detail::kParallelElements;
  Tensor x = randn({8 * piece});  // 8 pieces
  Tensor y = randn({8 * piece});
  Tensor m = randn({600, 700});  // 420,000 elements: reductions over rows and columns split
  float* px = static_cast<float*>(x.data_ptr());
  px[piece + 5] = 9.5f;      // the max, in the second piece
  px[3 * piece + 7] = 9.5f;  // a tie in a later piece: argmax keeps the first
  auto run = [&] {
    return std::vector<Tensor>{exp(x), tanh(x), add(x, y), mul(x, 2.5), sum(x), mean(x),
                               max(x), argmax(x), sum(m, {0}), sum(m, {1}), argmin(m, 1),
                               xgrad::max(m, 0).values, sum(x.reshape({8, -1}), {0})};
  };
  set_num_threads(1);
  std::vector<Tensor> one = run();
  CHECK(argmax(x).item<int64_t>() == piece + 5);
  for (int threads : {2, 3}) {
    set_num_threads(threads);
    std::vector<Tensor> many = run();
    for (size_t i = 0; i < one.size(); ++i) {
      CAPTURE(threads);
      CAPTURE(i);
      CHECK(same_bits(one[i], many[i]));
    }
  }
  // The pieces' sum is still a sum: against a plain double loop.
  double ref = 0;
  for (int64_t i = 0; i < x.numel(); ++i) ref += px[i];
  CHECK(sum(x).item<float>() == doctest::Approx(ref).epsilon(1e-6));
  // A NaN in any piece wins max, and argmax points at the first one.
  px[2 * piece + 1] = std::numeric_limits<float>::quiet_NaN();
  px[6 * piece] = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(max(x).item<float>()));
  CHECK(argmax(x).item<int64_t>() == 2 * piece + 1);
}

// ---- thread safety: grad mode is per thread, the generator hands out disjoint blocks, and two
// models trained at once on two threads end bitwise where training them one after the other does.
namespace {

struct Task {
  nn::Sequential model;
  Tensor x, y;
};

// A 2-layer MLP and a synthetic regression set, all drawn from the global generator after
// manual_seed(seed): built before any training thread starts.
Task make_task(uint64_t seed) {
  manual_seed(seed);
  Task t{nn::Sequential(nn::Linear(4, 16), nn::Tanh(), nn::Linear(16, 1)), randn({64, 4}), {}};
  t.y = sum(t.x * t.x, {1}, true) - t.x.select(1, 0).unsqueeze(1);
  return t;
}

// 50 full-batch SGD steps (with momentum); no random draw during training.
std::vector<Tensor> train(Task& t) {
  optim::SGD opt(t.model.parameters(), {.lr = 0.05, .momentum = 0.9});
  Tensor loss;
  for (int step = 0; step < 50; ++step) {
    opt.zero_grad();
    loss = nn::functional::mse_loss(t.model(t.x), t.y);
    loss.backward();
    opt.step();
  }
  std::vector<Tensor> out{loss.detach()};
  for (auto& p : t.model.parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST_CASE("two threads training two models at once end bitwise where sequential training does") {
  manual_seed(2024);
  Tensor seeds = randint(0, 1 << 30, {2});  // one draw, before any thread starts
  const uint64_t seed_a = seeds.to_vector<int64_t>()[0], seed_b = seeds.to_vector<int64_t>()[1];

  Task a = make_task(seed_a), b = make_task(seed_b);
  std::vector<Tensor> seq_a = train(a), seq_b = train(b);

  Task c = make_task(seed_a), d = make_task(seed_b);
  std::vector<Tensor> par_a, par_b;
  std::thread ta([&] { par_a = train(c); });
  std::thread tb([&] { par_b = train(d); });
  ta.join();
  tb.join();

  REQUIRE(par_a.size() == seq_a.size());
  REQUIRE(par_b.size() == seq_b.size());
  Task fresh = make_task(seed_a);  // it learned: the loss fell by half at least
  CHECK(seq_a[0].item() < 0.5 * nn::functional::mse_loss(fresh.model(fresh.x), fresh.y).item());
  for (size_t i = 0; i < seq_a.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(seq_a[i], par_a[i]));
    CHECK(same_bits(seq_b[i], par_b[i]));
  }
  CHECK_FALSE(same_bits(seq_a[0], seq_b[0]));  // two different problems
}

TEST_CASE("concurrent draws take disjoint blocks of the generator: nothing drawn twice or torn") {
  constexpr int kDraws = 300;
  constexpr int64_t kSize = 257;
  auto draws = [] {
    std::vector<std::vector<float>> v;
    for (int i = 0; i < kDraws; ++i) v.push_back(rand({kSize}).to_vector<float>());
    return v;
  };
  manual_seed(5);
  std::vector<std::vector<float>> one, two;
  std::thread t1([&] { one = draws(); });
  std::thread t2([&] { two = draws(); });
  t1.join();
  t2.join();
  one.insert(one.end(), two.begin(), two.end());
  manual_seed(5);
  std::vector<std::vector<float>> seq = draws(), rest = draws();
  seq.insert(seq.end(), rest.begin(), rest.end());
  // The same blocks, in another order: each draw took its own counter range, whole.
  std::sort(one.begin(), one.end());
  std::sort(seq.begin(), seq.end());
  CHECK(one == seq);
  CHECK(std::adjacent_find(seq.begin(), seq.end()) == seq.end());
  CHECK(get_rng_state().offset == 2 * kDraws * kSize);
}

TEST_CASE("grad mode is per thread: a NoGradGuard on one thread leaves another recording") {
  std::promise<void> guarded, checked;
  std::thread t([&] {
    NoGradGuard no_grad;
    guarded.set_value();
    checked.get_future().wait();
  });
  guarded.get_future().wait();
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  CHECK(GradMode::is_enabled());
  CHECK((x * 2.0).requires_grad());
  checked.set_value();
  t.join();
}
