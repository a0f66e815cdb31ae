// Whether this process sees a CUDA device (asked once), and the error helpers.
#include "cuda/device.hpp"

#include <cuda_runtime.h>

#include <string>

#include "cuda/check.hpp"

namespace xgrad::cuda {

void throw_error(const char* what, const char* call, const char* reason) {
  throw Error(std::string(what) + ": " + call + " failed: " + reason);
}

void throw_error(const char* what, const char* call, cudaError_t err) {
  throw Error(std::string(what) + ": " + call + " failed: " + cudaGetErrorString(err) + " (" +
              cudaGetErrorName(err) + ")");
}

namespace {

struct Detection {
  int count = 0;
  std::string reason;  // why there is no device; empty when there is one
};

// Any cudaGetDeviceCount error means "no device" (without a GPU it is cudaErrorInsufficientDriver
// or cudaErrorNoDevice); the answer cannot change within a process, so it is asked once.
const Detection& detection() {
  static const Detection d = [] {
    Detection r;
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      r.reason = std::string("cudaGetDeviceCount: ") + cudaGetErrorString(err);
      cudaGetLastError();  // clear it so it does not surface at the next kernel launch
    } else if (n <= 0) {
      r.reason = "cudaGetDeviceCount: 0 devices";
    } else {
      r.count = n;
    }
    return r;
  }();
  return d;
}

}  // namespace

void require_device(const char* op) {
  const Detection& d = detection();
  if (d.count == 0)
    throw Error(std::string(op) + ": no CUDA device is available (" + d.reason + ")");
}

int multiprocessor_count() {
  static const int n = [] {
    int device = 0, count = 0;
    XGRAD_CUDA_CHECK("cuda", cudaGetDevice, &device);
    XGRAD_CUDA_CHECK("cuda", cudaDeviceGetAttribute, &count, cudaDevAttrMultiProcessorCount,
                     device);
    return count;
  }();
  return n;
}

int detected_devices() { return detection().count; }

}  // namespace xgrad::cuda
