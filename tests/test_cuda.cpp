// The CUDA kernel table against the CPU table: every entry on the same random inputs, plus the
// caching allocator. Without a device the binary exits 77 (CTest: skipped) and says why.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "autograd/kernels.hpp"
#include "cuda/cuda.hpp"

using namespace xgrad;
using kernels::Binary;
using kernels::Random;
using kernels::Reduce;
using kernels::Unary;

namespace {

// Called first in every test case, so a filtered run skips as well.
void skip_without_device() {
  if (cuda::is_available()) return;
  std::string reason = "no device";
  try {
    kernels::cuda("test");
  } catch (const Error& e) {
    reason = e.what();
  }
  std::printf("test_cuda: SKIPPED: no CUDA device (%s)\n", reason.c_str());
  std::fflush(stdout);
  std::exit(77);
}

const kernels::Table& cpu() { return kernels::cpu(); }
const kernels::Table& gpu() { return kernels::cuda("test"); }

size_t nbytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * element_size(t.dtype()); }

Tensor host(const Shape& s, Dtype d) { return make_tensor(s, d, kCPU); }

Tensor to_device(const Tensor& h) {
  Tensor d = make_tensor(h.shape(), h.dtype(), kCUDA);
  gpu().copy_from_host(d.data_ptr(), h.data_ptr(), nbytes(h));
  return d;
}

Tensor to_host(const Tensor& d) {
  Tensor h = host(d.shape(), d.dtype());
  gpu().copy_to_host(h.data_ptr(), d.data_ptr(), nbytes(d));
  return h;
}

double get(const Tensor& h, int64_t i) {
  switch (h.dtype()) {
    case Dtype::f32:
      return static_cast<const float*>(h.data_ptr())[i];
    case Dtype::f64:
      return static_cast<const double*>(h.data_ptr())[i];
    case Dtype::i64:
      return static_cast<double>(static_cast<const int64_t*>(h.data_ptr())[i]);
  }
  return 0;
}

void set(Tensor& h, int64_t i, double v) {
  switch (h.dtype()) {
    case Dtype::f32:
      static_cast<float*>(h.data_ptr())[i] = static_cast<float>(v);
      break;
    case Dtype::f64:
      static_cast<double*>(h.data_ptr())[i] = v;
      break;
    case Dtype::i64:
      static_cast<int64_t*>(h.data_ptr())[i] = static_cast<int64_t>(v);
      break;
  }
}

std::mt19937_64& rng() {
  static std::mt19937_64 g(12345);
  return g;
}

// Uniform values in [lo, hi) (integers for int64), on the CPU.
Tensor random_host(const Shape& s, Dtype d, double lo = -1, double hi = 1) {
  Tensor h = host(s, d);
  std::uniform_real_distribution<double> u(lo, hi);
  for (int64_t i = 0; i < h.numel(); ++i)
    set(h, i, d == Dtype::i64 ? std::floor(u(rng())) : u(rng()));
  return h;
}

Tensor copy_host(const Tensor& h) {
  Tensor c = host(h.shape(), h.dtype());
  std::memcpy(c.data_ptr(), h.data_ptr(), nbytes(h));
  return c;
}

// The device result (copied back) against the CPU result, element by element.
void check_close(const Tensor& expected, const Tensor& device, double rtol, double atol,
                 const std::string& what) {
  INFO(what);
  REQUIRE(expected.shape() == device.shape());
  REQUIRE(expected.dtype() == device.dtype());
  Tensor got = to_host(device);
  int64_t bad = -1;
  for (int64_t i = 0; i < expected.numel() && bad < 0; ++i) {
    double e = get(expected, i), g = get(got, i);
    bool same =
        (std::isnan(e) && std::isnan(g)) || e == g || std::abs(e - g) <= atol + rtol * std::abs(e);
    if (!same) bad = i;
  }
  if (bad >= 0) {
    INFO("first mismatch at " << bad << ": cpu " << get(expected, bad) << ", cuda "
                              << get(got, bad));
    CHECK(bad < 0);
  }
}

void check_equal(const Tensor& expected, const Tensor& device, const std::string& what) {
  INFO(what);
  REQUIRE(expected.shape() == device.shape());
  Tensor got = to_host(device);
  int64_t bad = -1;
  for (int64_t i = 0; i < expected.numel() && bad < 0; ++i) {
    size_t w = element_size(expected.dtype());
    if (std::memcmp(static_cast<const char*>(expected.data_ptr()) + i * w,
                    static_cast<const char*>(got.data_ptr()) + i * w, w) != 0)
      bad = i;
  }
  if (bad >= 0) {
    INFO("first difference at " << bad << ": cpu " << get(expected, bad) << ", cuda "
                                << get(got, bad));
    CHECK(bad < 0);
  }
}

double rtol_of(Dtype d) { return d == Dtype::f32 ? 1e-5 : 1e-12; }
double atol_of(Dtype d) { return d == Dtype::f32 ? 1e-6 : 1e-14; }

const Dtype kAll[] = {Dtype::f32, Dtype::f64, Dtype::i64};
const Dtype kFloats[] = {Dtype::f32, Dtype::f64};

}  // namespace

TEST_CASE("cuda: a device is present, or the binary skips with the reason") {
  skip_without_device();
  CHECK(cuda::device_count() > 0);
}

TEST_CASE("cuda table fills every entry") {
  skip_without_device();
  CHECK(kernels::missing(kernels::cuda("test")).empty());
}

TEST_CASE("copies round-trip between host and device and within the device") {
  skip_without_device();
  for (Dtype d : kAll) {
    Tensor h = random_host({1001}, d, -50, 50);
    Tensor a = to_device(h);
    Tensor b = make_tensor(h.shape(), d, kCUDA);
    gpu().copy(b.data_ptr(), a.data_ptr(), nbytes(h));
    check_equal(h, b, "copy");
  }
}

TEST_CASE("caching allocator reuses blocks and empty_cache returns them") {
  skip_without_device();
  cuda::synchronize();
  for (int i = 0; i < 3; ++i) make_tensor({1000, 37}, Dtype::f32, kCUDA);  // warm
  size_t mallocs = cuda::memory_stats().device_mallocs;
  size_t allocated = cuda::memory_stats().allocated_bytes;
  for (int i = 0; i < 100; ++i) {
    Tensor t = make_tensor({1000, 37}, Dtype::f32, kCUDA);
    Tensor u = make_tensor({17}, Dtype::f64, kCUDA);
    gpu().fill(t, 1.0);
    gpu().fill(u, 2.0);
  }
  CHECK(cuda::memory_stats().device_mallocs <= mallocs + 1);  // the 17-element block, once
  CHECK(cuda::memory_stats().allocated_bytes == allocated);
  CHECK(cuda::memory_stats().cached_bytes >= 1000 * 37 * 4);
  cuda::empty_cache();
  CHECK(cuda::memory_stats().cached_bytes == 0);
  size_t before = cuda::memory_stats().device_mallocs;
  Tensor t = make_tensor({1000, 37}, Dtype::f32, kCUDA);
  CHECK(cuda::memory_stats().device_mallocs == before + 1);
}

TEST_CASE("an allocation larger than the device raises an error, not an abort") {
  skip_without_device();
  try {
    gpu().allocate(size_t{1} << 52);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("out of memory") != std::string::npos);
  }
  Tensor t = make_tensor({4}, Dtype::f32, kCUDA);  // the device still works
  gpu().fill(t, 3.0);
  check_equal(copy_host(to_host(t)), t, "after out of memory");
}

TEST_CASE("cast, fill and arange match the CPU") {
  skip_without_device();
  for (Dtype from : kAll) {
    for (Dtype to : kAll) {
      Tensor x = random_host({513}, from, -100, 100);
      Tensor out_c = host(x.shape(), to);
      cpu().cast(x, out_c);
      Tensor out_g = make_tensor(x.shape(), to, kCUDA);
      gpu().cast(to_device(x), out_g);
      check_equal(out_c, out_g, std::string("cast ") + dtype_name(from) + " -> " + dtype_name(to));
    }
  }
  for (Dtype d : kAll) {
    Tensor c = host({3, 333}, d);
    Tensor g = make_tensor({3, 333}, d, kCUDA);
    cpu().fill(c, -3.25);
    gpu().fill(g, -3.25);
    check_equal(c, g, std::string("fill ") + dtype_name(d));
    cpu().arange(c, d == Dtype::i64 ? 5 : -3.5, d == Dtype::i64 ? 3 : 0.1);
    gpu().arange(g, d == Dtype::i64 ? 5 : -3.5, d == Dtype::i64 ? 3 : 0.1);
    check_close(c, g, rtol_of(d), atol_of(d), std::string("arange ") + dtype_name(d));
  }
}

TEST_CASE("random draws are the CPU's numbers") {
  skip_without_device();
  const uint64_t seed = 0x5eed1234abcdULL, offset = 987654321;
  const int64_t n = 100003;
  for (Dtype d : kAll) {
    struct Case {
      Random kind;
      double a, b;
    };
    std::vector<Case> cases = {
        {Random::uniform, 0, 1}, {Random::uniform, -2, 3}, {Random::bernoulli, 0.3, 0}};
    if (d == Dtype::i64) cases = {{Random::uniform, -5, 17}, {Random::bernoulli, 0.7, 0}};
    for (const Case& k : cases) {
      Tensor c = host({n}, d);
      Tensor g = make_tensor({n}, d, kCUDA);
      cpu().random(c, k.kind, seed, offset, k.a, k.b);
      gpu().random(g, k.kind, seed, offset, k.a, k.b);
      check_equal(c, g,
                  std::string("random ") + dtype_name(d) + " kind " +
                      std::to_string(static_cast<int>(k.kind)) + " a " + std::to_string(k.a));
    }
  }
  for (Dtype d : kFloats) {
    Tensor c = host({n}, d);
    Tensor g = make_tensor({n}, d, kCUDA);
    cpu().random(c, Random::normal, seed, offset, 0.5, 2.0);
    gpu().random(g, Random::normal, seed, offset, 0.5, 2.0);
    check_close(c, g, 1e-6, 1e-6, std::string("normal ") + dtype_name(d));
  }
  Tensor g = make_tensor({4}, Dtype::i64, kCUDA);
  CHECK_THROWS_AS(gpu().random(g, Random::normal, seed, 0, 0, 1), Error);
}

namespace {

struct UnaryCase {
  Unary op;
  double a, b;
  double lo, hi;  // input range
};

void check_unary(const UnaryCase& k, Dtype d) {
  Tensor x = random_host({7, 129}, d, k.lo, k.hi);
  if (k.op == Unary::eq_scalar || k.op == Unary::ne_scalar) set(x, 3, k.a);  // a hit
  Tensor c = host(x.shape(), d);
  cpu().unary(k.op, x, c, k.a, k.b);
  Tensor g = make_tensor(x.shape(), d, kCUDA);
  gpu().unary(k.op, to_device(x), g, k.a, k.b);
  check_close(c, g, rtol_of(d), atol_of(d),
              std::string("unary ") + std::to_string(static_cast<int>(k.op)) + " " + dtype_name(d) +
                  " a=" + std::to_string(k.a));
}

}  // namespace

TEST_CASE("unary kernels match the CPU") {
  skip_without_device();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<UnaryCase> floats = {
      {Unary::neg, 0, 0, -3, 3},           {Unary::exp, 0, 0, -10, 10},
      {Unary::log, 0, 0, 1e-3, 100},       {Unary::sqrt, 0, 0, 0, 100},
      {Unary::abs, 0, 0, -3, 3},           {Unary::sign, 0, 0, -3, 3},
      {Unary::tanh, 0, 0, -5, 5},          {Unary::sigmoid, 0, 0, -30, 30},
      {Unary::relu, 0, 0, -3, 3},          {Unary::softplus, 0, 0, -40, 40},
      {Unary::add_scalar, 0.7, 0, -3, 3},  {Unary::mul_scalar, -1.3, 0, -3, 3},
      {Unary::rsub_scalar, 2.5, 0, -3, 3}, {Unary::rdiv_scalar, 1.5, 0, 0.5, 3},
      {Unary::pow_scalar, 2, 0, -3, 3},    {Unary::pow_scalar, 0.5, 0, 0, 9},
      {Unary::pow_scalar, 3.3, 0, 0.1, 3}, {Unary::rpow_scalar, 1.7, 0, -3, 3},
      {Unary::leaky_relu, 0.01, 0, -3, 3}, {Unary::clamp, -0.5, 0.25, -1, 1},
      {Unary::clamp, -inf, 0.25, -1, 1},   {Unary::clamp, -0.5, inf, -1, 1},
      {Unary::eq_scalar, 0.5, 0, -1, 1},   {Unary::ne_scalar, 0.5, 0, -1, 1},
      {Unary::lt_scalar, 0.1, 0, -1, 1},   {Unary::le_scalar, 0.1, 0, -1, 1},
      {Unary::gt_scalar, 0.1, 0, -1, 1},   {Unary::ge_scalar, 0.1, 0, -1, 1},
  };
  for (Dtype d : kFloats)
    for (const UnaryCase& k : floats) check_unary(k, d);
  const std::vector<UnaryCase> ints = {
      {Unary::neg, 0, 0, -50, 50},         {Unary::abs, 0, 0, -50, 50},
      {Unary::sign, 0, 0, -5, 5},          {Unary::relu, 0, 0, -50, 50},
      {Unary::add_scalar, 7, 0, -50, 50},  {Unary::add_scalar, 0.5, 0, -50, 50},
      {Unary::mul_scalar, -3, 0, -50, 50}, {Unary::mul_scalar, 1.5, 0, -50, 50},
      {Unary::rsub_scalar, 4, 0, -50, 50}, {Unary::rdiv_scalar, 100, 0, 1, 50},
      {Unary::pow_scalar, 2, 0, -50, 50},  {Unary::pow_scalar, 3, 0, -50, 50},
      {Unary::rpow_scalar, 2, 0, 0, 40},   {Unary::leaky_relu, 0.5, 0, -50, 50},
      {Unary::clamp, -2.5, 3.5, -10, 10},  {Unary::clamp, -inf, 3, -10, 10},
      {Unary::eq_scalar, 2, 0, -5, 5},     {Unary::ne_scalar, 2, 0, -5, 5},
      {Unary::lt_scalar, 2.5, 0, -5, 5},   {Unary::le_scalar, 2, 0, -5, 5},
      {Unary::gt_scalar, -1.5, 0, -5, 5},  {Unary::ge_scalar, 2, 0, -5, 5},
  };
  for (const UnaryCase& k : ints) check_unary(k, Dtype::i64);
  Tensor x = to_device(random_host({5}, Dtype::i64, 1, 5));
  Tensor g = make_tensor({5}, Dtype::i64, kCUDA);
  CHECK_THROWS_AS(gpu().unary(Unary::exp, x, g, 0, 0), Error);
  gpu().fill(x, 0);
  CHECK_THROWS_AS(gpu().unary(Unary::rdiv_scalar, x, g, 3, 0), Error);
}

TEST_CASE("binary kernels and where broadcast like the CPU") {
  skip_without_device();
  struct Shapes {
    Shape a, b, out;
  };
  const std::vector<Shapes> shapes = {{{4, 5, 6}, {4, 5, 6}, {4, 5, 6}},
                                      {{4, 1, 6}, {5, 1}, {4, 5, 6}},
                                      {{}, {3, 4}, {3, 4}},
                                      {{300, 129}, {129}, {300, 129}},
                                      {{1}, {7}, {7}},
                                      {{2, 1, 3, 1}, {1, 4, 1, 5}, {2, 4, 3, 5}}};
  const Binary all[] = {Binary::add,
                        Binary::sub,
                        Binary::mul,
                        Binary::div,
                        Binary::pow,
                        Binary::maximum,
                        Binary::minimum,
                        Binary::eq,
                        Binary::ne,
                        Binary::lt,
                        Binary::le,
                        Binary::gt,
                        Binary::ge,
                        Binary::add_scaled,
                        Binary::tanh_backward,
                        Binary::sigmoid_backward,
                        Binary::threshold_backward};
  for (Dtype d : kAll) {
    for (Binary op : all) {
      bool fused = op == Binary::tanh_backward || op == Binary::sigmoid_backward ||
                   op == Binary::threshold_backward;
      if (d == Dtype::i64 && fused) continue;
      for (const Shapes& s : shapes) {
        bool positive = op == Binary::pow || op == Binary::div;
        double lo = positive ? 1 : -4, hi = op == Binary::pow ? 3 : 4;
        Tensor a = random_host(s.a, d, lo, hi), b = random_host(s.b, d, lo, hi);
        double alpha = d == Dtype::i64 ? 3 : 0.37;
        Tensor c = host(s.out, d);
        cpu().binary(op, a, b, c, alpha);
        Tensor g = make_tensor(s.out, d, kCUDA);
        gpu().binary(op, to_device(a), to_device(b), g, alpha);
        check_close(c, g, rtol_of(d), atol_of(d),
                    std::string("binary ") + std::to_string(static_cast<int>(op)) + " " +
                        dtype_name(d) + " " + s.a.str() + " with " + s.b.str());
      }
    }
  }
  {  // int64 division by zero is an error on both devices
    Tensor a = random_host({3}, Dtype::i64, 1, 5), b = host({3}, Dtype::i64);
    cpu().fill(b, 0);
    Tensor g = make_tensor({3}, Dtype::i64, kCUDA);
    CHECK_THROWS_AS(gpu().binary(Binary::div, to_device(a), to_device(b), g, 0), Error);
  }
  for (Dtype cd : kAll) {
    for (Dtype d : kAll) {
      Tensor cond = random_host({4, 1, 6}, cd, -1, 2);  // about a third zeros for int64
      if (cd != Dtype::i64)
        for (int64_t i = 0; i < cond.numel(); i += 3) set(cond, i, 0);
      Tensor a = random_host({5, 1}, d, -9, 9), b = random_host({6}, d, -9, 9);
      Tensor c = host({4, 5, 6}, d);
      cpu().where(cond, a, b, c);
      Tensor g = make_tensor({4, 5, 6}, d, kCUDA);
      gpu().where(to_device(cond), to_device(a), to_device(b), g);
      check_equal(c, g, std::string("where cond ") + dtype_name(cd) + " values " + dtype_name(d));
    }
  }
}

TEST_CASE("reductions match the CPU, first index of the extreme included") {
  skip_without_device();
  struct Extents {
    int64_t outer, n, inner;
  };
  const std::vector<Extents> extents = {{1, 1, 1},       {7, 13, 1},     {3, 5000, 1},
                                        {1, 1000003, 1}, {1, 100000, 3}, {5, 37, 70},
                                        {2, 3, 1000},    {64, 2000, 1},  {1, 70000, 40}};
  const Reduce ops[] = {Reduce::sum, Reduce::max, Reduce::min, Reduce::argmax, Reduce::argmin};
  for (Dtype d : kAll) {
    for (const Extents& e : extents) {
      // int64 in a small range: many ties, so the first index is what is tested
      Tensor x = random_host({e.outer, e.n, e.inner}, d, d == Dtype::i64 ? -20 : -1,
                             d == Dtype::i64 ? 20 : 1);
      Tensor xd = to_device(x);
      for (Reduce op : ops) {
        bool arg = op == Reduce::argmax || op == Reduce::argmin;
        Dtype od = arg ? Dtype::i64 : d;
        Tensor c = host({e.outer, e.inner}, od);
        cpu().reduce(op, x, c, e.outer, e.n, e.inner);
        Tensor g = make_tensor({e.outer, e.inner}, od, kCUDA);
        gpu().reduce(op, xd, g, e.outer, e.n, e.inner);
        std::string what = std::string("reduce ") + std::to_string(static_cast<int>(op)) + " " +
                           dtype_name(d) + " [" + std::to_string(e.outer) + ", " +
                           std::to_string(e.n) + ", " + std::to_string(e.inner) + "]";
        if (op == Reduce::sum && d != Dtype::i64)  // both sum in double, in different orders
          check_close(c, g, rtol_of(d), 1e-13 * static_cast<double>(e.n), what);
        else
          check_equal(c, g, what);
      }
    }
  }
  for (Dtype d : kFloats) {  // NaN is the extreme, and the first NaN is the index
    Tensor x = random_host({3, 50, 1}, d);
    set(x, 60, std::nan(""));
    set(x, 70, std::nan(""));
    for (Reduce op : ops) {
      bool arg = op == Reduce::argmax || op == Reduce::argmin;
      Dtype od = arg ? Dtype::i64 : d;
      Tensor c = host({3, 1}, od);
      cpu().reduce(op, x, c, 3, 50, 1);
      Tensor g = make_tensor({3, 1}, od, kCUDA);
      gpu().reduce(op, to_device(x), g, 3, 50, 1);
      check_close(c, g, 0, 0,
                  std::string("reduce with NaN ") + std::to_string(static_cast<int>(op)));
    }
  }
  Tensor empty = make_tensor({2, 0, 3}, Dtype::f32, kCUDA),
         g = make_tensor({2, 3}, Dtype::f32, kCUDA);
  gpu().reduce(Reduce::sum, empty, g, 2, 0, 3);
  Tensor zeros = host({2, 3}, Dtype::f32);
  cpu().fill(zeros, 0);
  check_equal(zeros, g, "sum over an empty dim");
  CHECK_THROWS_AS(gpu().reduce(Reduce::max, empty, g, 2, 0, 3), Error);
}

TEST_CASE("gemm matches the CPU: transposes, batches, broadcast operands, alpha and beta") {
  skip_without_device();
  struct Case {
    int64_t batch, m, n, k;
    bool ta, tb;
    bool a_shared, b_shared;  // stride 0: one matrix for the whole batch
    double alpha, beta;
  };
  std::vector<Case> cases;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      cases.push_back({1, 17, 33, 9, ta, tb, false, false, 1, 0});
      cases.push_back({3, 16, 5, 40, ta, tb, false, false, 1.5, 0.5});
      cases.push_back({4, 7, 11, 13, ta, tb, false, true, 1, 0});
      cases.push_back({2, 7, 11, 13, ta, tb, true, false, -0.5, 2});
    }
  cases.push_back({1, 128, 96, 200, false, false, false, false, 1, 0});
  cases.push_back({2, 5, 6, 0, false, false, false, false, 1, 0});
  cases.push_back({2, 5, 6, 0, false, false, false, false, 1, 2});
  for (Dtype d : kFloats) {
    for (const Case& k : cases) {
      int64_t a_stride = k.a_shared ? 0 : k.m * k.k, b_stride = k.b_shared ? 0 : k.k * k.n;
      Tensor a = random_host({k.a_shared ? 1 : k.batch, k.m * k.k}, d);
      Tensor b = random_host({k.b_shared ? 1 : k.batch, k.k * k.n}, d);
      Tensor c = random_host({k.batch, k.m, k.n}, d);
      Tensor g = to_device(c);
      cpu().gemm(a, b, c, k.ta, k.tb, k.batch, k.m, k.n, k.k, a_stride, b_stride, k.alpha, k.beta);
      gpu().gemm(to_device(a), to_device(b), g, k.ta, k.tb, k.batch, k.m, k.n, k.k, a_stride,
                 b_stride, k.alpha, k.beta);
      double eps = d == Dtype::f32 ? 1.2e-7 : 2.3e-16;
      check_close(c, g, rtol_of(d), 8 * eps * static_cast<double>(k.k + 2),
                  std::string("gemm ") + dtype_name(d) + " batch " + std::to_string(k.batch) +
                      " m n k " + std::to_string(k.m) + " " + std::to_string(k.n) + " " +
                      std::to_string(k.k) + (k.ta ? " ta" : "") + (k.tb ? " tb" : "") +
                      (k.a_shared ? " a shared" : "") + (k.b_shared ? " b shared" : ""));
    }
  }
  Tensor i = make_tensor({2, 2}, Dtype::i64, kCUDA);
  CHECK_THROWS_AS(gpu().gemm(i, i, i, false, false, 1, 2, 2, 2, 0, 0, 1, 0), Error);
}

TEST_CASE("permute, expand and slice move the same elements as the CPU") {
  skip_without_device();
  for (Dtype d : kAll) {
    Tensor x = random_host({2, 3, 4, 5}, d, -100, 100);
    for (Shape perm :
         {Shape{3, 1, 0, 2}, Shape{0, 1, 2, 3}, Shape{0, 2, 1, 3}, Shape{3, 2, 1, 0}}) {
      Shape out_shape;
      for (int64_t p : perm) out_shape.push_back(x.shape()[p]);
      Tensor c = host(out_shape, d);
      cpu().permute(x, c, perm);
      Tensor g = make_tensor(out_shape, d, kCUDA);
      gpu().permute(to_device(x), g, perm);
      check_equal(c, g, "permute " + perm.str());
    }
    struct Expand {
      Shape from, to;
    };
    for (const Expand& e : {Expand{{3, 1, 5}, {2, 3, 4, 5}}, Expand{{}, {4, 4}}, Expand{{1}, {7}},
                            Expand{{2, 1}, {2, 300}}}) {
      Tensor y = random_host(e.from, d, -100, 100);
      Tensor c = host(e.to, d);
      cpu().expand(y, c);
      Tensor g = make_tensor(e.to, d, kCUDA);
      gpu().expand(to_device(y), g);
      check_equal(c, g, "expand " + e.from.str() + " to " + e.to.str());
    }
    // slice out of [3, 10, 4] rows 2..7, and into [3, 12, 4] at row 5
    Tensor src = random_host({3, 10, 4}, d, -100, 100);
    Tensor c = host({3, 5, 4}, d);
    cpu().slice(src, c, 3, 10, 5, 4, 2, false);
    Tensor g = make_tensor({3, 5, 4}, d, kCUDA);
    gpu().slice(to_device(src), g, 3, 10, 5, 4, 2, false);
    check_equal(c, g, "slice out");
    Tensor dst = random_host({3, 12, 4}, d, -100, 100);
    Tensor gd = to_device(dst);
    cpu().slice(src, dst, 3, 10, 12, 4, 1, true);
    gpu().slice(to_device(src), gd, 3, 10, 12, 4, 1, true);
    check_equal(dst, gd, "slice into");
  }
}

TEST_CASE("index_select, gather, index_add, scatter_add and one_hot match the CPU") {
  skip_without_device();
  const int64_t outer = 4, n = 10, inner = 3, k = 7;
  Tensor index = random_host({k}, Dtype::i64, 0, n);
  set(index, 1, get(index, 0));  // a repeated index: index_add must add both
  Tensor gindex = random_host({outer, k, inner}, Dtype::i64, 0, n);
  for (Dtype d : kAll) {
    Tensor x = random_host({outer, n, inner}, d, -100, 100);
    Tensor c = host({outer, k, inner}, d);
    cpu().index_select(x, index, c, outer, n, inner);
    Tensor g = make_tensor({outer, k, inner}, d, kCUDA);
    gpu().index_select(to_device(x), to_device(index), g, outer, n, inner);
    check_equal(c, g, std::string("index_select ") + dtype_name(d));

    cpu().gather(x, gindex, c, outer, n, k, inner);
    gpu().gather(to_device(x), to_device(gindex), g, outer, n, k, inner);
    check_equal(c, g, std::string("gather ") + dtype_name(d));

    Tensor src = random_host({outer, k, inner}, d, -100, 100);
    Tensor out = random_host({outer, n, inner}, d, -100, 100);
    Tensor out_g = to_device(out);
    Tensor out_s = copy_host(out), out_sg = to_device(out);
    cpu().index_add(src, index, out, outer, n, inner);
    gpu().index_add(to_device(src), to_device(index), out_g, outer, n, inner);
    check_close(out, out_g, rtol_of(d), 1e-12, std::string("index_add ") + dtype_name(d));
    cpu().scatter_add(src, gindex, out_s, outer, n, k, inner);
    gpu().scatter_add(to_device(src), to_device(gindex), out_sg, outer, n, k, inner);
    check_close(out_s, out_sg, rtol_of(d), 1e-12, std::string("scatter_add ") + dtype_name(d));

    Tensor labels = random_host({37}, Dtype::i64, 0, 5);
    Tensor oc = host({37, 5}, d);
    cpu().one_hot(labels, oc, 5);
    Tensor og = make_tensor({37, 5}, d, kCUDA);
    gpu().one_hot(to_device(labels), og, 5);
    check_equal(oc, og, std::string("one_hot ") + dtype_name(d));
  }
}

TEST_CASE("softmax and log_softmax match the CPU, rows and columns, large inputs included") {
  skip_without_device();
  struct Extents {
    int64_t outer, n, inner;
  };
  for (Dtype d : kFloats) {
    for (const Extents& e : {Extents{8, 10, 1}, Extents{3, 3000, 1}, Extents{4, 7, 5},
                             Extents{1, 1, 1}, Extents{2, 50, 300}, Extents{1000, 33, 1}}) {
      Tensor x = random_host({e.outer, e.n, e.inner}, d, -30, 30);
      for (bool log : {false, true}) {
        Tensor c = host(x.shape(), d);
        cpu().softmax(x, c, e.outer, e.n, e.inner, log);
        Tensor g = make_tensor(x.shape(), d, kCUDA);
        gpu().softmax(to_device(x), g, e.outer, e.n, e.inner, log);
        check_close(c, g, rtol_of(d), atol_of(d),
                    std::string(log ? "log_softmax " : "softmax ") + dtype_name(d) + " [" +
                        std::to_string(e.outer) + ", " + std::to_string(e.n) + ", " +
                        std::to_string(e.inner) + "]");
      }
    }
  }
  Tensor xi = make_tensor({2, 3}, Dtype::i64, kCUDA);
  CHECK_THROWS_AS(gpu().softmax(xi, xi, 2, 3, 1, false), Error);
}

TEST_CASE("softmax may write over its input") {
  skip_without_device();
  Tensor x = random_host({5, 2000}, Dtype::f32, -5, 5);
  Tensor c = host(x.shape(), Dtype::f32);
  cpu().softmax(x, c, 5, 2000, 1, true);
  Tensor g = to_device(x);
  gpu().softmax(g, g, 5, 2000, 1, true);
  check_close(c, g, 1e-5, 1e-6, "log_softmax in place");
}

TEST_CASE("the fused Adam step matches the CPU: Adam, AdamW, AMSGrad, maximize") {
  skip_without_device();
  struct Case {
    bool decoupled, amsgrad, maximize;
    double weight_decay;
  };
  for (Dtype d : kFloats) {
    for (Case c : {Case{false, false, false, 0.0}, Case{false, true, true, 0.1}, Case{true, false, false, 0.01},
                   Case{true, true, false, 0.2}}) {
      const int64_t n = 10007;  // not a multiple of a block
      Tensor p = random_host({n}, d), g = random_host({n}, d);
      Tensor m = random_host({n}, d, -0.1, 0.1), v = random_host({n}, d, 0, 0.1), vmax = random_host({n}, d, 0, 0.1);
      kernels::AdamStep s{.lr = 1e-2,
                          .beta1 = 0.9,
                          .beta2 = 0.999,
                          .eps = 1e-8,
                          .weight_decay = c.weight_decay,
                          .step_size = 1e-2 / (1 - 0.9 * 0.9 * 0.9),
                          .bias_correction2_sqrt = std::sqrt(1 - 0.999 * 0.999 * 0.999),
                          .decoupled = c.decoupled,
                          .amsgrad = c.amsgrad,
                          .maximize = c.maximize};
      Tensor dp = to_device(p), dg = to_device(g), dm = to_device(m), dv = to_device(v), dvmax = to_device(vmax);
      Tensor none;
      cpu().adam(p, g, m, v, c.amsgrad ? vmax : none, s);
      gpu().adam(dp, dg, dm, dv, c.amsgrad ? dvmax : none, s);
      std::string what = std::string("adam ") + dtype_name(d) + (c.decoupled ? " decoupled" : "") +
                         (c.amsgrad ? " amsgrad" : "") + (c.maximize ? " maximize" : "");
      check_close(p, dp, rtol_of(d), atol_of(d), what + ": parameter");
      check_close(m, dm, rtol_of(d), atol_of(d), what + ": exp_avg");
      check_close(v, dv, rtol_of(d), atol_of(d), what + ": exp_avg_sq");
      if (c.amsgrad) check_close(vmax, dvmax, rtol_of(d), atol_of(d), what + ": max_exp_avg_sq");
    }
  }
  Tensor pi = make_tensor({3}, Dtype::i64, kCUDA), none;
  kernels::AdamStep s{};
  CHECK_THROWS_AS(gpu().adam(pi, pi, pi, pi, none, s), Error);
}
