// Batched GEMM through CBLAS, straight into the output: transposes are flags, never copies.
// No xtensor-blas here: its xlinalg and <cblas.h> clash in one compile unit.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <string>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

void gemm_call(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, const float* b,
               float beta, float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}
void gemm_call(bool ta, bool tb, int m, int n, int k, double alpha, const double* a,
               const double* b, double beta, double* c) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}

// One thread policy: OpenBLAS splits a GEMM over its threads once m*n*k passes 2^18, but on
// problems of a few million multiply-adds the hand-off to the second thread costs more than it
// saves (a 100x64x50 GEMM, as in a digits batch, ran several times slower on two threads here).
// Below kSmallGemm the GEMM runs on the calling thread; above it on OpenBLAS's own thread count.
constexpr int64_t kSmallGemm = int64_t{1} << 22;

void set_blas_threads(int64_t work) {
  static const int machine_threads = std::max(1, openblas_get_num_threads());
  static std::atomic<int> current{machine_threads};
  int want = work < kSmallGemm ? 1 : machine_threads;
  if (current.load(std::memory_order_relaxed) != want) {
    openblas_set_num_threads(want);
    current.store(want, std::memory_order_relaxed);
  }
}

// out = beta * out, for k = 0 (BLAS rejects a zero leading dimension); beta = 0 clears NaNs too.
template <class T>
void scale(T* out, int64_t count, T beta) {
  if (beta == T(0)) {
    std::fill(out, out + count, T(0));
  } else {
    for (int64_t i = 0; i < count; ++i) out[i] *= beta;
  }
}

template <class T>
void batched(const T* a, const T* b, T* out, bool ta, bool tb, int64_t batch, int64_t m, int64_t n,
             int64_t k, int64_t a_stride, int64_t b_stride, T alpha, T beta) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) return scale(out, batch * m * n, beta);
  // One matrix B shared by a stack of A's (a Linear layer on 3-D input): one tall GEMM.
  if (batch > 1 && b_stride == 0 && !ta && a_stride == m * k) {
    m *= batch;
    batch = 1;
  }
  if (std::max({m, n, k}) > INT_MAX) {
    throw Error("matmul: a dimension exceeds the BLAS limit of 2^31 - 1 (m=" + std::to_string(m) +
                ", n=" + std::to_string(n) + ", k=" + std::to_string(k) + ")");
  }
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  set_blas_threads(m * n * k);
  for (int64_t i = 0; i < batch; ++i)
    gemm_call(ta, tb, im, in, ik, alpha, a + i * a_stride, b + i * b_stride, beta, out + i * m * n);
}

}  // namespace

void gemm(const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch, int64_t m,
          int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, double beta) {
  switch (dtype(out)) {
    case Dtype::f32:
      return batched(data<const float>(a), data<const float>(b), data<float>(out), ta, tb, batch, m,
                     n, k, a_stride, b_stride, static_cast<float>(alpha), static_cast<float>(beta));
    case Dtype::f64:
      return batched(data<const double>(a), data<const double>(b), data<double>(out), ta, tb, batch,
                     m, n, k, a_stride, b_stride, alpha, beta);
    case Dtype::i64:
      break;
  }
  throw Error(
      "matmul: int64 is not supported (BLAS has no integer GEMM); cast to float32 or "
      "float64 first");
}

}  // namespace xgrad::kernels::cpu_detail
