// One random engine for the process: a seed and a counter. Each draw takes the next `numel`
// counter values, so a run is repeatable bitwise after manual_seed, on either device.
#include "xgrad/autograd/random.hpp"

#include <mutex>

#include "autograd/op.hpp"
#include "autograd/random_internal.hpp"

namespace xgrad {

// ---- Generator

struct Generator::Lock {
  std::mutex mutex;
};

Generator::Generator(uint64_t seed) : lock_(std::make_unique<Lock>()), state_{seed, 0} {}
Generator::~Generator() = default;

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard lock(lock_->mutex);
  state_ = {seed, 0};
}

uint64_t Generator::seed() const {
  std::lock_guard lock(lock_->mutex);
  return state_.seed;
}

RngState Generator::state() const {
  std::lock_guard lock(lock_->mutex);
  return state_;
}

void Generator::set_state(const RngState& state) {
  std::lock_guard lock(lock_->mutex);
  state_ = state;
}

std::vector<uint8_t> Generator::get_state() const {
  RngState s = state();
  std::vector<uint8_t> out(kStateSize);
  for (int i = 0; i < 8; ++i) {
    out[static_cast<size_t>(i)] = static_cast<uint8_t>(s.seed >> (8 * i));
    out[static_cast<size_t>(8 + i)] = static_cast<uint8_t>(s.offset >> (8 * i));
  }
  return out;
}

void Generator::set_state(const std::vector<uint8_t>& bytes) {
  if (bytes.size() != kStateSize)
    throw Error("Generator::set_state: expected " + std::to_string(kStateSize) +
                " bytes (seed and offset, as get_state() gives), got " +
                std::to_string(bytes.size()));
  RngState s;
  for (int i = 7; i >= 0; --i) {
    s.seed = (s.seed << 8) | bytes[static_cast<size_t>(i)];
    s.offset = (s.offset << 8) | bytes[static_cast<size_t>(8 + i)];
  }
  set_state(s);
}

RngState Generator::take(uint64_t n) {
  std::lock_guard lock(lock_->mutex);
  RngState at = state_;
  state_.offset += n;
  return at;
}

Generator& default_generator() {
  // PyTorch's default seed. Never destroyed: a draw from a static destructor or a thread still
  // running at exit finds it whole.
  static Generator& g = *new Generator;
  return g;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

RngState get_rng_state() { return default_generator().state(); }

void set_rng_state(const RngState& state) { default_generator().set_state(state); }

namespace {

void fill_random(Tensor& t, const char* op, kernels::Random kind, double a, double b) {
  if (!t.numel()) return;
  RngState at = default_generator().take(static_cast<uint64_t>(t.numel()));
  kernels_for(t, op).random(t, kind, at.seed, at.offset, a, b);
}

Tensor draw(const char* op, const Shape& s, TensorOptions o, kernels::Random kind, double a, double b) {
  Tensor t = make_tensor(s, o.dtype(), o.device());
  fill_random(t, op, kind, a, b);
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}

void need_floating(const char* op, Dtype d) {
  if (!is_floating(d)) fail(op, std::string("expected a floating dtype, got ") + dtype_name(d));
}
}  // namespace

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

namespace detail {
Tensor randperm(int64_t n, Generator& gen) {
  if (n < 0) fail("randperm", "n must be non-negative, got " + std::to_string(n));
  Tensor u = make_tensor({n}, kFloat64, kCPU);
  if (n) {
    RngState at = gen.take(static_cast<uint64_t>(n));
    kernels_for(u, "randperm").random(u, kernels::Random::uniform, at.seed, at.offset, 0.0, 1.0);
  }
  const double* r = u.data<double>();
  Tensor perm = make_tensor({n}, kInt64, kCPU);
  int64_t* p = perm.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    int64_t j = std::min<int64_t>(static_cast<int64_t>(r[i] * static_cast<double>(i + 1)), i);
    std::swap(p[i], p[j]);
  }
  return perm;
}
}  // namespace detail

Tensor randperm(int64_t n, TensorOptions o) {
  return detail::randperm(n, default_generator()).to(o.dtype()).to(o.device());
}

Tensor& uniform_(Tensor& t, double low, double high) {
  check_defined("uniform_", t);
  fill_random(t, "uniform_", kernels::Random::uniform, low, high);
  t.impl()->storage->version++;
  return t;
}

Tensor& normal_(Tensor& t, double mean, double stddev) {
  check_defined("normal_", t);
  need_floating("normal_", t.dtype());
  fill_random(t, "normal_", kernels::Random::normal, mean, stddev);
  t.impl()->storage->version++;
  return t;
}

}  // namespace xgrad
