// Batched GEMM through CBLAS, straight into the output: transposes are flags, never copies.
// No xtensor-blas here: its xlinalg and <cblas.h> clash in one compile unit.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <string>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/parallel.hpp"

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

// Vector shapes go to the level-2 routines: OpenBLAS packs both operands for every GEMM call,
// which costs more than the arithmetic when one extent is 1 (a batch of one sample, a bias-free
// outer product). y = op(A) x with A row-major [rows, cols]:
void gemv_call(bool trans, int rows, int cols, float alpha, const float* a, const float* x, float beta, float* y) {
  cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, alpha, a, cols, x, 1, beta, y, 1);
}
void gemv_call(bool trans, int rows, int cols, double alpha, const double* a, const double* x, double beta,
               double* y) {
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, alpha, a, cols, x, 1, beta, y, 1);
}
// c[m, n] += alpha x y^T
void ger_call(int m, int n, float alpha, const float* x, const float* y, float* c) {
  cblas_sger(CblasRowMajor, m, n, alpha, x, 1, y, 1, c, n);
}
void ger_call(int m, int n, double alpha, const double* x, const double* y, double* c) {
  cblas_dger(CblasRowMajor, m, n, alpha, x, 1, y, 1, c, n);
}

// One thread policy: OpenBLAS splits a GEMM over its threads once m*n*k passes 2^18, but on
// problems of a few million multiply-adds the hand-off to the second thread costs more than it
// saves (a 100x64x50 GEMM, as in a digits batch, ran several times slower on two threads here).
// Below kSmallGemm the GEMM runs on the calling thread; above it on get_num_threads() threads.
constexpr int64_t kSmallGemm = int64_t{1} << 22;

void set_blas_threads(int64_t work) {
  int want = work < kSmallGemm ? 1 : parallel_threads();
  if (openblas_get_num_threads() != want) openblas_set_num_threads(want);
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

// One product out[m, n] = alpha op(a) op(b) + beta out, by the cheapest BLAS routine for its shape.
// Fresh outputs hold whatever the allocator left, so beta = 0 always starts from explicit zeros.
template <class T>
void product(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, const T* b, T beta, T* out) {
  if (m == 1) {  // out^T = op(b)^T op(a)^T; op(a) is a row of k contiguous values either way
    if (beta == T(0)) std::fill(out, out + n, T(0));
    return tb ? gemv_call(false, n, k, alpha, b, a, beta, out) : gemv_call(true, k, n, alpha, b, a, beta, out);
  }
  if (n == 1) {  // op(b) is a column of k contiguous values either way
    if (beta == T(0)) std::fill(out, out + m, T(0));
    return ta ? gemv_call(true, k, m, alpha, a, b, beta, out) : gemv_call(false, m, k, alpha, a, b, beta, out);
  }
  if (k == 1) {  // an outer product: a and b are vectors whatever their transposes
    scale(out, int64_t{m} * n, beta);
    return ger_call(m, n, alpha, a, b, out);
  }
  gemm_call(ta, tb, m, n, k, alpha, a, b, beta, out);
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
    product(ta, tb, im, in, ik, alpha, a + i * a_stride, b + i * b_stride, beta, out + i * m * n);
}

}  // namespace

void gemm(const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch, int64_t m,
          int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, double beta) {
  if (is_deterministic()) return portable_gemm(a, b, out, ta, tb, batch, m, n, k, a_stride, b_stride, alpha, beta);
  switch (dtype(out)) {
    case kFloat32:
      return batched(data<const float>(a), data<const float>(b), data<float>(out), ta, tb, batch, m,
                     n, k, a_stride, b_stride, static_cast<float>(alpha), static_cast<float>(beta));
    case kFloat64:
      return batched(data<const double>(a), data<const double>(b), data<double>(out), ta, tb, batch,
                     m, n, k, a_stride, b_stride, alpha, beta);
    case kInt64:
      break;
  }
  throw Error(
      "matmul: int64 is not supported (BLAS has no integer GEMM); cast to float32 or "
      "float64 first");
}

}  // namespace xgrad::kernels::cpu_detail
