// The emulated CUDA device itself (built only with -DXGRAD_CUDA=EMULATE): its runtime, its launch
// semantics (barriers, shuffles, atomics), cuBLAS against a plain loop, and that it catches what
// it exists to catch: a missing __syncthreads gives a wrong result under the shuffled order, and
// an out-of-bounds or freed access is reported by AddressSanitizer (in a child process).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "autograd/kernels.hpp"
#include "cuda/launch.cuh"

using xgrad::cuda::launch;
using xgrad::cuda::thread_index;
using xgrad::cuda::thread_stride;

namespace {

// ---- kernels under test

__global__ void coordinates_kernel(unsigned* out) {
  unsigned block = blockIdx.y * gridDim.x + blockIdx.x;
  unsigned thread = threadIdx.y * blockDim.x + threadIdx.x;
  unsigned i = block * blockDim.x * blockDim.y + thread;
  out[4 * i] = blockIdx.x;
  out[4 * i + 1] = blockIdx.y;
  out[4 * i + 2] = threadIdx.x;
  out[4 * i + 3] = threadIdx.y;
}

// Reverses each block's 256 values through shared memory; without the barrier a thread may read
// its mirror's slot before the mirror has written it.
__global__ void reverse_kernel(const float* in, float* out, bool sync) {
  __shared__ float tile[256];
  unsigned t = threadIdx.x, base = blockIdx.x * 256;
  tile[t] = in[base + t];
  if (sync) __syncthreads();
  out[base + t] = tile[255 - t];
}

template <class T>
__global__ void butterfly_kernel(const T* in, T* out) {
  T v = in[threadIdx.x];
  for (int mask = 16; mask > 0; mask >>= 1) v += __shfl_xor_sync(0xffffffffu, v, mask);
  out[threadIdx.x] = v;
}

__global__ void shuffle_down_kernel(const float* in, float* out) {
  float v = in[threadIdx.x];
  for (unsigned delta = 16; delta > 0; delta >>= 1) v += __shfl_down_sync(0xffffffffu, v, delta);
  if (threadIdx.x % 32 == 0) out[threadIdx.x / 32] = v;
}

__global__ void count_kernel(unsigned long long* counter, double* sum, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    atomicAdd(counter, 1ull);
    atomicAdd(sum, 0.5);
  }
}

__global__ void divergent_barrier_kernel(int* out) {
  if (threadIdx.x < 10) __syncthreads();
  out[threadIdx.x] = 1;
}

__global__ void partial_shuffle_kernel(int* out) {
  if (threadIdx.x % 32 < 16) return;  // half the warp leaves before a full-warp shuffle
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, static_cast<int>(threadIdx.x), 1);
}

__global__ void write_kernel(float* out, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = 1.0f;
}

__global__ void read_kernel(const float* in, float* out, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = in[i] * 2.0f;
}

// ---- helpers

template <class T>
T* device_copy(const std::vector<T>& host) {
  T* d = nullptr;
  REQUIRE(cudaMalloc(&d, host.size() * sizeof(T)) == cudaSuccess);
  REQUIRE(cudaMemcpy(d, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice) ==
          cudaSuccess);
  return d;
}

template <class T>
std::vector<T> host_copy(const T* d, size_t n) {
  std::vector<T> h(n);
  REQUIRE(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost) == cudaSuccess);
  return h;
}

std::vector<float> reverse_blocks(const std::vector<float>& in, bool sync) {
  float* d_in = device_copy(in);
  float* d_out = device_copy(std::vector<float>(in.size(), 0.0f));
  launch("reverse", reverse_kernel, dim3(static_cast<unsigned>(in.size() / 256)), dim3(256), d_in,
         d_out, sync);
  std::vector<float> out = host_copy(d_out, in.size());
  cudaFree(d_in);
  cudaFree(d_out);
  return out;
}

}  // namespace

TEST_CASE("the emulated device: one device with a real device's properties") {
  int count = 0, device = -1, value = 0;
  REQUIRE(cudaGetDeviceCount(&count) == cudaSuccess);
  CHECK(count == 1);
  REQUIRE(cudaGetDevice(&device) == cudaSuccess);
  CHECK(device == 0);
  CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrWarpSize, 0) == cudaSuccess);
  CHECK(value == 32);
  CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrMultiProcessorCount, 0) == cudaSuccess);
  CHECK(value >= 1);
  CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrMaxSharedMemoryPerBlock, 0) == cudaSuccess);
  CHECK(value == 48 * 1024);
  CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrMaxThreadsPerBlock, 0) == cudaSuccess);
  CHECK(value == 1024);
  cudaDeviceProp prop;
  REQUIRE(cudaGetDeviceProperties(&prop, 0) == cudaSuccess);
  CHECK(prop.warpSize == 32);
  CHECK(prop.totalGlobalMem > 0);
  CHECK(cudaGetDeviceProperties(&prop, 1) == cudaErrorInvalidDevice);
  CHECK(cudaGetLastError() == cudaErrorInvalidDevice);
  CHECK(cudaGetLastError() == cudaSuccess);  // read once, then cleared
  CHECK(xgrad::cuda::is_available());
}

TEST_CASE("the emulated device: copies copy, in the direction their kind says") {
  std::vector<int> h = {1, 2, 3, 4, 5};
  int* a = device_copy(h);
  h[0] = 100;  // the device keeps its own copy
  int* b = nullptr;
  REQUIRE(cudaMalloc(&b, 5 * sizeof(int)) == cudaSuccess);
  REQUIRE(cudaMemcpy(b, a, 5 * sizeof(int), cudaMemcpyDeviceToDevice) == cudaSuccess);
  CHECK(host_copy(b, 5) == std::vector<int>{1, 2, 3, 4, 5});
  REQUIRE(cudaMemset(b, 0, 2 * sizeof(int)) == cudaSuccess);
  CHECK(host_copy(b, 5) == std::vector<int>{0, 0, 3, 4, 5});
  // A kind that does not match the pointers, or a copy past a block, is refused.
  CHECK(cudaMemcpy(h.data(), a, 5 * sizeof(int), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemcpy(b, h.data(), 6 * sizeof(int), cudaMemcpyHostToDevice) == cudaErrorInvalidValue);
  CHECK(cudaMemcpy(h.data(), b, 5 * sizeof(int), cudaMemcpyDefault) == cudaSuccess);
  CHECK(h == std::vector<int>{0, 0, 3, 4, 5});
  cudaGetLastError();
  void* huge = nullptr;
  CHECK(cudaMalloc(&huge, size_t{1} << 52) == cudaErrorMemoryAllocation);
  CHECK(cudaFree(h.data()) == cudaErrorInvalidValue);  // not a device block
  cudaGetLastError();
  CHECK(cudaFree(a) == cudaSuccess);
  CHECK(cudaFree(b) == cudaSuccess);
}

TEST_CASE("the emulated device: streams and events keep their order") {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  REQUIRE(cudaStreamCreate(&stream) == cudaSuccess);
  REQUIRE(cudaEventCreate(&start) == cudaSuccess);
  REQUIRE(cudaEventCreate(&stop) == cudaSuccess);
  std::vector<float> h(1000, 3.0f), back(1000, 0.0f);
  float* d = nullptr;
  REQUIRE(cudaMalloc(&d, 1000 * sizeof(float)) == cudaSuccess);
  CHECK(cudaEventRecord(start, stream) == cudaSuccess);
  CHECK(cudaMemcpyAsync(d, h.data(), 1000 * sizeof(float), cudaMemcpyHostToDevice, stream) ==
        cudaSuccess);
  CHECK(cudaMemsetAsync(d, 0, 10 * sizeof(float), stream) == cudaSuccess);
  CHECK(cudaMemcpyAsync(back.data(), d, 1000 * sizeof(float), cudaMemcpyDeviceToHost, stream) ==
        cudaSuccess);
  CHECK(cudaEventRecord(stop, stream) == cudaSuccess);
  CHECK(cudaStreamWaitEvent(nullptr, stop) == cudaSuccess);
  CHECK(cudaEventSynchronize(stop) == cudaSuccess);
  CHECK(cudaStreamSynchronize(stream) == cudaSuccess);
  CHECK(back[9] == 0.0f);   // the memset ran after the first copy
  CHECK(back[10] == 3.0f);  // and before the second
  float ms = -1;
  CHECK(cudaEventElapsedTime(&ms, start, stop) == cudaSuccess);
  CHECK(ms >= 0);
  cudaFree(d);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
}

TEST_CASE("the emulated device: every thread of every block runs once, with its coordinates") {
  dim3 grid(3, 2), block(8, 4);
  size_t threads = 3 * 2 * 8 * 4;
  unsigned* d = device_copy(std::vector<unsigned>(4 * threads, 999u));
  launch("coordinates", coordinates_kernel, grid, block, d);
  std::vector<unsigned> out = host_copy(d, 4 * threads);
  size_t i = 0;
  for (unsigned by = 0; by < 2; ++by)
    for (unsigned bx = 0; bx < 3; ++bx)
      for (unsigned ty = 0; ty < 4; ++ty)
        for (unsigned tx = 0; tx < 8; ++tx, ++i) {
          CAPTURE(i);
          CHECK(out[4 * i] == bx);
          CHECK(out[4 * i + 1] == by);
          CHECK(out[4 * i + 2] == tx);
          CHECK(out[4 * i + 3] == ty);
        }
  cudaFree(d);
}

TEST_CASE("the emulated device: a missing __syncthreads gives a wrong result, not luck") {
  std::vector<float> in(4 * 256);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  std::vector<float> expected(in.size());
  for (size_t b = 0; b < 4; ++b)
    for (size_t t = 0; t < 256; ++t) expected[b * 256 + t] = in[b * 256 + 255 - t];
  CHECK(reverse_blocks(in, true) == expected);
  for (float& v : in) v += 1000;  // fresh values: the shared tile still holds the last run's
  for (size_t i = 0; i < in.size(); ++i) expected[i] += 1000;
  std::vector<float> racy = reverse_blocks(in, false);
  size_t wrong = 0;
  for (size_t i = 0; i < in.size(); ++i) wrong += racy[i] != expected[i];
  CHECK(wrong > in.size() / 8);  // about half the threads read before their mirror wrote
}

TEST_CASE("the emulated device: warp shuffles exchange between the 32 lanes of a warp") {
  std::vector<double> in(64);
  std::vector<long long> ints(64);
  for (int i = 0; i < 64; ++i) {
    in[i] = i * 0.25;
    ints[i] = (1ll << 40) + i;
  }
  double* d_in = device_copy(in);
  double* d_out = device_copy(std::vector<double>(64));
  launch("butterfly", butterfly_kernel<double>, dim3(1), dim3(64), d_in, d_out);
  std::vector<double> out = host_copy(d_out, 64);
  for (int i = 0; i < 64; ++i) {
    double warp_sum = 0;
    for (int j = i / 32 * 32; j < i / 32 * 32 + 32; ++j) warp_sum += in[j];
    CHECK(out[i] == warp_sum);  // every lane of a warp gets its warp's sum
  }
  long long* i_in = device_copy(ints);
  long long* i_out = device_copy(std::vector<long long>(64));
  launch("butterfly", butterfly_kernel<long long>, dim3(1), dim3(64), i_in, i_out);
  std::vector<long long> iout = host_copy(i_out, 64);
  CHECK(iout[0] == 32 * (1ll << 40) + 31 * 32 / 2);
  CHECK(iout[63] == 32 * (1ll << 40) + (32 + 63) * 32 / 2);

  std::vector<float> f(256, 1.0f);
  f[200] = 5.0f;
  float* f_in = device_copy(f);
  float* f_out = device_copy(std::vector<float>(8));
  launch("shuffle_down", shuffle_down_kernel, dim3(1), dim3(256), f_in, f_out);
  CHECK(host_copy(f_out, 8) == std::vector<float>{32, 32, 32, 32, 32, 32, 36, 32});
  for (void* p : {static_cast<void*>(d_in), static_cast<void*>(d_out), static_cast<void*>(i_in),
                  static_cast<void*>(i_out), static_cast<void*>(f_in), static_cast<void*>(f_out)})
    cudaFree(p);
}

TEST_CASE("the emulated device: atomics add up across threads and blocks") {
  unsigned long long* counter = device_copy(std::vector<unsigned long long>{0});
  double* sum = device_copy(std::vector<double>{0});
  launch("count", count_kernel, dim3(7), dim3(96), counter, sum, int64_t{100000});
  CHECK(host_copy(counter, 1)[0] == 100000);
  CHECK(host_copy(sum, 1)[0] == 50000.0);
  cudaFree(counter);
  cudaFree(sum);
}

TEST_CASE("the emulated device: float atomics add in a new order each launch, unless ordered") {
  // What makes the deterministic-mode tests of test_cuda_layout meaningful here: without it, the
  // same index_add gives other bits from launch to launch.
  using namespace xgrad;
  const int64_t k = 4000, n = 3;
  std::vector<float> values(k);
  std::vector<int64_t> rows(k);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int64_t j = 0; j < k; ++j) {
    values[j] = u(rng) * std::pow(10.0f, static_cast<float>(j % 7) - 3);
    rows[j] = j % n;
  }
  Tensor src = from_vector(values, {k}).to(kCUDA), index = from_vector(rows, {k}).to(kCUDA);
  auto sums = [&](bool deterministic) {
    bool before = is_deterministic();
    set_deterministic(deterministic);
    std::vector<std::vector<float>> runs;
    for (int run = 0; run < 4; ++run) {
      Tensor out = zeros({n}, kCUDA);
      kernels::cuda("test").index_add(src, index, out, 1, n, 1);
      runs.push_back(out.to_vector<float>());
    }
    set_deterministic(before);
    return runs;
  };
  std::vector<std::vector<float>> atomic = sums(false), ordered = sums(true);
  bool differ = false;
  for (const auto& r : atomic) differ = differ || r != atomic[0];
  CHECK(differ);
  for (const auto& r : ordered) CHECK(r == ordered[0]);
}

TEST_CASE("the emulated device: bad launches fail like on a GPU, not hang") {
  int* d = device_copy(std::vector<int>(1024, 0));
  CHECK_THROWS_WITH_AS(launch("too_big", divergent_barrier_kernel, dim3(1), dim3(2048), d),
                       doctest::Contains("invalid configuration argument"), xgrad::Error);
  CHECK_THROWS_WITH_AS(launch("empty", divergent_barrier_kernel, dim3(0), dim3(32), d),
                       doctest::Contains("invalid configuration argument"), xgrad::Error);
  CHECK_THROWS_WITH_AS(launch("divergent", divergent_barrier_kernel, dim3(2), dim3(64), d),
                       doctest::Contains("unspecified launch failure"), xgrad::Error);
  CHECK_THROWS_WITH_AS(launch("partial", partial_shuffle_kernel, dim3(1), dim3(64), d),
                       doctest::Contains("unspecified launch failure"), xgrad::Error);
  // The device works on afterwards.
  launch("write", write_kernel, dim3(4), dim3(256), reinterpret_cast<float*>(d), int64_t{1024});
  CHECK(host_copy(reinterpret_cast<float*>(d), 1024)[1023] == 1.0f);
  cudaFree(d);
}

namespace {

// C = alpha op(A) op(B) + beta C, column-major, one element at a time.
template <class T>
void loop_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < m; ++i) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += static_cast<double>(ta ? a[p + i * lda] : a[i + p * lda]) *
             static_cast<double>(tb ? b[j + p * ldb] : b[p + j * ldb]);
      c[i + j * ldc] = static_cast<T>(alpha * s + beta * c[i + j * ldc]);
    }
}

template <class T>
void check_gemm_mapping() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  cublasHandle_t handle = nullptr;
  REQUIRE(cublasCreate(&handle) == CUBLAS_STATUS_SUCCESS);
  struct Case {
    int64_t m, n, k, pad, batch;  // pad: leading dimensions exceed the rows by this much
    bool shared_b;                // B's stride 0: one B for the whole batch
  };
  for (Case c : {Case{5, 7, 3, 0, 1, false}, Case{4, 6, 9, 3, 1, false}, Case{8, 3, 5, 2, 3, false},
                 Case{3, 5, 4, 1, 4, true}, Case{1, 1, 1, 0, 2, false}}) {
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        CAPTURE(c.m);
        CAPTURE(c.n);
        CAPTURE(c.k);
        CAPTURE(c.batch);
        CAPTURE(ta);
        CAPTURE(tb);
        int64_t a_rows = ta ? c.k : c.m, a_cols = ta ? c.m : c.k;
        int64_t b_rows = tb ? c.n : c.k, b_cols = tb ? c.k : c.n;
        int64_t lda = a_rows + c.pad, ldb = b_rows + c.pad, ldc = c.m + c.pad;
        int64_t sa = lda * a_cols, sb = c.shared_b ? 0 : ldb * b_cols, sc = ldc * c.n;
        std::vector<T> a(sa * c.batch), b(c.shared_b ? ldb * b_cols : sb * c.batch),
            cm(sc * c.batch);
        for (T& v : a) v = static_cast<T>(u(rng));
        for (T& v : b) v = static_cast<T>(u(rng));
        for (T& v : cm) v = static_cast<T>(u(rng));
        T alpha = static_cast<T>(1.5), beta = static_cast<T>(-0.5);
        T *da = device_copy(a), *db = device_copy(b), *dc = device_copy(cm);
        auto op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N, op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
        cublasStatus_t status;
        if constexpr (std::is_same_v<T, float>) {
          status = c.batch == 1 ? cublasSgemm_64(handle, op_a, op_b, c.m, c.n, c.k, &alpha, da, lda,
                                                 db, ldb, &beta, dc, ldc)
                                : cublasSgemmStridedBatched_64(handle, op_a, op_b, c.m, c.n, c.k,
                                                               &alpha, da, lda, sa, db, ldb, sb,
                                                               &beta, dc, ldc, sc, c.batch);
        } else {
          status = c.batch == 1 ? cublasDgemm_64(handle, op_a, op_b, c.m, c.n, c.k, &alpha, da, lda,
                                                 db, ldb, &beta, dc, ldc)
                                : cublasDgemmStridedBatched_64(handle, op_a, op_b, c.m, c.n, c.k,
                                                               &alpha, da, lda, sa, db, ldb, sb,
                                                               &beta, dc, ldc, sc, c.batch);
        }
        REQUIRE(status == CUBLAS_STATUS_SUCCESS);
        std::vector<T> expected = cm;
        for (int64_t i = 0; i < c.batch; ++i)
          loop_gemm<T>(ta, tb, c.m, c.n, c.k, alpha, a.data() + i * sa, lda, b.data() + i * sb, ldb,
                       beta, expected.data() + i * sc, ldc);
        std::vector<T> got = host_copy(dc, cm.size());
        double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
        for (size_t i = 0; i < got.size(); ++i) {
          CAPTURE(i);
          CHECK(std::abs(static_cast<double>(got[i]) - static_cast<double>(expected[i])) <= tol);
        }
        cudaFree(da);
        cudaFree(db);
        cudaFree(dc);
      }
  }
  // cuBLAS's argument checks: a leading dimension below the stored rows, a negative size.
  T one = 1;
  T* d = device_copy(std::vector<T>(64));
  if constexpr (std::is_same_v<T, float>) {
    CHECK(cublasSgemm_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 3, d, 4, &one, d, 4) ==
          CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasSgemm_64(handle, CUBLAS_OP_T, CUBLAS_OP_N, 4, 4, 5, &one, d, 4, d, 5, &one, d, 4) ==
          CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasSgemm_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, -1, 4, 4, &one, d, 4, d, 4, &one, d,
                         4) == CUBLAS_STATUS_INVALID_VALUE);
    // A matrix reaching past its device block is refused rather than read.
    CHECK(cublasSgemm_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, 9, 9, 9, &one, d, 9, d, 9, &one, d, 9) ==
          CUBLAS_STATUS_EXECUTION_FAILED);
  } else {
    CHECK(cublasDgemm_64(handle, CUBLAS_OP_N, CUBLAS_OP_T, 4, 4, 4, &one, d, 4, d, 3, &one, d, 4) ==
          CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cublasDgemm_64(handle, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d, 4, &one, d, 3) ==
          CUBLAS_STATUS_INVALID_VALUE);
  }
  cudaFree(d);
  CHECK(cublasDestroy(handle) == CUBLAS_STATUS_SUCCESS);
}

}  // namespace

TEST_CASE("the emulated cuBLAS maps column-major GEMMs onto cblas like a plain loop") {
  check_gemm_mapping<float>();
  check_gemm_mapping<double>();
}

#if defined(__SANITIZE_ADDRESS__)

namespace {

// What the child does: an access AddressSanitizer must report (the report ends the process).
void bad_access(const std::string& what) {
  if (what == "past a cudaMalloc block") {
    float* d = nullptr;
    REQUIRE(cudaMalloc(&d, 100 * sizeof(float)) == cudaSuccess);
    launch("write", write_kernel, dim3(1), dim3(128), d, int64_t{101});
  } else if (what == "past a tensor") {
    // A kernel given a wrong extent writes past its output: slice rows 0..5 into 5 rows.
    using namespace xgrad;
    Tensor src = zeros({6, 4}, kCUDA), dst = zeros({5, 4}, kCUDA);
    kernels::cuda("test").slice(src, dst, 1, 6, 6, 4, 0, false);
  } else if (what == "a freed tensor") {
    using namespace xgrad;
    Tensor out = zeros({100}, kCUDA);
    float* stale = nullptr;
    {
      Tensor gone = ones({100}, kCUDA);
      stale = static_cast<float*>(gone.data_ptr());
    }  // back in the caching allocator, not in a tensor
    launch("read", read_kernel, dim3(1), dim3(128), stale, static_cast<float*>(out.data_ptr()),
           int64_t{100});
  }
  std::printf("no report\n");
}

struct Child {
  int status;
  std::string output;
};

Child run_child(const std::string& what) {
  char self[4096] = {};
  REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);
  std::string cmd =
      "XGRAD_EMULATE_CHILD='" + what + "' '" + self + "' --test-case='*AddressSanitizer*' 2>&1";
  Child c{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) c.output += buf;
  c.status = pclose(p);
  return c;
}

}  // namespace

TEST_CASE("the emulated device under AddressSanitizer: out-of-bounds and freed accesses reported") {
  if (const char* what = std::getenv("XGRAD_EMULATE_CHILD")) {
    bad_access(what);
    return;
  }
  struct Expect {
    const char* what;
    const char* report;
    const char* access;
  };
  for (Expect e : {Expect{"past a cudaMalloc block", "heap-buffer-overflow", "WRITE of size 4"},
                   Expect{"past a tensor", "use-after-poison", "WRITE of size 4"},
                   Expect{"a freed tensor", "use-after-poison", "READ of size 4"}}) {
    CAPTURE(e.what);
    Child c = run_child(e.what);
    CAPTURE(c.output);
    CHECK(c.status != 0);
    CHECK(c.output.find(std::string("ERROR: AddressSanitizer: ") + e.report) != std::string::npos);
    CHECK(c.output.find(e.access) != std::string::npos);
    CHECK(c.output.find("no report") == std::string::npos);
  }
}

#endif
