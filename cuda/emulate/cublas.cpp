// The emulated cuBLAS: GEMMs computed by cblas in column-major order, after cuBLAS's own argument
// checks (dimensions, leading dimensions, operations). OpenBLAS is not instrumented, so the memory
// each operand's matrices span is checked here: it must lie in one device block and, under
// AddressSanitizer, be no freed or unowned bytes (see cuda/emulate/poison.hpp).
#include <cblas.h>
#include <cublas_v2.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <string>

#include "cuda/emulate/device.hpp"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

struct cublasContext {
  cudaStream_t stream = nullptr;
};

namespace xgrad::cuda::emulate {
namespace {

void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, float alpha,
          const float* a, blasint lda, const float* b, blasint ldb, float beta, float* c,
          blasint ldc) {
  cblas_sgemm(CblasColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, double alpha,
          const double* a, blasint lda, const double* b, blasint ldb, double beta, double* c,
          blasint ldc) {
  cblas_dgemm(CblasColMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool valid_op(cublasOperation_t op) {
  return op == CUBLAS_OP_N || op == CUBLAS_OP_T || op == CUBLAS_OP_C;
}

// A stored column-major matrix of `rows` x `cols` with leading dimension ld, `batch` of them
// `stride` elements apart: every element must be device memory a tensor owns.
template <class T>
bool readable(const char* call, const char* name, const T* p, int64_t rows, int64_t cols,
              int64_t ld, int64_t stride, int64_t batch) {
  if (rows == 0 || cols == 0 || batch == 0) return true;
  int64_t extent = ld * (cols - 1) + rows;
  int64_t first = stride < 0 ? stride * (batch - 1) : 0;
  int64_t span = extent + (stride < 0 ? -stride : stride) * (batch - 1);
  const T* begin = p + first;
  size_t bytes = static_cast<size_t>(span) * sizeof(T);
  bool ok = is_device_range(begin, bytes);
#if defined(__SANITIZE_ADDRESS__)
  ok = ok && __asan_region_is_poisoned(const_cast<T*>(begin), bytes) == nullptr;
#endif
  if (!ok)
    report(std::string(call) + ": matrix " + name + " (" + std::to_string(rows) + " x " +
           std::to_string(cols) + ", ld " + std::to_string(ld) + ", " + std::to_string(batch) +
           " at stride " + std::to_string(stride) +
           ") reaches memory outside a live device block or a tensor's bytes");
  return ok;
}

bool fits_blasint(int64_t v) { return v <= INT_MAX; }

// The emulated device's GEMMs run on the calling thread: on the small problems of the tests,
// waking OpenBLAS's other threads costs more than it saves (see autograd/cpu/gemm.cpp), and they
// spin afterwards. The thread count is OpenBLAS's global setting, so it is put back.
struct OneBlasThread {
  int before = openblas_get_num_threads();
  OneBlasThread() {
    if (before != 1) openblas_set_num_threads(1);
  }
  ~OneBlasThread() {
    if (before != 1) openblas_set_num_threads(before);
  }
};

template <class T>
cublasStatus_t strided_gemm(const char* call, cublasHandle_t handle, cublasOperation_t transa,
                            cublasOperation_t transb, int64_t m, int64_t n, int64_t k,
                            const T* alpha, const T* A, int64_t lda, int64_t stride_a, const T* B,
                            int64_t ldb, int64_t stride_b, const T* beta, T* C, int64_t ldc,
                            int64_t stride_c, int64_t batch) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  // A is stored m x k (op N) or k x m; B k x n or n x k; C m x n.
  int64_t a_rows = transa == CUBLAS_OP_N ? m : k, a_cols = transa == CUBLAS_OP_N ? k : m;
  int64_t b_rows = transb == CUBLAS_OP_N ? k : n, b_cols = transb == CUBLAS_OP_N ? n : k;
  if (!valid_op(transa) || !valid_op(transb) || m < 0 || n < 0 || k < 0 || batch < 0 ||
      lda < std::max<int64_t>(1, a_rows) || ldb < std::max<int64_t>(1, b_rows) ||
      ldc < std::max<int64_t>(1, m) || !alpha || !beta)
    return CUBLAS_STATUS_INVALID_VALUE;
  if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;
  if (!fits_blasint(m) || !fits_blasint(n) || !fits_blasint(k) || !fits_blasint(lda) ||
      !fits_blasint(ldb) || !fits_blasint(ldc)) {
    report(std::string(call) + ": dimensions past 2^31 - 1 are not emulated");
    return CUBLAS_STATUS_NOT_SUPPORTED;
  }
  if (batch > 1 && (stride_c < 0 ? -stride_c : stride_c) < ldc * (n - 1) + m) {
    report(std::string(call) + ": the C matrices of the batch overlap (stride " +
           std::to_string(stride_c) + ")");
    return CUBLAS_STATUS_INVALID_VALUE;
  }
  bool reads_ab = k > 0;
  if ((reads_ab && !readable(call, "A", A, a_rows, a_cols, lda, stride_a, batch)) ||
      (reads_ab && !readable(call, "B", B, b_rows, b_cols, ldb, stride_b, batch)) ||
      !readable(call, "C", static_cast<const T*>(C), m, n, ldc, stride_c, batch))
    return CUBLAS_STATUS_EXECUTION_FAILED;
  auto op = [](cublasOperation_t o) { return o == CUBLAS_OP_N ? CblasNoTrans : CblasTrans; };
  std::lock_guard<std::recursive_mutex> lock(device_lock());
  OneBlasThread one_thread;
  for (int64_t i = 0; i < batch; ++i)
    gemm(op(transa), op(transb), static_cast<blasint>(m), static_cast<blasint>(n),
         static_cast<blasint>(k), *alpha, A + i * stride_a, static_cast<blasint>(lda),
         B + i * stride_b, static_cast<blasint>(ldb), *beta, C + i * stride_c,
         static_cast<blasint>(ldc));
  return CUBLAS_STATUS_SUCCESS;
}

}  // namespace
}  // namespace xgrad::cuda::emulate

using xgrad::cuda::emulate::strided_gemm;

cublasStatus_t cublasCreate(cublasHandle_t* handle) {
  if (!handle) return CUBLAS_STATUS_INVALID_VALUE;
  *handle = new cublasContext();
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy(cublasHandle_t handle) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream(cublasHandle_t handle, cudaStream_t stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetStream(cublasHandle_t handle, cudaStream_t* stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  if (!stream) return CUBLAS_STATUS_INVALID_VALUE;
  *stream = handle->stream;
  return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS:
      return "the operation completed successfully";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "the library was not initialized";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "the resource allocation failed";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "an invalid numeric value was used as an argument";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "the GPU program failed to execute";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "an internal operation failed";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "the functionality requested is not supported";
  }
  return "unknown error";
}

const char* cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
  }
  return "CUBLAS_STATUS_UNKNOWN";
}

cublasStatus_t cublasSgemm_64(cublasHandle_t handle, cublasOperation_t transa,
                              cublasOperation_t transb, int64_t m, int64_t n, int64_t k,
                              const float* alpha, const float* A, int64_t lda, const float* B,
                              int64_t ldb, const float* beta, float* C, int64_t ldc) {
  return strided_gemm("cublasSgemm_64", handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb,
                      0, beta, C, ldc, 0, 1);
}

cublasStatus_t cublasDgemm_64(cublasHandle_t handle, cublasOperation_t transa,
                              cublasOperation_t transb, int64_t m, int64_t n, int64_t k,
                              const double* alpha, const double* A, int64_t lda, const double* B,
                              int64_t ldb, const double* beta, double* C, int64_t ldc) {
  return strided_gemm("cublasDgemm_64", handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb,
                      0, beta, C, ldc, 0, 1);
}

cublasStatus_t cublasSgemmStridedBatched_64(cublasHandle_t handle, cublasOperation_t transa,
                                            cublasOperation_t transb, int64_t m, int64_t n,
                                            int64_t k, const float* alpha, const float* A,
                                            int64_t lda, int64_t strideA, const float* B,
                                            int64_t ldb, int64_t strideB, const float* beta,
                                            float* C, int64_t ldc, int64_t strideC,
                                            int64_t batch_count) {
  return strided_gemm("cublasSgemmStridedBatched_64", handle, transa, transb, m, n, k, alpha, A,
                      lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batch_count);
}

cublasStatus_t cublasDgemmStridedBatched_64(cublasHandle_t handle, cublasOperation_t transa,
                                            cublasOperation_t transb, int64_t m, int64_t n,
                                            int64_t k, const double* alpha, const double* A,
                                            int64_t lda, int64_t strideA, const double* B,
                                            int64_t ldb, int64_t strideB, const double* beta,
                                            double* C, int64_t ldc, int64_t strideC,
                                            int64_t batch_count) {
  return strided_gemm("cublasDgemmStridedBatched_64", handle, transa, transb, m, n, k, alpha, A,
                      lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batch_count);
}
