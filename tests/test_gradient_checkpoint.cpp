// Gradient checkpointing: checkpoint(fn, inputs) recomputes fn in backward; the same values and
// gradients as the plain run, dropout replayed, and a lower peak memory on a deep MLP.
#include <doctest/doctest.h>

#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include <xgrad/xgrad.hpp>

#include "autograd/cpu/cpu.hpp"
#include "test_util.hpp"

using namespace xgrad;

namespace {
// A block of the MLP used below: Linear, Tanh, Dropout(0.3), Linear.
struct Block {
  nn::Sequential seq;
  explicit Block(int64_t width)
      : seq(nn::Linear(width, width, {.dtype = kFloat64}), nn::Tanh(), nn::Dropout(0.3),
            nn::Linear(width, width, {.dtype = kFloat64})) {}
};

std::vector<Tensor> grads_of(const std::vector<Tensor>& ps) {
  std::vector<Tensor> out;
  for (auto& p : ps) out.push_back(p.grad().clone());
  return out;
}
}  // namespace

TEST_CASE("checkpoint gives the gradients of the plain run, dropout included, and draws the same numbers") {
  manual_seed(3);
  Block a(6), b(6);
  std::vector<Tensor> params = a.seq->parameters();
  for (auto& p : b.seq->parameters()) params.push_back(p);
  Tensor x0 = randn({5, 6}, kFloat64);

  auto run = [&](bool use_checkpoint) {
    manual_seed(42);
    for (auto& p : params) p.set_grad(Tensor());
    Tensor x = x0.detach().requires_grad_();
    Tensor h = x;
    if (use_checkpoint) {
      h = checkpoint([&](const std::vector<Tensor>& in) { return a.seq(in[0]); }, {h});
      h = checkpoint([&](const std::vector<Tensor>& in) { return b.seq(in[0]); }, {h});
    } else {
      h = b.seq(a.seq(h));
    }
    Tensor loss = (h * h).sum();
    loss.backward();
    RngState after = get_rng_state();
    return std::make_tuple(h.detach(), x.grad(), grads_of(params), after.offset);
  };
  auto [y_plain, gx_plain, gp_plain, offset_plain] = run(false);
  auto [y_ckpt, gx_ckpt, gp_ckpt, offset_ckpt] = run(true);
  CHECK(allclose(y_plain, y_ckpt, 0, 0));
  CHECK(allclose(gx_plain, gx_ckpt, 1e-12, 1e-14));
  REQUIRE(gp_plain.size() == gp_ckpt.size());
  for (size_t i = 0; i < gp_plain.size(); ++i) CHECK(allclose(gp_plain[i], gp_ckpt[i], 1e-12, 1e-14));
  // the recomputation replays the masks and then leaves the engine where the plain run left it
  CHECK(offset_plain == offset_ckpt);
  CHECK(offset_plain > 0);

  // without preserving the random state, the recomputed masks differ and so do the gradients
  auto one_block = [&](bool use_checkpoint, bool preserve) {
    manual_seed(42);
    for (auto& p : params) p.set_grad(Tensor());
    Tensor x = x0.detach().requires_grad_();
    Tensor h = use_checkpoint
                   ? checkpoint([&](const std::vector<Tensor>& in) { return a.seq(in[0]); }, {x}, preserve)
                   : a.seq(x);
    (h * h).sum().backward();
    return x.grad();
  };
  Tensor plain = one_block(false, true);
  CHECK(allclose(one_block(true, true), plain, 1e-12, 1e-14));
  CHECK_FALSE(allclose(one_block(true, false), plain, 1e-6, 1e-8));
}

TEST_CASE("checkpoint: parameters get gradients when no input requires grad; no graph under NoGradGuard") {
  manual_seed(0);
  nn::Linear lin(3, 2, {.dtype = kFloat64});
  Tensor x = randn({4, 3}, kFloat64);
  auto fn = [&](const std::vector<Tensor>& in) { return lin(in[0]); };
  Tensor y = checkpoint(fn, {x});
  CHECK(y.requires_grad());
  CHECK(std::string(y.grad_fn()->name()) == "checkpoint");
  y.sum().backward();
  // d(sum(x W^T + b))/dW = column sums of x, per output row
  Tensor want = x.sum({0}).unsqueeze(0).expand({2, 3});
  CHECK(allclose(lin->weight.grad(), want, 1e-12, 1e-12));
  CHECK(allclose(lin->bias.grad(), full({2}, 4.0, kFloat64), 0, 0));
  {
    NoGradGuard no_grad;
    CHECK_FALSE(checkpoint(fn, {x}).requires_grad());
  }
}

TEST_CASE("checkpoint frees its inputs after backward; errors name checkpoint") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor y = checkpoint([](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {x});
  y.sum().backward({}, /*retain_graph=*/true);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2.0, 4.0});
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4.0, 8.0});
  CHECK(test_util::contains(test_util::error_of([&] { y.sum().backward(); }), "checkpoint: its saved tensors were freed"));

  CHECK(test_util::contains(test_util::error_of([&] { checkpoint(nullptr, {x}); }), "checkpoint: the function is empty"));
  // a function that is not the same the second time
  int calls = 0;
  Tensor z = checkpoint(
      [&](const std::vector<Tensor>& in) { return ++calls == 1 ? in[0] * 2.0 : in[0].sum(); }, {x});
  CHECK(test_util::contains(test_util::error_of([&] { z.sum().backward(); }),
                            "checkpoint: the function gave an output of shape [] when recomputed, [2] the first time"));
  // an input changed in place after the call cannot be recomputed from
  Tensor w = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor v = w * 1.0;
  Tensor u = checkpoint([](const std::vector<Tensor>& in) { return in[0] * in[0]; }, {v});
  v.mul_(2.0);
  CHECK(test_util::contains(test_util::error_of([&] { u.sum().backward(); }), "modified by an in-place operation"));
}

namespace {
// Peak resident memory (VmHWM, KiB) gained while `work` runs, measured in a child process so that
// each measurement starts from the same state and neither sees the other's memory. The child
// first gives every cached block back to the system (xgrad's CPU cache, then glibc's free
// lists), so that what `work` allocates is counted as it is touched.
long peak_rss_gain_kib(const std::function<void()>& work) {
  int fd[2];
  REQUIRE(pipe(fd) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    auto status_kib = [](const char* key) {
      std::ifstream f("/proc/self/status");
      std::string line;
      while (std::getline(f, line))
        if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
      return -1L;
    };
    kernels::cpu_detail::empty_cache();
    malloc_trim(0);
    { std::ofstream("/proc/self/clear_refs") << "5"; }  // resets the high-water mark to now
    long before = status_kib("VmRSS:");
    long gain = -1;
    try {
      work();
      gain = status_kib("VmHWM:") - before;
    } catch (...) {
    }
    ssize_t n = write(fd[1], &gain, sizeof gain);
    _exit(n == sizeof gain ? 0 : 1);
  }
  close(fd[1]);
  long gain = -1;
  ssize_t n = read(fd[0], &gain, sizeof gain);
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(n == sizeof gain);
  return gain;
}
}  // namespace

TEST_CASE("checkpointing a deep MLP lowers peak memory: 64 layers of 512, batch 256" *
          doctest::skip(test_util::kAddressSanitizer)) {
  manual_seed(0);
  constexpr int kLayers = 64, kWidth = 512, kBatch = 256, kSegment = 8;
  std::vector<nn::Sequential> segments;
  for (int s = 0; s < kLayers / kSegment; ++s) {
    nn::Sequential seg;
    for (int l = 0; l < kSegment; ++l) {
      seg->push_back(nn::Linear(kWidth, kWidth));
      seg->push_back(nn::Tanh());
    }
    segments.push_back(seg);
  }
  Tensor x = randn({kBatch, kWidth});
  auto train_step = [&](bool use_checkpoint) {
    Tensor h = x;
    for (auto& seg : segments)
      h = use_checkpoint ? checkpoint([&](const std::vector<Tensor>& in) { return seg(in[0]); }, {h}) : seg(h);
    h.sum().backward();
  };
  // A step in the steady state of training: the parameters' gradients exist already (zeroed in
  // place), so what a step adds is the activations kept for backward and the work in flight.
  train_step(false);
  for (auto& seg : segments) seg->zero_grad(/*set_to_none=*/false);
  long plain = peak_rss_gain_kib([&] { train_step(false); });
  long ckpt = peak_rss_gain_kib([&] { train_step(true); });
  MESSAGE("peak RSS gained in one step: plain " << plain / 1024 << " MiB, checkpointed " << ckpt / 1024 << " MiB");
  // activations kept by the plain run: 64 tanh outputs of 256 x 512 floats, 32 MiB
  CHECK(plain > 28 * 1024);
  REQUIRE(ckpt > 0);
  CHECK(ckpt < plain / 2);
}
