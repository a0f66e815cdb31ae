// Factories: empty, full, zeros, ones, arange, linspace, tensor, from_vector, eye; and allclose.
#include <cmath>
#include <cstring>

#include "autograd/op.hpp"

namespace xgrad {

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& s, TensorOptions o) { return finish(make_tensor(s, o.dtype(), o.device()), o); }

Tensor full(const Shape& s, double value, TensorOptions o) {
  Tensor t = make_tensor(s, o.dtype(), o.device());
  kernels_for(t, "full").fill(t, value);
  return finish(t, o);
}
Tensor zeros(const Shape& s, TensorOptions o) { return full(s, 0.0, o); }
Tensor ones(const Shape& s, TensorOptions o) { return full(s, 1.0, o); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), TensorOptions{t.dtype(), t.device()}); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), TensorOptions{t.dtype(), t.device()}); }
Tensor full_like(const Tensor& t, double v) { return full(t.shape(), v, TensorOptions{t.dtype(), t.device()}); }
Tensor empty_like(const Tensor& t) {
  check_defined("empty_like", t);
  return empty(t.shape(), TensorOptions{t.dtype(), t.device()});
}
Tensor scalar_tensor(double v, TensorOptions o) { return full({}, v, o); }

Tensor arange(double end, TensorOptions o) { return arange(0.0, end, 1.0, o); }

Tensor arange(double start, double end, double step, TensorOptions o) {
  if (step == 0) fail("arange", "step must be nonzero");
  double span = (end - start) / step;
  if (span < 0) fail("arange", "step " + std::to_string(step) + " moves away from end");
  Tensor t = make_tensor(Shape{static_cast<int64_t>(std::ceil(span))}, o.dtype(), o.device());
  kernels_for(t, "arange").arange(t, start, step);
  return finish(t, o);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions o) {
  if (steps < 0) fail("linspace", "steps must be non-negative, got " + std::to_string(steps));
  Tensor t = make_tensor({steps}, o.dtype(), o.device());
  kernels_for(t, "linspace").arange(t, start, steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0);
  return finish(t, o);
}

Tensor tensor(const std::vector<double>& values, const Shape& s, TensorOptions o) {
  if (static_cast<int64_t>(values.size()) != s.numel())
    fail("tensor", std::to_string(values.size()) + " values do not fill shape " + s.str() + " (" +
                       std::to_string(s.numel()) + " elements)");
  Tensor host = make_tensor(s, o.dtype(), kCPU);
  for (size_t i = 0; i < values.size(); ++i) {
    switch (o.dtype()) {
      case kFloat32: static_cast<float*>(host.data_ptr())[i] = static_cast<float>(values[i]); break;
      case kFloat64: static_cast<double*>(host.data_ptr())[i] = values[i]; break;
      case kInt64: static_cast<int64_t*>(host.data_ptr())[i] = static_cast<int64_t>(values[i]); break;
    }
  }
  return finish(host.to(o.device()), o);
}

Tensor tensor(const std::vector<double>& values, TensorOptions o) {
  return tensor(values, Shape{static_cast<int64_t>(values.size())}, o);
}
Tensor tensor(std::initializer_list<double> values, TensorOptions o) { return tensor(std::vector<double>(values), o); }

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, TensorOptions o) {
  std::vector<double> v;
  size_t cols = rows.size() ? rows.begin()->size() : 0;
  for (auto& r : rows) {
    if (r.size() != cols)
      fail("tensor", "rows have different lengths (" + std::to_string(cols) + " and " + std::to_string(r.size()) + ")");
    v.insert(v.end(), r.begin(), r.end());
  }
  return tensor(v, Shape{static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols)}, o);
}

namespace {
template <class T>
Tensor from_host(const std::vector<T>& v, const Shape& s, TensorOptions o, Dtype native) {
  if (static_cast<int64_t>(v.size()) != s.numel())
    fail("from_vector", std::to_string(v.size()) + " values do not fill shape " + s.str());
  Tensor host = make_tensor(s, native, kCPU);
  if (!v.empty()) std::memcpy(host.data_ptr(), v.data(), v.size() * sizeof(T));  // an empty vector's data() may be null
  return finish(host.to(o.dtype()).to(o.device()), o);
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, const Shape& s, TensorOptions o) { return from_host(v, s, o, kFloat32); }
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, TensorOptions o) {
  return from_host(v, s, o, kInt64);
}

Tensor eye(int64_t n, TensorOptions o) {
  std::vector<double> v(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  return tensor(v, Shape{n, n}, o);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return false;
    if (std::abs(x[i] - y[i]) > atol + rtol * std::abs(y[i])) return false;
  }
  return true;
}

}  // namespace xgrad
