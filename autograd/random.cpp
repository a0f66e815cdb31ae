// One random engine for the process: a seed and a counter. Each draw takes the next `numel`
// counter values, so a run is repeatable bitwise after manual_seed, on either device.
#include <atomic>

#include "autograd/op.hpp"

namespace xgrad {

namespace {
std::atomic<uint64_t> g_seed{67280421310721ull};  // PyTorch's default seed
std::atomic<uint64_t> g_offset{0};

uint64_t take(int64_t n) { return g_offset.fetch_add(static_cast<uint64_t>(n)); }

Tensor draw(const char* op, const Shape& s, TensorOptions o, kernels::Random kind, double a, double b) {
  Tensor t = make_tensor(s, o.dtype(), o.device());
  if (t.numel()) kernels_for(t, op).random(t, kind, g_seed.load(), take(t.numel()), a, b);
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}

void need_floating(const char* op, Dtype d) {
  if (!is_floating(d)) fail(op, std::string("expected a floating dtype, got ") + dtype_name(d));
}
}  // namespace

void manual_seed(uint64_t seed) {
  g_seed = seed;
  g_offset = 0;
}

RngState get_rng_state() { return {g_seed.load(), g_offset.load()}; }

void set_rng_state(const RngState& state) {
  g_seed = state.seed;
  g_offset = state.offset;
}

Tensor rand(const Shape& s, TensorOptions o) {
  need_floating("rand", o.dtype());
  return draw("rand", s, o, kernels::Random::uniform, 0.0, 1.0);
}

Tensor randn(const Shape& s, TensorOptions o) {
  need_floating("randn", o.dtype());
  return draw("randn", s, o, kernels::Random::normal, 0.0, 1.0);
}

Tensor rand_like(const Tensor& t) {
  check_defined("rand_like", t);
  need_floating("rand_like", t.dtype());
  return rand(t.shape(), TensorOptions{t.dtype(), t.device()});
}
Tensor randn_like(const Tensor& t) {
  check_defined("randn_like", t);
  need_floating("randn_like", t.dtype());
  return randn(t.shape(), TensorOptions{t.dtype(), t.device()});
}

Tensor randint(int64_t low, int64_t high, const Shape& s, TensorOptions o) {
  if (high <= low) fail("randint", "high " + std::to_string(high) + " must exceed low " + std::to_string(low));
  return draw("randint", s, o, kernels::Random::uniform, static_cast<double>(low), static_cast<double>(high));
}

Tensor bernoulli(const Shape& s, double p, TensorOptions o) {
  if (!(p >= 0.0 && p <= 1.0)) fail("bernoulli", "p must be in [0, 1], got " + std::to_string(p));
  return draw("bernoulli", s, o, kernels::Random::bernoulli, p, 0.0);
}

Tensor randperm(int64_t n, TensorOptions o) {
  if (n < 0) fail("randperm", "n must be non-negative, got " + std::to_string(n));
  Tensor u = draw("randperm", {n}, kFloat64, kernels::Random::uniform, 0.0, 1.0);
  const double* r = u.data<double>();
  Tensor perm = make_tensor({n}, kInt64, kCPU);
  int64_t* p = perm.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    int64_t j = std::min<int64_t>(static_cast<int64_t>(r[i] * static_cast<double>(i + 1)), i);
    std::swap(p[i], p[j]);
  }
  return perm.to(o.dtype()).to(o.device());
}

Tensor& uniform_(Tensor& t, double low, double high) {
  check_defined("uniform_", t);
  if (t.numel()) kernels_for(t, "uniform_").random(t, kernels::Random::uniform, g_seed.load(), take(t.numel()), low, high);
  t.impl()->storage->version++;
  return t;
}

Tensor& normal_(Tensor& t, double mean, double stddev) {
  check_defined("normal_", t);
  need_floating("normal_", t.dtype());
  if (t.numel()) kernels_for(t, "normal_").random(t, kernels::Random::normal, g_seed.load(), take(t.numel()), mean, stddev);
  t.impl()->storage->version++;
  return t;
}

}  // namespace xgrad
