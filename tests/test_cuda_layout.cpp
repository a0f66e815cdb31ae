// The CUDA kernel table against the CPU table, part 2: GEMM, layout and indexing kernels (and
// their deterministic mode), softmax and the fused optimizer step (part 1 is test_cuda.cpp).
// Without a device the binary exits 77 (CTest: skipped) and says why.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cuda_kernel_util.hpp"

using namespace xgrad;
using namespace cuda_test;

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

namespace {

// Deterministic mode for the scope of one test.
struct DeterministicMode {
  bool before = is_deterministic();
  explicit DeterministicMode(bool on) { set_deterministic(on); }
  ~DeterministicMode() { set_deterministic(before); }
};

// Values over six orders of magnitude: their float sum depends on the order of the terms.
Tensor order_sensitive_values(const Shape& s, Dtype d) {
  Tensor h = random_host(s, d);
  Tensor e = random_host(s, Dtype::i64, -3, 4);
  for (int64_t i = 0; i < h.numel(); ++i) set(h, i, get(h, i) * std::pow(10.0, get(e, i)));
  return h;
}

}  // namespace

TEST_CASE("deterministic mode: index_add and scatter_add add in the CPU's order, bit for bit") {
  skip_without_device();
  DeterministicMode on(true);
  const int64_t outer = 2, n = 7, inner = 3, k = 3000;  // ~430 contributions to each row
  Tensor index = random_host({k}, Dtype::i64, 0, n);
  Tensor gindex = random_host({outer, k, inner}, Dtype::i64, 0, n);
  Tensor index_d = to_device(index), gindex_d = to_device(gindex);
  for (Dtype d : kFloats) {
    Tensor src = order_sensitive_values({outer, k, inner}, d);
    Tensor start = order_sensitive_values({outer, n, inner}, d);
    Tensor src_d = to_device(src);
    Tensor by_index = copy_host(start), by_gather = copy_host(start);
    cpu().index_add(src, index, by_index, outer, n, inner);  // sequential, in position order
    cpu().scatter_add(src, gindex, by_gather, outer, n, k, inner);
    for (int run = 0; run < 3; ++run) {
      CAPTURE(run);
      Tensor out = to_device(start);
      gpu().index_add(src_d, index_d, out, outer, n, inner);
      check_equal(by_index, out, std::string("index_add ") + dtype_name(d));
      out = to_device(start);
      gpu().scatter_add(src_d, gindex_d, out, outer, n, k, inner);
      check_equal(by_gather, out, std::string("scatter_add ") + dtype_name(d));
    }
  }
}
