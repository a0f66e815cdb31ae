// Batched GEMM through CBLAS, straight into the output: transposes are flags, never copies.
// No xtensor-blas here: its xlinalg and <cblas.h> clash in one compile unit.
#include <algorithm>
#include <atomic>
#include <climits>
#include <string>

#include "autograd/cpu/blas.hpp"
#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

void gemm_call(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
  blas().sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm_call(bool ta, bool tb, int m, int n, int k, double alpha, const double* a, int lda,
               const double* b, int ldb, double beta, double* c, int ldc) {
  blas().dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Vector shapes go to the level-2 routines: OpenBLAS packs both operands for every GEMM call,
// which costs more than the arithmetic when one extent is 1 (a batch of one sample, a bias-free
// outer product). y = op(A) x with A row-major [rows, cols]:
void gemv_call(bool trans, int rows, int cols, float alpha, const float* a, const float* x, float beta, float* y) {
  blas().sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, alpha, a, cols, x, 1, beta, y, 1);
}
void gemv_call(bool trans, int rows, int cols, double alpha, const double* a, const double* x, double beta,
               double* y) {
  blas().dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, alpha, a, cols, x, 1, beta, y, 1);
}
// c[m, n] += alpha x y^T
void ger_call(int m, int n, float alpha, const float* x, const float* y, float* c) {
  blas().sger(CblasRowMajor, m, n, alpha, x, 1, y, 1, c, n);
}
void ger_call(int m, int n, double alpha, const double* x, const double* y, double* c) {
  blas().dger(CblasRowMajor, m, n, alpha, x, 1, y, 1, c, n);
}

// One thread policy: OpenBLAS always runs on the calling thread, and xgrad's own pool
// (parallel_for) runs the pieces of a large GEMM. OpenBLAS's own threads spin (sched_yield) for a
// while after each threaded call; between the many mid-sized GEMMs of a CNN step that spinning took
// the second core from the pool's elementwise work (37 % of a W7 profile). Below kSmallGemm
// multiply-adds a GEMM is one call (a 100x64x50 GEMM ran several times slower split in two).
// Above it, the output is cut into pieces by its shape alone (never by the thread count), each
// piece one OpenBLAS call with the full k: every element comes from the same call on any number
// of threads, so the bits do not depend on it.
constexpr int64_t kSmallGemm = int64_t{1} << 22;

void set_blas_threads(int want) {
  const Blas& b = blas();
  if (b.get_num_threads() != want) b.set_num_threads(want);
}

// How many pieces a GEMM of m x n x k is cut into along `extent` (its m or n): a function of the
// shape only. At least 64 rows or columns and 2^22 multiply-adds a piece, at most 8 pieces (each
// piece packs the other operand again).
int64_t gemm_pieces(int64_t m, int64_t n, int64_t k, int64_t extent) {
  if (m * n * k < kSmallGemm) return 1;
  return std::clamp<int64_t>(std::min(extent / 64, m * n * k / kSmallGemm), 1, 8);
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
  gemm_call(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, out, n);
}

// out[m, n] = alpha op(a) op(b) + beta out as pieces of rows (or columns) on the pool.
template <class T>
void pieces(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, const T* b, T beta, T* out) {
  const bool by_rows = m >= n;
  const int64_t extent = by_rows ? m : n;
  const int64_t count = gemm_pieces(m, n, k, extent);
  if (count == 1) return product(ta, tb, m, n, k, alpha, a, b, beta, out);
  const int64_t piece = ((extent + count - 1) / count + 15) / 16 * 16;  // whole SIMD tiles
  const int lda = ta ? m : k, ldb = tb ? k : n;
  parallel_for(count, [&](int64_t p) {
    const int64_t begin = p * piece, size = std::min(piece, extent - begin);
    if (size <= 0) return;
    const int s = static_cast<int>(size);
    if (by_rows)  // rows begin.. of op(a): a's rows, or a's columns when transposed
      gemm_call(ta, tb, s, n, k, alpha, a + (ta ? begin : begin * k), lda, b, ldb, beta, out + begin * n, n);
    else  // columns begin.. of op(b): b's columns, or b's rows when transposed
      gemm_call(ta, tb, m, s, k, alpha, a, lda, b + (tb ? begin * k : begin), ldb, beta, out + begin, n);
  });
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
  set_blas_threads(1);
  const bool matrix = m > 1 && n > 1 && k > 1;  // vector shapes stay one BLAS call each
  if (batch > 1 && matrix && batch * m * n * k >= kSmallGemm) {
    // A stack of products: one per task, each on one thread (pieces() runs inline inside).
    parallel_for(batch, [&](int64_t i) {
      pieces(ta, tb, im, in, ik, alpha, a + i * a_stride, b + i * b_stride, beta, out + i * m * n);
    });
    return;
  }
  for (int64_t i = 0; i < batch; ++i) {
    if (matrix)
      pieces(ta, tb, im, in, ik, alpha, a + i * a_stride, b + i * b_stride, beta, out + i * m * n);
    else
      product(ta, tb, im, in, ik, alpha, a + i * a_stride, b + i * b_stride, beta, out + i * m * n);
  }
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
