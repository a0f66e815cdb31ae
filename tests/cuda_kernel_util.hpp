// Shared by the kernel-table parity tests (test_cuda, test_cuda_layout): the skip without a
// device, host/device copies, random inputs and element-by-element comparison with the CPU.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "autograd/kernels.hpp"
#include "xgrad/cuda/cuda.hpp"

namespace cuda_test {

using namespace xgrad;

// Called first in every test case, so a filtered run skips as well.
inline void skip_without_device() {
  if (cuda::is_available()) return;
  std::string reason = "no device";
  try {
    kernels::cuda("test");
  } catch (const Error& e) {
    reason = e.what();
  }
  std::printf("test_cuda: SKIPPED: no CUDA device (%s)\n", reason.c_str());
  std::fflush(stdout);
  std::exit(77);
}

inline const kernels::Table& cpu() { return kernels::cpu(); }
inline const kernels::Table& gpu() { return kernels::cuda("test"); }

inline size_t nbytes(const Tensor& t) { return static_cast<size_t>(t.numel()) * element_size(t.dtype()); }

inline Tensor host(const Shape& s, Dtype d) { return make_tensor(s, d, kCPU); }

inline Tensor to_device(const Tensor& h) {
  Tensor d = make_tensor(h.shape(), h.dtype(), kCUDA);
  gpu().copy_from_host(d.data_ptr(), h.data_ptr(), nbytes(h));
  return d;
}

inline Tensor to_host(const Tensor& d) {
  Tensor h = host(d.shape(), d.dtype());
  gpu().copy_to_host(h.data_ptr(), d.data_ptr(), nbytes(d));
  return h;
}

inline double get(const Tensor& h, int64_t i) {
  switch (h.dtype()) {
    case kFloat32:
      return static_cast<const float*>(h.data_ptr())[i];
    case kFloat64:
      return static_cast<const double*>(h.data_ptr())[i];
    case kInt64:
      return static_cast<double>(static_cast<const int64_t*>(h.data_ptr())[i]);
  }
  return 0;
}

inline void set(Tensor& h, int64_t i, double v) {
  switch (h.dtype()) {
    case kFloat32:
      static_cast<float*>(h.data_ptr())[i] = static_cast<float>(v);
      break;
    case kFloat64:
      static_cast<double*>(h.data_ptr())[i] = v;
      break;
    case kInt64:
      static_cast<int64_t*>(h.data_ptr())[i] = static_cast<int64_t>(v);
      break;
  }
}

inline std::mt19937_64& rng() {
  static std::mt19937_64 g(12345);
  return g;
}

// Uniform values in [lo, hi) (integers for int64), on the CPU.
inline Tensor random_host(const Shape& s, Dtype d, double lo = -1, double hi = 1) {
  Tensor h = host(s, d);
  std::uniform_real_distribution<double> u(lo, hi);
  for (int64_t i = 0; i < h.numel(); ++i)
    set(h, i, d == kInt64 ? std::floor(u(rng())) : u(rng()));
  return h;
}

inline Tensor copy_host(const Tensor& h) {
  Tensor c = host(h.shape(), h.dtype());
  std::memcpy(c.data_ptr(), h.data_ptr(), nbytes(h));
  return c;
}

// The device result (copied back) against the CPU result, element by element.
inline void check_close(const Tensor& expected, const Tensor& device, double rtol, double atol,
                 const std::string& what) {
  INFO(what);
  REQUIRE(expected.shape() == device.shape());
  REQUIRE(expected.dtype() == device.dtype());
  Tensor got = to_host(device);
  int64_t bad = -1;
  for (int64_t i = 0; i < expected.numel() && bad < 0; ++i) {
    double e = get(expected, i), g = get(got, i);
    bool same =
        (std::isnan(e) && std::isnan(g)) || e == g || std::abs(e - g) <= atol + rtol * std::abs(e);
    if (!same) bad = i;
  }
  if (bad >= 0) {
    INFO("first mismatch at " << bad << ": cpu " << get(expected, bad) << ", cuda "
                              << get(got, bad));
    CHECK(bad < 0);
  }
}

inline void check_equal(const Tensor& expected, const Tensor& device, const std::string& what) {
  INFO(what);
  REQUIRE(expected.shape() == device.shape());
  Tensor got = to_host(device);
  int64_t bad = -1;
  for (int64_t i = 0; i < expected.numel() && bad < 0; ++i) {
    size_t w = element_size(expected.dtype());
    if (std::memcmp(static_cast<const char*>(expected.data_ptr()) + i * w,
                    static_cast<const char*>(got.data_ptr()) + i * w, w) != 0)
      bad = i;
  }
  if (bad >= 0) {
    INFO("first difference at " << bad << ": cpu " << get(expected, bad) << ", cuda "
                                << get(got, bad));
    CHECK(bad < 0);
  }
}

inline double rtol_of(Dtype d) { return d == kFloat32 ? 1e-5 : 1e-12; }
inline double atol_of(Dtype d) { return d == kFloat32 ? 1e-6 : 1e-14; }

inline const Dtype kAll[] = {kFloat32, kFloat64, kInt64};
inline const Dtype kFloats[] = {kFloat32, kFloat64};

}  // namespace cuda_test
