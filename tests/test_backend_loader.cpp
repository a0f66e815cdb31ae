// The CUDA backend is loaded on demand (cuda/loader.cpp): a CPU-only program maps no CUDA library,
// and asking for CUDA where the backend or a device is missing says which of the two it is.
// CTest runs this binary three times: as is, and with XGRAD_CUDA_BACKEND pointing at a missing
// file and at a file that is not a library (those two cases are skipped unless --no-skip).
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "xgrad/xgrad.hpp"

using namespace xgrad;

namespace {

std::string maps() {
  std::ifstream in("/proc/self/maps");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool mapped(const std::string& library) { return maps().find(library) != std::string::npos; }

std::string cuda_error() {
  try {
    ones({2}).to(kCUDA);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a CPU-only program loads no CUDA library") {
  auto model = nn::Sequential(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 1));
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  Tensor x = randn({16, 4}), y = randn({16, 1});
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    Tensor loss = nn::functional::mse_loss(model->forward(x), y);
    loss.backward();
    opt.step();
  }
  CHECK_FALSE(mapped("libcudart"));
  CHECK_FALSE(mapped("libcublas"));
  CHECK_FALSE(mapped("libxgrad_cuda"));

  // The first question about CUDA loads the backend where this build has one.
  int devices = cuda::device_count();
  CHECK(cuda::is_available() == (devices > 0));
#ifdef XGRAD_TEST_CUDA_BACKEND_BUILT
  CHECK(mapped("libxgrad_cuda"));
#else
  CHECK_FALSE(mapped("libxgrad_cuda"));
#endif
  if (devices == 0) {
    std::string err = cuda_error();
    INFO(err);
#ifdef XGRAD_TEST_CUDA_BACKEND_BUILT
    CHECK(err.find(": no CUDA device is available (cudaGetDeviceCount") != std::string::npos);
#else
    CHECK(err.find(": this build of xgrad has no CUDA backend") != std::string::npos);
#endif
    CHECK(cuda::memory_stats().allocated_bytes == 0);
    cuda::synchronize();  // nothing to wait for: no error
    cuda::empty_cache();
  }
}

TEST_CASE("backend missing: the error says so and names the path" * doctest::skip()) {
  const char* path = std::getenv("XGRAD_CUDA_BACKEND");
  REQUIRE(path);
  std::string err = cuda_error();
  INFO(err);
  CHECK(err.find(": the CUDA backend libxgrad_cuda.so was not found (tried " + std::string(path)) !=
        std::string::npos);
  CHECK_FALSE(cuda::is_available());
  CHECK(cuda::device_count() == 0);
  CHECK(tensor({1.0, 2.0}).sum().item<double>() == 3.0);  // the CPU goes on working
}

TEST_CASE("backend not a library: the loader's message is passed on" * doctest::skip()) {
  const char* path = std::getenv("XGRAD_CUDA_BACKEND");
  REQUIRE(path);
  std::string err = cuda_error();
  INFO(err);
  CHECK(err.find(": the CUDA backend " + std::string(path) + " could not be loaded: ") !=
        std::string::npos);
  CHECK_FALSE(cuda::is_available());
}
