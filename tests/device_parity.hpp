// What the CUDA parity suites (test_cuda_ops, test_cuda_nn) share: the device under test, the
// skip without one (exit code 77, CTest's SKIP_RETURN_CODE, after a line saying why), and the
// comparison of a device result with the CPU's.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace parity {

using namespace xgrad;

// The device under test: CUDA; or, with XGRAD_PARITY_DEVICE=cpu, the CPU itself, which runs the
// suites' cases and harness on a machine without a GPU (every comparison is then CPU vs CPU).
inline Device device() {
  static const Device d = [] {
    const char* s = std::getenv("XGRAD_PARITY_DEVICE");
    return s && std::string(s) == "cpu" ? kCPU : kCUDA;
  }();
  return d;
}

// Called first in every test case, so a filtered run skips as well.
inline void skip_without_device(const char* binary) {
  if (device().is_cpu() || cuda::is_available()) return;
  std::string reason = "no device";
  try {
    zeros({1}, kCUDA);
  } catch (const Error& e) {
    reason = e.what();
  }
  std::printf("%s: SKIPPED: no CUDA device (%s)\n", binary, reason.c_str());
  std::fflush(stdout);
  std::exit(77);
}

struct Tolerance {
  double rtol, atol;  // |cpu - device| <= atol * scale + rtol * |cpu|, scale = max(1, max |cpu|)
};

// The same inputs give float32 results within a few ulp on both devices (CUDA's expf, logf, tanhf
// are within 2 ulp; sums run in different orders); these bounds leave room for chains of ops
// forward and backward, while a wrong kernel is off by O(1). int64 results must be equal.
inline Tolerance tolerance(Dtype d, double factor = 1) {
  if (d == kFloat32) return {1e-4 * factor, 1e-5 * factor};
  if (d == kFloat64) return {1e-9 * factor, 1e-11 * factor};
  return {0, 0};
}

// The device tensor against the CPU one: same shape and dtype, on the device under test, values
// within `tol` (NaN matches NaN); reports the first mismatch.
inline bool check_close(const std::string& what, const Tensor& cpu, const Tensor& dev,
                        Tolerance tol) {
  INFO(what);
  REQUIRE(cpu.defined());
  REQUIRE(dev.defined());
  CHECK(dev.device() == device());
  CHECK(cpu.shape() == dev.shape());
  CHECK(cpu.dtype() == dev.dtype());
  if (!(cpu.shape() == dev.shape()) || cpu.dtype() != dev.dtype()) return false;
  std::vector<double> c = cpu.to_vector<double>(), g = dev.to_vector<double>();
  if (cpu.dtype() == kInt64) tol = {0, 0};
  double scale = 1;
  for (double v : c)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < c.size(); ++i) {
    bool same = (std::isnan(c[i]) && std::isnan(g[i])) || c[i] == g[i] ||
                std::abs(c[i] - g[i]) <= tol.atol * scale + tol.rtol * std::abs(c[i]);
    if (!same) {
      FAIL_CHECK("first mismatch at flat index ", i, " of ", cpu.shape().str(), ": cpu ", c[i],
                 ", ", device().str(), " ", g[i], " (rtol ", tol.rtol, ", atol ", tol.atol,
                 " x scale ", scale, ")");
      return false;
    }
  }
  return true;
}

}  // namespace parity
