#include "autograd/op.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace xgrad {

void fail(const char* op, const std::string& what) { throw Error(std::string(op) + ": " + what); }

void check_defined(const char* op, const Tensor& t) {
  if (!t.defined()) fail(op, "got an undefined tensor");
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    fail(op, std::string("dtypes differ: ") + dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()) +
                 " (convert one with .to(Dtype); xgrad does not promote silently)");
}

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (!(a.device() == b.device()))
    fail(op, "tensors are on different devices: " + a.device().str() + " and " + b.device().str() +
                 " (move one with .to(Device))");
}

void check_floating(const char* op, const Tensor& t) {
  if (!is_floating(t.dtype()))
    fail(op, std::string("expected a floating tensor (float32 or float64), got ") + dtype_name(t.dtype()));
}

void check_dtype(const char* op, const Tensor& t, Dtype want, const char* what) {
  if (t.dtype() != want)
    fail(op, std::string(what) + " must be " + dtype_name(want) + ", got " + dtype_name(t.dtype()));
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  int64_t n = std::max(a.ndim(), b.ndim());
  Shape out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.ndim() ? 1 : a[i - (n - a.ndim())];
    int64_t db = i < n - b.ndim() ? 1 : b[i - (n - b.ndim())];
    if (da != db && da != 1 && db != 1)
      fail(op, "shapes " + a.str() + " and " + b.str() + " do not broadcast (dim " + std::to_string(i) +
                   ": " + std::to_string(da) + " vs " + std::to_string(db) + ")");
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  if (dim < -n || dim >= n)
    fail(op, "dim " + std::to_string(dim) + " is out of range for a tensor of " + std::to_string(ndim) +
                 " dimensions (expected [" + std::to_string(-n) + ", " + std::to_string(n - 1) + "])");
  return dim < 0 ? dim + n : dim;
}

void index_bounds(const char* op, const Tensor& index, int64_t& lo, int64_t& hi) {
  if (index.device().is_cpu()) {  // one pass, no temporaries: this runs for every batch a loader cuts
    const int64_t* p = static_cast<const int64_t*>(index.data_ptr());
    lo = hi = p[0];
    for (int64_t i = 1, n = index.numel(); i < n; ++i) {
      lo = std::min(lo, p[i]);
      hi = std::max(hi, p[i]);
    }
    return;
  }
  auto& k = kernels_for(index, op);
  Tensor mn = make_tensor({}, kInt64, index.device()), mx = make_tensor({}, kInt64, index.device());
  k.reduce(kernels::Reduce::min, index, mn, 1, index.numel(), 1);
  k.reduce(kernels::Reduce::max, index, mx, 1, index.numel(), 1);
  lo = static_cast<int64_t>(mn.item());
  hi = static_cast<int64_t>(mx.item());
}

void check_index_range(const char* op, const Tensor& index, int64_t n) {
  check_dtype(op, index, kInt64, "index");
  if (index.numel() == 0) return;
  int64_t mn, mx;
  index_bounds(op, index, mn, mx);
  if (mn < 0 || mx >= n)
    fail(op, "index " + std::to_string(mn < 0 ? mn : mx) + " is out of range for a dimension of size " +
                 std::to_string(n));
}

std::string scalar_str(double s) {
  std::ostringstream os;
  os.precision(17);
  os << s;
  return os.str();
}

void check_int64_scalar(const char* op, const Tensor& t, double s) {
  check_defined(op, t);
  if (t.dtype() != kInt64 || std::trunc(s) == s) return;
  fail(op, "an int64 tensor with the fractional scalar " + scalar_str(s) +
               " would truncate (PyTorch promotes to float; xgrad does not promote): call "
               ".to(kFloat64) first");
}

RecorderBase::RecorderBase(const char* op, Tensor& out, const Tensor* const* inputs, size_t n)
    : op_(op), out_(out) {
  if (autograd::is_anomaly_enabled()) [[unlikely]] {
    anomaly_ = anomaly_record(op, inputs, n);
    check_forward_output(*anomaly_, out, 0);
  }
  if (!GradMode::is_enabled()) return;
  for (size_t i = 0; i < n; ++i) on_ = on_ || (inputs[i]->defined() && inputs[i]->requires_grad());
  if (!on_) return;
  if (n > std::size(inline_)) more_.reserve(n);
  for (size_t i = 0; i < n; ++i) add_input(*inputs[i]);
  out.impl()->requires_grad = true;  // before any save_output(), which records it
  out.impl()->output_nr = 0;
}

RecorderBase::RecorderBase(const char* op, Tensor& out, const std::vector<Tensor>& inputs)
    : op_(op), out_(out) {
  if (autograd::is_anomaly_enabled()) [[unlikely]] {
    anomaly_ = anomaly_record(op, inputs);
    check_forward_output(*anomaly_, out, 0);
  }
  if (!GradMode::is_enabled()) return;
  for (auto& t : inputs) on_ = on_ || (t.defined() && t.requires_grad());
  if (!on_) return;
  if (inputs.size() > std::size(inline_)) more_.reserve(inputs.size());
  for (auto& t : inputs) add_input(t);
  out.impl()->requires_grad = true;
  out.impl()->output_nr = 0;
}

void RecorderBase::add_input(const Tensor& t) {
  Edge e = t.defined() ? gradient_edge(t) : Edge{};
  if (n_ < std::size(inline_) && more_.capacity() == 0) {
    inline_[n_++] = std::move(e);
    return;
  }
  more_.push_back(std::move(e));
  ++n_;
}

void RecorderBase::attach(std::shared_ptr<Node> node) {
  if (anomaly_) [[unlikely]]
    keep_anomaly_record(node.get(), std::move(anomaly_));
  out_.impl()->grad_fn = std::move(node);
}

Tensor unary_kernel(const char* op, kernels::Unary k, const Tensor& x, double a, double b) {
  check_defined(op, x);
  if (!kernels::on_int64(k)) check_floating(op, x);
  Tensor out = make_tensor(x.shape(), x.dtype(), x.device());
  kernels_for(x, op).unary(k, x, out, a, b);
  return out;
}

Tensor binary_kernel(const char* op, kernels::Binary k, const Tensor& a, const Tensor& b, double alpha) {
  check_defined(op, a);
  check_defined(op, b);
  check_same_dtype(op, a, b);
  check_same_device(op, a, b);
  if (!kernels::on_int64(k)) check_floating(op, a);
  Tensor out = make_tensor(broadcast_shapes(op, a.shape(), b.shape()), a.dtype(), a.device());
  kernels_for(a, op).binary(k, a, b, out, alpha);
  return out;
}

}  // namespace xgrad
