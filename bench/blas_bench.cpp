// OpenBLAS called directly: the yardsticks for xgrad's GEMM work.
//   blas_bench W5       cblas_sgemm GFLOP/s on square 256, 1024, 2048 float32 matrices
//   blas_bench W4floor  the 8 GEMMs of one W4 training step (784-256-256-10, batch 256, the last
//                       batch of an epoch 96), timed alone for an epoch's 235 steps: seconds
#include <cblas.h>

#include <random>

#include "bench_util.hpp"

using bench::Clock;
using bench::seconds_since;

namespace {

std::vector<float> random_matrix(size_t n, std::mt19937& gen) {
  std::normal_distribution<float> dist;
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

// C[m, n] = op(A) op(B), row-major; op(A) is [m, k], op(B) is [k, n].
void sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

void w5() {
  std::mt19937 gen(0);
  for (int n : {256, 1024, 2048}) {
    auto a = random_matrix(size_t(n) * n, gen), b = random_matrix(size_t(n) * n, gen);
    std::vector<float> c(size_t(n) * n);
    double flop = 2.0 * n * double(n) * n;
    int reps = std::max(3, static_cast<int>(2e10 / flop));
    std::vector<double> rate;
    for (int rep = 0; rep <= reps; ++rep) {
      auto start = Clock::now();
      sgemm(false, false, n, n, n, a.data(), b.data(), c.data());
      if (rep) rate.push_back(flop / seconds_since(start) * 1e-9);
    }
    std::printf("gflops_%d %.6g\n", n, bench::median(rate));
  }
}

void w4floor() {
  const int in = 784, hidden = 256, out = 10, full = 256, steps = 235, last = 60000 - 234 * 256;
  std::mt19937 gen(0);
  auto x = random_matrix(size_t(full) * in, gen);
  auto w1 = random_matrix(size_t(hidden) * in, gen), w2 = random_matrix(size_t(hidden) * hidden, gen),
       w3 = random_matrix(size_t(out) * hidden, gen);
  auto h1 = random_matrix(size_t(full) * hidden, gen), h2 = random_matrix(size_t(full) * hidden, gen);
  auto z3 = random_matrix(size_t(full) * out, gen);
  std::vector<float> g1(w1.size()), g2(w2.size()), g3(w3.size());
  auto step = [&](int bsz) {
    sgemm(false, true, bsz, hidden, in, x.data(), w1.data(), h1.data());       // x W1^T
    sgemm(false, true, bsz, hidden, hidden, h1.data(), w2.data(), h2.data());  // h1 W2^T
    sgemm(false, true, bsz, out, hidden, h2.data(), w3.data(), z3.data());     // h2 W3^T
    sgemm(true, false, out, hidden, bsz, z3.data(), h2.data(), g3.data());     // dW3 = dz3^T h2
    sgemm(false, false, bsz, hidden, out, z3.data(), w3.data(), h2.data());    // dh2 = dz3 W3
    sgemm(true, false, hidden, hidden, bsz, h2.data(), h1.data(), g2.data());  // dW2 = dz2^T h1
    sgemm(false, false, bsz, hidden, hidden, h2.data(), w2.data(), h1.data()); // dh1 = dz2 W2
    sgemm(true, false, hidden, in, bsz, h1.data(), x.data(), g1.data());       // dW1 = dz1^T x
  };
  std::vector<double> t;
  for (int epoch = 0; epoch < 4; ++epoch) {
    auto start = Clock::now();
    for (int s = 0; s < steps; ++s) step(s + 1 < steps ? full : last);
    if (epoch) t.push_back(seconds_since(start));
  }
  bench::put("s_per_epoch", bench::median(t));
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = argc > 1 ? argv[1] : "";
  if (what == "W5") w5();
  else if (what == "W4floor") w4floor();
  else {
    std::fprintf(stderr, "usage: blas_bench W5 | W4floor\n");
    return 2;
  }
}
