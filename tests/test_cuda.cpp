// The CUDA kernel table against the CPU table, part 1: memory, the caching allocator, fills and
// random draws, elementwise kernels and reductions (part 2 is test_cuda_layout.cpp). Without a
// device the binary exits 77 (CTest: skipped) and says why.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cuda_kernel_util.hpp"

using namespace xgrad;
using namespace cuda_test;
using kernels::Binary;
using kernels::Random;
using kernels::Reduce;
using kernels::Unary;

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
    check_equal(c, g, std::string("arange ") + dtype_name(d));  // both round start + i * step twice
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
  // an extreme over an empty dim has no identity: the op refuses it before any kernel runs
  CHECK_THROWS_WITH(xgrad::max(empty, 1), doctest::Contains("max: cannot reduce an empty dim"));
  CHECK_THROWS_WITH(xgrad::argmin(empty, 1), doctest::Contains("argmin: cannot reduce an empty dim"));
}
