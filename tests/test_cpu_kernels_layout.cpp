// The CPU kernel table driven directly (no ops layer), part 2: GEMM flags, permute/expand/slice,
// indexing, softmax, random streams and the caching allocator (part 1 is test_cpu_kernels.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <thread>
#include <vector>

// philox.hpp before tensor.hpp, whose xgrad::log(const Tensor&) would hide ::log from philox's
// unqualified calls.
#include "autograd/philox.hpp"
// This comment splits the include block so that clang-format keeps the order.
#include "cpu_kernel_util.hpp"

using namespace xgrad;
using namespace cpu_kernel_test;

namespace {

// out[b] = alpha * op(a[b]) @ op(b[b]) + beta * out[b], plainly.
template <class T>
std::vector<T> naive_gemm(const std::vector<T>& a, const std::vector<T>& b, std::vector<T> c,
                          bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t kk,
                          int64_t as, int64_t bs, double alpha, double beta) {
  for (int64_t q = 0; q < batch; ++q)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t p = 0; p < kk; ++p) {
          double av = ta ? a[q * as + p * m + i] : a[q * as + i * kk + p];
          double bv = tb ? b[q * bs + j * kk + p] : b[q * bs + p * n + j];
          acc += av * bv;
        }
        T& o = c[(q * m + i) * n + j];
        o = static_cast<T>(alpha * acc + (beta == 0 ? 0 : beta * o));
      }
  return c;
}

}  // namespace

TEST_CASE("gemm: every transpose flag, batch strides 0 and not, alpha and beta") {
  const int64_t m = 3, n = 5, kk = 4, batch = 2;
  for (Dtype d : {kFloat32, kFloat64}) {
    for (int flags = 0; flags < 4; ++flags) {
      const bool ta = flags & 1, tb = flags & 2;
      for (int strides = 0; strides < 4; ++strides) {
        const int64_t as = (strides & 1) ? m * kk : 0, bs = (strides & 2) ? kk * n : 0;
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(as);
        CAPTURE(bs);
        std::vector<double> av(batch * m * kk), bv(batch * kk * n), cv(batch * m * n);
        for (size_t i = 0; i < av.size(); ++i) av[i] = std::cos(0.7 * i);
        for (size_t i = 0; i < bv.size(); ++i) bv[i] = std::sin(0.3 * i + 1);
        for (size_t i = 0; i < cv.size(); ++i) cv[i] = 0.5 * i;
        const double alpha = 1.5, beta = strides == 3 ? 0.0 : -0.5;
        std::vector<double> want =
            naive_gemm(av, bv, cv, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
        Shape ashape = Shape{batch, ta ? kk : m, ta ? m : kk};
        Shape bshape = Shape{batch, tb ? n : kk, tb ? kk : n};
        if (d == kFloat64) {
          Tensor a = f64(av, ashape), b = f64(bv, bshape), c = f64(cv, {batch, m, n});
          cpu().gemm(a, b, c, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
          for (size_t i = 0; i < want.size(); ++i)
            CHECK(values<double>(c)[i] == doctest::Approx(want[i]));
        } else {
          auto tf = [](const std::vector<double>& v, const Shape& s) {
            return f32(std::vector<float>(v.begin(), v.end()), s);
          };
          Tensor a = tf(av, ashape), b = tf(bv, bshape), c = tf(cv, {batch, m, n});
          cpu().gemm(a, b, c, ta, tb, batch, m, n, kk, as, bs, alpha, beta);
          for (size_t i = 0; i < want.size(); ++i)
            CHECK(values<float>(c)[i] == doctest::Approx(want[i]).epsilon(1e-5));
        }
      }
    }
  }
}

TEST_CASE("gemm: k = 0 scales out by beta; int64 is refused") {
  Tensor a = make({2, 0}), b = make({0, 3}), c = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  cpu().gemm(a, b, c, false, false, 1, 2, 3, 0, 0, 0, 1.0, 2.0);
  CHECK(values<float>(c) == std::vector<float>{2, 4, 6, 8, 10, 12});
  cpu().gemm(a, b, c, false, false, 1, 2, 3, 0, 0, 0, 1.0, 0.0);
  CHECK(values<float>(c) == std::vector<float>(6, 0.f));
  Tensor ia = i64({1}, {1, 1}), ic = i64({0}, {1, 1});
  CHECK_THROWS_AS(cpu().gemm(ia, ia, ic, false, false, 1, 1, 1, 1, 0, 0, 1, 0), Error);
}

TEST_CASE("permute and expand") {
  std::vector<float> xv(24);
  std::iota(xv.begin(), xv.end(), 0.f);
  Tensor x = f32(xv, {2, 3, 4});
  Tensor out = make({4, 2, 3});
  cpu().permute(x, out, Shape{2, 0, 1});
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int l = 0; l < 3; ++l)
        CHECK(values<float>(out)[(i * 2 + j) * 3 + l] == xv[(j * 3 + l) * 4 + i]);
  // A large 2-D transpose goes through the tiled path.
  const int64_t r = 70, c = 45;
  std::vector<double> tv(r * c);
  std::iota(tv.begin(), tv.end(), 0.0);
  Tensor t = f64(tv, {r, c}), tt = make({c, r}, kFloat64);
  cpu().permute(t, tt, Shape{1, 0});
  bool ok = true;
  for (int64_t i = 0; i < c; ++i)
    for (int64_t j = 0; j < r; ++j) ok = ok && values<double>(tt)[i * r + j] == tv[j * c + i];
  CHECK(ok);

  Tensor col = i64({1, 2}, {2, 1});
  Tensor e = make({3, 2, 2}, kInt64);
  cpu().expand(col, e);
  CHECK(values<int64_t>(e) == std::vector<int64_t>{1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2});
}

TEST_CASE("slice out of and into [outer, n, inner]") {
  std::vector<float> xv(2 * 5 * 3);
  std::iota(xv.begin(), xv.end(), 0.f);
  Tensor src = f32(xv, {2, 5, 3});
  Tensor part = make({2, 2, 3});
  cpu().slice(src, part, 2, 5, 2, 3, 1, false);  // src[:, 1:3, :]
  CHECK(values<float>(part) == std::vector<float>{3, 4, 5, 6, 7, 8, 18, 19, 20, 21, 22, 23});
  Tensor whole = make({2, 5, 3});
  cpu().fill(whole, 0);
  cpu().slice(part, whole, 2, 2, 5, 3, 3, true);  // whole[:, 3:5, :] = part
  std::vector<float> got = values<float>(whole);
  for (int o = 0; o < 2; ++o)
    for (int j = 0; j < 5; ++j)
      for (int i = 0; i < 3; ++i) {
        float want = j >= 3 ? xv[(o * 5 + j - 2) * 3 + i] : 0.f;
        CHECK(got[(o * 5 + j) * 3 + i] == want);
      }
}

TEST_CASE("index_select and index_add along the middle dim") {
  std::vector<double> xv(2 * 4 * 2);
  std::iota(xv.begin(), xv.end(), 0.0);
  Tensor x = f64(xv, {2, 4, 2});
  Tensor index = i64({3, 0, 3}, {3});
  Tensor out = make({2, 3, 2}, kFloat64);
  cpu().index_select(x, index, out, 2, 4, 2);
  CHECK(values<double>(out) == std::vector<double>{6, 7, 0, 1, 6, 7, 14, 15, 8, 9, 14, 15});

  Tensor acc = make({2, 4, 2}, kFloat64);
  cpu().fill(acc, 1);
  cpu().index_add(out, index, acc, 2, 4, 2);  // index 3 twice: both add
  CHECK(values<double>(acc) ==
        std::vector<double>{1, 2, 1, 1, 1, 1, 13, 15, 9, 10, 1, 1, 1, 1, 29, 31});
}

TEST_CASE("gather and scatter_add") {
  // x [2, 3] gathered along dim 1 with index [2, 2].
  Tensor x = f32({10, 11, 12, 20, 21, 22}, {2, 3});
  Tensor index = i64({2, 0, 1, 1}, {2, 2});
  Tensor out = make({2, 2});
  cpu().gather(x, index, out, 2, 3, 2, 1);
  CHECK(values<float>(out) == std::vector<float>{12, 10, 21, 21});
  Tensor acc = make({2, 3});
  cpu().fill(acc, 0);
  cpu().scatter_add(out, index, acc, 2, 3, 2, 1);
  CHECK(values<float>(acc) == std::vector<float>{10, 0, 12, 0, 42, 0});
  // Along dim 0 (outer 1, inner 2): out[j, i] = x[index[j, i], i].
  Tensor i0 = i64({1, 0}, {1, 2});
  Tensor x2 = i64({1, 2, 3, 4}, {2, 2});
  Tensor o2 = make({1, 2}, kInt64);
  cpu().gather(x2, i0, o2, 1, 2, 1, 2);
  CHECK(values<int64_t>(o2) == std::vector<int64_t>{3, 2});
}

TEST_CASE("one_hot writes 0/1 in out's dtype") {
  Tensor labels = i64({2, 0, 1}, {3});
  Tensor out = make({3, 4});
  cpu().one_hot(labels, out, 4);
  CHECK(values<float>(out) == std::vector<float>{0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0});
  Tensor iout = make({3, 3}, kInt64);
  cpu().one_hot(labels, iout, 3);
  CHECK(values<int64_t>(iout) == std::vector<int64_t>{0, 0, 1, 1, 0, 0, 0, 1, 0});
}

TEST_CASE("softmax of [10, 0, -2] and log_softmax, over rows and columns") {
  const double want[] = {9.99948459e-01, 4.53975898e-05, 6.14389567e-06};
  Tensor x = f32({10, 0, -2}, {3}), out = make({3});
  cpu().softmax(x, out, 1, 3, 1, false);
  for (int i = 0; i < 3; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(want[i]).epsilon(1e-6));
  cpu().softmax(x, out, 1, 3, 1, true);
  for (int i = 0; i < 3; ++i)
    CHECK(values<float>(out)[i] == doctest::Approx(std::log(want[i])).epsilon(1e-6));
  // Columns: x [3, 2] softmax over dim 0 (inner = 2); column 1 is the same values shifted.
  Tensor c = f64({10, 1010, 0, 1000, -2, 998}, {3, 2}), co = make({3, 2}, kFloat64);
  cpu().softmax(c, co, 1, 3, 2, false);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i)
      CHECK(values<double>(co)[j * 2 + i] == doctest::Approx(want[j]).epsilon(1e-8));
  cpu().softmax(c, c, 1, 3, 2, true);  // in place
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 2; ++i)
      CHECK(values<double>(c)[j * 2 + i] == doctest::Approx(std::log(want[j])).epsilon(1e-8));
  // A row longer than the stack chunk, in place.
  const int64_t n = 1000;
  std::vector<float> lv(n);
  for (int64_t i = 0; i < n; ++i) lv[i] = static_cast<float>(i % 7) - 3.f;
  Tensor l = f32(lv, {n}), p = make({n});
  cpu().softmax(l, p, 1, n, 1, false);
  cpu().softmax(l, l, 1, n, 1, true);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    total += values<float>(p)[i];
    CHECK(std::exp(values<float>(l)[i]) == doctest::Approx(values<float>(p)[i]).epsilon(1e-5));
  }
  CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
}

TEST_CASE("random: streams are pure functions of (seed, offset + i)") {
  const int64_t n = 1000;
  Tensor a = make({n}), b = make({n}), c = make({n}), d = make({2 * n});
  cpu().random(a, k::Random::uniform, 42, 0, -2, 3);
  cpu().random(b, k::Random::uniform, 42, 0, -2, 3);
  CHECK(values<float>(a) == values<float>(b));
  cpu().random(c, k::Random::uniform, 42, n, -2, 3);
  cpu().random(d, k::Random::uniform, 42, 0, -2, 3);
  std::vector<float> dv = values<float>(d);
  CHECK(std::equal(dv.begin(), dv.begin() + n, values<float>(a).begin()));  // prefix
  CHECK(std::equal(dv.begin() + n, dv.end(), values<float>(c).begin()));    // continues at offset
  int same = 0;
  for (int64_t i = 0; i < n; ++i) same += values<float>(a)[i] == values<float>(c)[i];
  CHECK(same < 5);  // disjoint offsets give different numbers
  cpu().random(b, k::Random::uniform, 43, 0, -2, 3);
  CHECK(values<float>(a) != values<float>(b));  // another seed
  for (float v : values<float>(a)) {
    CHECK(v >= -2.f);
    CHECK(v < 3.f);
  }
  // The same draw as philox computes it, element by element.
  CHECK(values<float>(a)[7] == static_cast<float>(-2 + 5 * philox::uniform(42, 0, 7, true)));
}

TEST_CASE("random: normal moments, bernoulli rate, randint range") {
  const int64_t n = 100000;
  Tensor x = make({n}, kFloat64);
  cpu().random(x, k::Random::normal, 7, 123, 0, 1);
  double mean = 0, sq = 0;
  for (double v : values<double>(x)) mean += v;
  mean /= n;
  for (double v : values<double>(x)) sq += (v - mean) * (v - mean);
  CHECK(std::abs(mean) < 0.02);
  CHECK(std::abs(std::sqrt(sq / n) - 1) < 0.02);
  Tensor y = make({n});
  cpu().random(y, k::Random::normal, 7, 123, 5, 2);  // mean 5, std 2: same draws, shifted
  CHECK(values<float>(y)[10] == static_cast<float>(values<double>(x)[10] * 2 + 5));

  cpu().random(y, k::Random::bernoulli, 1, 0, 0.3, 0);
  double ones = 0;
  for (float v : values<float>(y)) {
    CHECK((v == 0.f || v == 1.f));
    ones += v;
  }
  CHECK(ones / n == doctest::Approx(0.3).epsilon(0.03));

  Tensor r = make({n}, kInt64);
  cpu().random(r, k::Random::uniform, 3, 0, -2, 5);  // randint [-2, 5)
  std::vector<int64_t> counts(7, 0);
  for (int64_t v : values<int64_t>(r)) {
    REQUIRE(v >= -2);
    REQUIRE(v < 5);
    ++counts[v + 2];
  }
  for (int64_t cnt : counts) CHECK(cnt > n / 7 * 0.9);
  CHECK_THROWS_AS(cpu().random(r, k::Random::normal, 3, 0, 0, 1), Error);
}

TEST_CASE("allocator reuses freed blocks of the same size") {
  if (k::cpu_detail::allocator_stats().cache_limit == 0) {
    MESSAGE("caching is off (AddressSanitizer or XGRAD_CPU_CACHE_MB=0): reuse not checked");
    void* p = cpu().allocate(0);
    CHECK(p != nullptr);
    cpu().deallocate(p, 0);
    return;
  }
  for (size_t bytes : {size_t{0}, size_t{24}, size_t{4096}, size_t{100000}, size_t{5} << 20}) {
    CAPTURE(bytes);
    void* p = cpu().allocate(bytes);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 64 == 0);
    std::memset(p, 0xab, bytes);
    cpu().deallocate(p, bytes);
    const size_t before = k::cpu_detail::allocator_stats().system_allocs;
    void* q = cpu().allocate(bytes);
    CHECK(q == p);
    CHECK(k::cpu_detail::allocator_stats().system_allocs == before);
    cpu().deallocate(q, bytes);
  }
  // Sizes in one bucket share blocks: 100000 and 100001 bytes round to the same class.
  void* p = cpu().allocate(100000);
  cpu().deallocate(p, 100000);
  void* q = cpu().allocate(100001);
  CHECK(q == p);
  cpu().deallocate(q, 100001);
  k::cpu_detail::empty_cache();
  CHECK(k::cpu_detail::allocator_stats().cached_bytes == 0);
}

TEST_CASE("allocator: a steady-state loop stops calling the system; threads share it safely") {
  if (k::cpu_detail::allocator_stats().cache_limit == 0) return;
  const size_t sizes[] = {64, 400, 4000, 40000, 400000, 4000000};
  auto step = [&] {
    std::vector<void*> live;
    for (size_t s : sizes) live.push_back(cpu().allocate(s));
    for (size_t i = 0; i < live.size(); ++i) cpu().deallocate(live[i], sizes[i]);
  };
  step();
  const size_t before = k::cpu_detail::allocator_stats().system_allocs;
  for (int i = 0; i < 100; ++i) step();
  CHECK(k::cpu_detail::allocator_stats().system_allocs == before);

  const size_t allocated = k::cpu_detail::allocator_stats().allocated_bytes;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 2000; ++i) {
        size_t bytes = static_cast<size_t>((i * 7919 + t * 104729) % 70000);
        void* p = kernels::cpu().allocate(bytes);
        static_cast<char*>(p)[0] = 1;
        kernels::cpu().deallocate(p, bytes);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  CHECK(k::cpu_detail::allocator_stats().allocated_bytes == allocated);
}

TEST_CASE("copies between host buffers") {
  std::vector<int> a = {1, 2, 3}, b(3);
  cpu().copy_from_host(b.data(), a.data(), sizeof(int) * 3);
  CHECK(b == a);
  std::vector<int> c(3);
  cpu().copy_to_host(c.data(), b.data(), sizeof(int) * 3);
  cpu().copy(a.data(), c.data(), 0);
  CHECK(c == a);
}
