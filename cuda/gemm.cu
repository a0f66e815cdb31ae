// gemm through cuBLAS. xgrad is row-major and cuBLAS column-major: a row-major matrix read as
// column-major is its transpose, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T, with
// B passed first and each transpose still a flag. int64 is refused, as on the CPU.
#include <cublas_v2.h>

#include <mutex>

#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

void check_cublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_error("gemm", call, cublasGetStatusString(status));
}

// One handle for the process, made at the first gemm and never destroyed (destroying it during
// static destruction could outlive the driver). Calls are serialized: cuBLAS handles are not
// safe to share between threads, and the calls only enqueue work.
std::mutex handle_mutex;
cublasHandle_t handle_locked() {
  static cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    check_cublas(cublasCreate(&h), "cublasCreate");
    check_cublas(cublasSetStream(h, nullptr), "cublasSetStream");  // the legacy default stream
    return h;
  }();
  return handle;
}

template <class T>
struct Blas;
template <>
struct Blas<float> {
  static constexpr auto gemm = cublasSgemm_64;
  static constexpr auto batched = cublasSgemmStridedBatched_64;
};
template <>
struct Blas<double> {
  static constexpr auto gemm = cublasDgemm_64;
  static constexpr auto batched = cublasDgemmStridedBatched_64;
};

template <class T>
void blas_gemm(const T* a, const T* b, T* c, bool ta, bool tb, int64_t batch, int64_t m, int64_t n,
               int64_t k, int64_t a_stride, int64_t b_stride, T alpha, T beta) {
  cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  // Leading dimensions of the stored (row-major) matrices; at least 1 as cuBLAS requires.
  int64_t lda = std::max<int64_t>(1, ta ? m : k), ldb = std::max<int64_t>(1, tb ? k : n);
  int64_t ldc = std::max<int64_t>(1, n);
  std::lock_guard<std::mutex> lock(handle_mutex);
  cublasHandle_t h = handle_locked();
  if (batch == 1)
    check_cublas(Blas<T>::gemm(h, op_b, op_a, n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc),
                 "cublas<t>gemm");
  else
    check_cublas(Blas<T>::batched(h, op_b, op_a, n, m, k, &alpha, b, ldb, b_stride, a, lda,
                                  a_stride, &beta, c, ldc, m * n, batch),
                 "cublas<t>gemmStridedBatched");
}

}  // namespace

void gemm(const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch, int64_t m,
          int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, double beta) {
  if (out.dtype() == kInt64)
    throw Error(
        "matmul: int64 is not supported (cuBLAS has no integer GEMM); cast to float32 or float64 "
        "first");
  if (batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // out = beta * out; beta = 0 clears NaNs too
    if (beta == 0)
      XGRAD_CUDA_CHECK("gemm", cudaMemset, out.data_ptr(), 0,
                       static_cast<size_t>(batch * m * n) * element_size(out.dtype()));
    else
      unary(Unary::mul_scalar, out, out, beta, 0);
    return;
  }
  // One B shared by a stack of A's (a Linear layer on 3-D input): one tall GEMM.
  if (batch > 1 && b_stride == 0 && !ta && a_stride == m * k) {
    m *= batch;
    batch = 1;
  }
  if (out.dtype() == kFloat32)
    blas_gemm<float>(data_of<float>(a), data_of<float>(b), data_of<float>(out), ta, tb, batch, m, n,
                     k, a_stride, b_stride, static_cast<float>(alpha), static_cast<float>(beta));
  else
    blas_gemm<double>(data_of<double>(a), data_of<double>(b), data_of<double>(out), ta, tb, batch,
                      m, n, k, a_stride, b_stride, alpha, beta);
}

}  // namespace xgrad::cuda::kernels
