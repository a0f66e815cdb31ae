// xgrad's side of the GPU benchmarks (issue 6, "On a GPU"); torch_gpu_bench.py is PyTorch's on the
// same GPU. One result a line, `gpu <what> <who> <value>`:
//   gpu mlp_epoch_s xgrad S         Fashion-MNIST MLP 784-256-256-10 ReLU, Adam lr 1e-3, batches of
//                                   256 shuffled each epoch, data on the device: mean seconds of
//                                   the epochs after the first (which pays cuBLAS and cache
//                                   warm-up)
//   gpu mlp_first_epoch_s xgrad S
//   gpu mlp_test_accuracy xgrad A   after the last epoch
//   gpu gemm1024 xgrad_gflops G     float32 matmul(a, b) of n x n through the Tensor API
//   gpu gemm1024 cublas_gflops G    cublasSgemm called directly on the same device buffers' sizes
//   gpu gemm4096 ...                (best of 3 timed runs each; cuBLAS's default math, no TF32)
//   gpu add1e6_us xgrad_cpu U       notebook 004's y += x on 1e6 float64 elements (cells 24-27:
//   gpu add1e6_us xgrad_cuda U      NumPy 826 us, a numba kernel 47.5 us), the data already where
//                                   it is added: best of 3 runs of 200 adds, microseconds per add
// Usage: xgrad_gpu_bench [--data DIR] [--epochs N] [--no-mlp] [--no-gemm] [--no-add]
// Exits 77 without a CUDA device.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void put(const char* what, const char* who, double value) {
  std::printf("gpu %s %s %.6g\n", what, who, value);
  std::fflush(stdout);
}

void check(cudaError_t err, const char* call) {
  if (err != cudaSuccess) throw Error(std::string(call) + ": " + cudaGetErrorString(err));
}
void check(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string(call) + ": " + cublasGetStatusString(status));
}

void mlp(const std::string& dir, int epochs) {
  manual_seed(0);
  data::MnistOptions format{.scale = true, .flatten = true};
  data::TensorDataset train = data::load_mnist(dir, true, format).to(kCUDA);
  data::TensorDataset test = data::load_mnist(dir, false, format).to(kCUDA);
  nn::Sequential model(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(),
                       nn::Linear(256, 10));
  model->to(kCUDA);
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(train, {.batch_size = 256, .shuffle = true});
  std::vector<double> seconds;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    model->train();
    cuda::synchronize();
    double start = now();
    for (auto [x, y] : loader) {
      opt.zero_grad();
      Tensor loss = F::cross_entropy(model(x), y);
      loss.backward();
      opt.step();
    }
    cuda::synchronize();
    seconds.push_back(now() - start);
    std::printf("# xgrad epoch %d: %.3f s\n", epoch + 1, seconds.back());
  }
  NoGradGuard no_grad;
  model->eval();
  double accuracy = metrics::accuracy(model(test.x), test.y);
  double later = 0;
  for (size_t i = 1; i < seconds.size(); ++i) later += seconds[i];
  put("mlp_epoch_s", "xgrad",
      seconds.size() > 1 ? later / static_cast<double>(seconds.size() - 1) : seconds[0]);
  put("mlp_first_epoch_s", "xgrad", seconds[0]);
  put("mlp_test_accuracy", "xgrad", accuracy);
}

// GFLOP/s of `body` (one n x n x n GEMM a call), best of 3 runs of `iters` calls.
template <class Body>
double gflops(int64_t n, int iters, Body body) {
  for (int i = 0; i < 3; ++i) body();  // warm-up: handles, kernels, allocator
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    double start = now();
    for (int i = 0; i < iters; ++i) body();
    check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    double s = now() - start;
    best = std::max(best, 2.0 * static_cast<double>(n) * n * n * iters / s / 1e9);
  }
  return best;
}

void gemm(int64_t n, int iters) {
  std::string what = "gemm" + std::to_string(n);
  Tensor a = randn({n, n}, kCUDA), b = randn({n, n}, kCUDA);
  put(what.c_str(), "xgrad_gflops", gflops(n, iters, [&] { Tensor c = matmul(a, b); }));

  cublasHandle_t handle = nullptr;
  check(cublasCreate(&handle), "cublasCreate");
  float* c = nullptr;
  check(cudaMalloc(&c, static_cast<size_t>(n * n) * sizeof(float)), "cudaMalloc");
  const float one = 1, zero = 0;
  const float* pa = static_cast<const float*>(a.data_ptr());
  const float* pb = static_cast<const float*>(b.data_ptr());
  int m = static_cast<int>(n);
  // Row-major C = A B is column-major C^T = B^T A^T: B first, as xgrad passes it.
  double rate = gflops(n, iters, [&] {
    check(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, m, m, m, &one, pb, m, pa, m, &zero, c, m),
          "cublasSgemm");
  });
  put(what.c_str(), "cublas_gflops", rate);
  check(cudaFree(c), "cudaFree");
  check(cublasDestroy(handle), "cublasDestroy");
}

// Microseconds per call of `body`, best of 3 runs of `iters` calls; `sync` waits for the device.
template <class Body, class Sync>
double best_us(int iters, Body body, Sync sync) {
  for (int i = 0; i < 3; ++i) body();  // warm-up: kernels, allocator
  sync();
  double best = 1e300;
  for (int run = 0; run < 3; ++run) {
    double start = now();
    for (int i = 0; i < iters; ++i) body();
    sync();
    best = std::min(best, (now() - start) / iters * 1e6);
  }
  return best;
}

void add(int64_t n) {
  NoGradGuard no_grad;
  Tensor x = rand({n}, kFloat64), y = rand({n}, kFloat64);
  put("add1e6_us", "xgrad_cpu",
      best_us(
          200, [&] { y.add_(x); }, [] {}));
  Tensor xc = x.to(kCUDA), yc = y.to(kCUDA);
  put("add1e6_us", "xgrad_cuda",
      best_us(
          200, [&] { yc.add_(xc); }, [] { cuda::synchronize(); }));
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = data::kFashionMnistDir;
  int epochs = 5;
  bool run_mlp = true, run_gemm = true, run_add = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--epochs" && i + 1 < argc) {
      epochs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--no-mlp") {
      run_mlp = false;
    } else if (a == "--no-gemm") {
      run_gemm = false;
    } else if (a == "--no-add") {
      run_add = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--data DIR] [--epochs N] [--no-mlp] [--no-gemm] [--no-add]\n",
                   argv[0]);
      return 2;
    }
  }
  if (!cuda::is_available()) {
    std::printf("xgrad_gpu_bench: SKIPPED: no CUDA device\n");
    return 77;
  }
  try {
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("# device %s\n", prop.name);
    if (run_add) add(1000000);
    if (run_gemm) {
      gemm(1024, 500);
      gemm(4096, 30);
    }
    if (run_mlp) {
      if (!std::filesystem::exists(dir)) {
        std::fprintf(stderr, "xgrad_gpu_bench: no Fashion-MNIST at %s (--data DIR)\n", dir.c_str());
        return 1;
      }
      mlp(dir, epochs);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xgrad_gpu_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
