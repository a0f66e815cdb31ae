// Shared by the CPU kernel-table tests (test_cpu_kernels, test_cpu_kernels_layout): tensors made
// straight from values, their data read back, and a ramp of distinct nonzero values.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "autograd/cpu/cpu.hpp"
#include "autograd/kernels.hpp"

namespace cpu_kernel_test {

using namespace xgrad;
namespace k = xgrad::kernels;

inline const k::Table& cpu() { return k::cpu(); }

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}

inline Tensor make(const Shape& s, Dtype d = kFloat32) { return make_tensor(s, d, kCPU); }

template <class T>
inline Tensor from(const std::vector<T>& v, const Shape& s, Dtype d) {
  Tensor t = make(s, d);
  REQUIRE(static_cast<size_t>(t.impl()->numel) == v.size());
  std::copy(v.begin(), v.end(), ptr<T>(t));
  return t;
}
inline Tensor f32(const std::vector<float>& v, const Shape& s) { return from(v, s, kFloat32); }
inline Tensor f64(const std::vector<double>& v, const Shape& s) { return from(v, s, kFloat64); }
inline Tensor i64(const std::vector<int64_t>& v, const Shape& s) { return from(v, s, kInt64); }

template <class T>
std::vector<T> values(const Tensor& t) {
  const T* p = ptr<T>(t);
  return std::vector<T>(p, p + t.impl()->numel);
}

// Values 0.1 * (i + 1) * sign, distinct and nonzero.
inline std::vector<float> ramp(int64_t n, float scale = 0.1f, float shift = 0.f) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = shift + scale * static_cast<float>(i + 1) * (i % 2 ? -1 : 1);
  return v;
}

}  // namespace cpu_kernel_test
