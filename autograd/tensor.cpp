// Tensor handles: metadata, values, conversions, autograd state and in-place ops.
#include <cmath>
#include <cstring>

#include "autograd/op.hpp"

namespace xgrad {

// ---- storage and impl

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  auto s = pool::make_shared<Storage>();
  s->device = device;
  s->nbytes = nbytes;
  s->data = kernels::for_device(device, "allocate").allocate(nbytes);
  return s;
}

Storage::~Storage() {
  if (data) kernels::for_device(device, "deallocate").deallocate(data, nbytes);
}

TensorImpl::~TensorImpl() {
  if (grad_fn) release_node(std::move(grad_fn));
}

Tensor make_tensor(const Shape& shape, Dtype dtype, Device device) {
  for (int64_t d : shape)
    if (d < 0) throw Error("empty: negative dimension in shape " + shape.str());
  auto impl = pool::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->numel = shape.numel();
  impl->dtype = dtype;
  impl->storage = Storage::allocate(static_cast<size_t>(impl->numel) * element_size(dtype), device);
  return Tensor(std::move(impl));
}

Tensor alias_with_shape(const Tensor& t, const Shape& shape) {
  auto impl = pool::make_shared<TensorImpl>();
  impl->storage = t.impl()->storage;
  impl->shape = shape;
  impl->numel = t.numel();
  impl->dtype = t.dtype();
  impl->is_view = true;
  return Tensor(std::move(impl));
}

// ---- metadata

const Shape& Tensor::shape() const { return impl_->shape; }
int64_t Tensor::dim() const { return impl_->shape.ndim(); }
int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim("size", d, dim())]; }
int64_t Tensor::numel() const { return impl_->numel; }
Dtype Tensor::dtype() const { return impl_->dtype; }
Device Tensor::device() const { return impl_->storage->device; }
void* Tensor::data_ptr() const { return impl_->storage->data; }
uint32_t Tensor::version() const { return impl_->storage->version; }

template <class T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>) return Dtype::f32;
  if constexpr (std::is_same_v<T, double>) return Dtype::f64;
  return Dtype::i64;
}

template <class T>
T* Tensor::data() const {
  check_defined("data", *this);
  if (dtype() != dtype_of<T>())
    fail("data", std::string("requested ") + dtype_name(dtype_of<T>()) + " from a " + dtype_name(dtype()) +
                     " tensor");
  if (!device().is_cpu()) fail("data", "the tensor is on " + device().str() + "; call .cpu() first");
  return static_cast<T*>(data_ptr());
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template int64_t* Tensor::data<int64_t>() const;

// ---- values

namespace {
// The tensor's bytes on the host (a copy from a device; the storage itself on the CPU).
std::vector<char> host_bytes(const Tensor& t) {
  std::vector<char> bytes(t.numel() * element_size(t.dtype()));
  kernels_for(t, "to_vector").copy_to_host(bytes.data(), t.data_ptr(), bytes.size());
  return bytes;
}

template <class T, class S>
void convert(const void* src, int64_t n, std::vector<T>& out) {
  auto* s = static_cast<const S*>(src);
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(s[i]);
}
}  // namespace

template <class T>
std::vector<T> Tensor::to_vector() const {
  check_defined("to_vector", *this);
  std::vector<char> owned;
  const void* src = data_ptr();
  if (!device().is_cpu()) {
    owned = host_bytes(*this);
    src = owned.data();
  }
  std::vector<T> out(numel());
  switch (dtype()) {
    case Dtype::f32: convert<T, float>(src, numel(), out); break;
    case Dtype::f64: convert<T, double>(src, numel(), out); break;
    case Dtype::i64: convert<T, int64_t>(src, numel(), out); break;
  }
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<int> Tensor::to_vector<int>() const;

double Tensor::item() const {
  check_defined("item", *this);
  if (numel() != 1)
    fail("item", "the tensor has " + std::to_string(numel()) + " elements (shape " + shape().str() +
                     "); item() needs exactly one");
  return to_vector<double>()[0];
}

// ---- conversions

namespace {
void to_dtype_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = g.to(static_cast<Dtype>(n.index[0]));
}
void to_device_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = g.to(Device(static_cast<DeviceType>(n.index[0]), static_cast<int>(n.index[1])));
}
void identity_backward(OpNode&, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = g; }
}  // namespace

Tensor Tensor::to(Dtype d) const {
  check_defined("to", *this);
  if (d == dtype()) return *this;
  if (requires_grad() && GradMode::is_enabled() && !is_floating(d))
    fail("to", std::string("cannot convert a tensor that requires grad to ") + dtype_name(d) +
                   " (gradients exist only for floating dtypes); detach() it first");
  Tensor out = make_tensor(shape(), d, device());
  kernels_for(*this, "to").cast(*this, out);
  if (auto* n = record("to", to_dtype_backward, out, {this})) n->index[0] = static_cast<int64_t>(dtype());
  return out;
}

Tensor Tensor::to(Device d) const {
  check_defined("to", *this);
  if (d == device()) return *this;
  Tensor out = make_tensor(shape(), dtype(), d);
  size_t nbytes = numel() * element_size(dtype());
  if (device().is_cpu()) {
    kernels::for_device(d, "to").copy_from_host(out.data_ptr(), data_ptr(), nbytes);
  } else if (d.is_cpu()) {
    kernels_for(*this, "to").copy_to_host(out.data_ptr(), data_ptr(), nbytes);
  } else {  // between two devices: through the host
    std::vector<char> bytes = host_bytes(*this);
    kernels::for_device(d, "to").copy_from_host(out.data_ptr(), bytes.data(), nbytes);
  }
  if (auto* n = record("to", to_device_backward, out, {this})) {
    n->index[0] = static_cast<int64_t>(device().type);
    n->index[1] = device().index;
  }
  return out;
}

Tensor Tensor::clone() const {
  check_defined("clone", *this);
  Tensor out = make_tensor(shape(), dtype(), device());
  kernels_for(*this, "clone").copy(out.data_ptr(), data_ptr(), numel() * element_size(dtype()));
  record("clone", identity_backward, out, {this});
  return out;
}

Tensor Tensor::detach() const {
  check_defined("detach", *this);
  auto impl = pool::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  impl->numel = impl_->numel;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

// ---- autograd state

bool Tensor::requires_grad() const { return impl_->requires_grad; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return impl_->grad_fn; }
uint32_t Tensor::output_nr() const { return impl_->output_nr; }
bool Tensor::is_leaf() const { return impl_->grad_fn == nullptr; }
Tensor Tensor::grad() const { return impl_->grad; }
void Tensor::set_grad(const Tensor& g) const {
  check_defined("set_grad", *this);
  if (g.defined() && (g.dtype() != dtype() || !(g.device() == device()) || !(g.shape() == shape())))
    fail("set_grad", "the gradient " + g.shape().str() + " " + dtype_name(g.dtype()) + " on " + g.device().str() +
                         " does not match the tensor " + shape().str() + " " + dtype_name(dtype()) + " on " +
                         device().str());
  impl_->grad = g;
}

Tensor& Tensor::requires_grad_(bool on) {
  check_defined("requires_grad_", *this);
  if (!is_leaf())
    fail("requires_grad_", "only leaf tensors can change requires_grad; this one is the output of '" +
                               std::string(grad_fn()->name()) + "' (use detach() to make a new leaf)");
  if (on && !is_floating(dtype()))
    fail("requires_grad_", std::string("only floating tensors can require gradients, got ") + dtype_name(dtype()));
  impl_->requires_grad = on;
  return *this;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                     retain_graph, create_graph);
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  check_defined("register_hook", *this);
  if (!requires_grad()) fail("register_hook", "the tensor does not require grad, so no gradient will reach a hook");
  if (is_leaf())
    impl_->hooks.push_back(std::move(hook));
  else
    grad_fn()->add_pre_hook(output_nr(), std::move(hook));
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  check_defined("register_post_accumulate_grad_hook", *this);
  if (!is_leaf())
    fail("register_post_accumulate_grad_hook",
         "only leaf tensors accumulate into .grad(); this one is the output of '" + std::string(grad_fn()->name()) +
             "' (use register_hook)");
  if (!requires_grad())
    fail("register_post_accumulate_grad_hook", "the tensor does not require grad, so no gradient will accumulate");
  impl_->post_accumulate_hooks.push_back(std::move(hook));
}

void Tensor::retain_grad() const {
  check_defined("retain_grad", *this);
  if (!requires_grad()) fail("retain_grad", "the tensor does not require grad");
  if (is_leaf() || impl_->retains_grad) return;
  impl_->retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_;
  grad_fn()->add_pre_hook(output_nr(), [weak](const Tensor& g) {
    if (auto impl = weak.lock()) {
      Tensor d = g.detach();
      impl->grad = impl->grad.defined() ? add(impl->grad, d) : d.clone();
    }
    return Tensor();
  });
}

// ---- in-place ops

namespace {
bool needs_recording(const Tensor& self, const Tensor* other) {
  return GradMode::is_enabled() && (self.requires_grad() || (other && other->defined() && other->requires_grad()));
}

void check_inplace(const char* op, const Tensor& self, bool recording) {
  check_defined(op, self);
  if (!recording) return;
  if (self.is_leaf() && self.requires_grad())
    fail(op, "a leaf tensor that requires grad is used in an in-place operation (update it under "
             "NoGradGuard, or clone() it first)");
  if (self.impl()->is_view)
    fail(op, "in-place operation on a view (a reshape/flatten/squeeze result) of a tensor in the graph is "
             "not supported; clone() the view first");
}

void check_inplace_operand(const char* op, const Tensor& self, const Tensor& o) {
  check_defined(op, o);
  check_same_dtype(op, self, o);
  check_same_device(op, self, o);
  Shape s = broadcast_shapes(op, self.shape(), o.shape());
  if (!(s == self.shape()))
    fail(op, "the result shape " + s.str() + " differs from the tensor's shape " + self.shape().str() +
                 " (an in-place op cannot grow the tensor)");
}

// Writes `value` into self's storage and gives self value's place in the graph.
void commit(Tensor& self, const Tensor& value) {
  kernels_for(self, "copy_").copy(self.data_ptr(), value.data_ptr(), self.numel() * element_size(self.dtype()));
  TensorImpl* impl = self.impl();
  impl->storage->version++;
  impl->grad_fn = value.grad_fn();
  impl->output_nr = value.output_nr();
  impl->requires_grad = value.requires_grad();
}

void bump(Tensor& self) { self.impl()->storage->version++; }
}  // namespace

Tensor& Tensor::add_(const Tensor& o, double alpha) {
  bool rec = needs_recording(*this, &o);
  check_inplace("add_", *this, rec);
  check_inplace_operand("add_", *this, o);
  if (rec) {
    commit(*this, add(clone(), alpha == 1.0 ? o : mul(o, alpha)));
  } else {
    kernels_for(*this, "add_").binary(kernels::Binary::add_scaled, *this, o, *this, alpha);
    bump(*this);
  }
  return *this;
}

Tensor& Tensor::add_(double s) {
  bool rec = needs_recording(*this, nullptr);
  check_inplace("add_", *this, rec);
  if (rec) {
    commit(*this, add(clone(), s));
  } else {
    kernels_for(*this, "add_").unary(kernels::Unary::add_scalar, *this, *this, s, 0);
    bump(*this);
  }
  return *this;
}

Tensor& Tensor::mul_(const Tensor& o) {
  bool rec = needs_recording(*this, &o);
  check_inplace("mul_", *this, rec);
  check_inplace_operand("mul_", *this, o);
  if (rec) {
    commit(*this, mul(clone(), o));
  } else {
    kernels_for(*this, "mul_").binary(kernels::Binary::mul, *this, o, *this, 0);
    bump(*this);
  }
  return *this;
}

Tensor& Tensor::mul_(double s) {
  bool rec = needs_recording(*this, nullptr);
  check_inplace("mul_", *this, rec);
  if (rec) {
    commit(*this, mul(clone(), s));
  } else {
    kernels_for(*this, "mul_").unary(kernels::Unary::mul_scalar, *this, *this, s, 0);
    bump(*this);
  }
  return *this;
}

Tensor& Tensor::div_(const Tensor& o) {
  bool rec = needs_recording(*this, &o);
  check_inplace("div_", *this, rec);
  check_inplace_operand("div_", *this, o);
  if (rec) {
    commit(*this, div(clone(), o));
  } else {
    kernels_for(*this, "div_").binary(kernels::Binary::div, *this, o, *this, 0);
    bump(*this);
  }
  return *this;
}

Tensor& Tensor::fill_(double v) {
  bool rec = needs_recording(*this, nullptr);
  check_inplace("fill_", *this, rec);
  kernels_for(*this, "fill_").fill(*this, v);
  bump(*this);
  if (rec) {  // the value no longer depends on the graph
    impl_->grad_fn = nullptr;
    impl_->requires_grad = false;
  }
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined("copy_", src);
  bool rec = needs_recording(*this, &src);
  check_inplace("copy_", *this, rec);
  Tensor v = src.to(dtype()).to(device());
  Shape s = broadcast_shapes("copy_", shape(), v.shape());
  if (!(s == shape()))
    fail("copy_", "the source shape " + src.shape().str() + " does not broadcast to the tensor's shape " +
                      shape().str());
  if (rec) {
    commit(*this, v.shape() == shape() ? v.clone() : xgrad::expand(v, shape()));
  } else {
    kernels_for(*this, "copy_").expand(v, *this);
    bump(*this);
  }
  return *this;
}

// ---- factories

namespace {
Tensor finish(Tensor t, const Options& o) {
  if (o.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& s, Options o) { return finish(make_tensor(s, o.dtype, o.device), o); }

Tensor full(const Shape& s, double value, Options o) {
  Tensor t = make_tensor(s, o.dtype, o.device);
  kernels_for(t, "full").fill(t, value);
  return finish(t, o);
}
Tensor zeros(const Shape& s, Options o) { return full(s, 0.0, o); }
Tensor ones(const Shape& s, Options o) { return full(s, 1.0, o); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), TensorOptions{t.dtype(), t.device()}); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), TensorOptions{t.dtype(), t.device()}); }
Tensor full_like(const Tensor& t, double v) { return full(t.shape(), v, TensorOptions{t.dtype(), t.device()}); }
Tensor scalar_tensor(double v, Options o) { return full({}, v, o); }

Tensor arange(double end, Options o) { return arange(0.0, end, 1.0, o); }

Tensor arange(double start, double end, double step, Options o) {
  if (step == 0) fail("arange", "step must be nonzero");
  double span = (end - start) / step;
  if (span < 0) fail("arange", "step " + std::to_string(step) + " moves away from end");
  Tensor t = make_tensor(Shape{static_cast<int64_t>(std::ceil(span))}, o.dtype, o.device);
  kernels_for(t, "arange").arange(t, start, step);
  return finish(t, o);
}

Tensor linspace(double start, double end, int64_t steps, Options o) {
  if (steps < 0) fail("linspace", "steps must be non-negative, got " + std::to_string(steps));
  Tensor t = make_tensor({steps}, o.dtype, o.device);
  kernels_for(t, "linspace").arange(t, start, steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0);
  return finish(t, o);
}

Tensor tensor(const std::vector<double>& values, const Shape& s, Options o) {
  if (static_cast<int64_t>(values.size()) != s.numel())
    fail("tensor", std::to_string(values.size()) + " values do not fill shape " + s.str() + " (" +
                       std::to_string(s.numel()) + " elements)");
  Tensor host = make_tensor(s, o.dtype, kCPU);
  for (size_t i = 0; i < values.size(); ++i) {
    switch (o.dtype) {
      case Dtype::f32: static_cast<float*>(host.data_ptr())[i] = static_cast<float>(values[i]); break;
      case Dtype::f64: static_cast<double*>(host.data_ptr())[i] = values[i]; break;
      case Dtype::i64: static_cast<int64_t*>(host.data_ptr())[i] = static_cast<int64_t>(values[i]); break;
    }
  }
  return finish(host.to(o.device), o);
}

Tensor tensor(const std::vector<double>& values, Options o) {
  return tensor(values, Shape{static_cast<int64_t>(values.size())}, o);
}
Tensor tensor(std::initializer_list<double> values, Options o) { return tensor(std::vector<double>(values), o); }

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, Options o) {
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
Tensor from_host(const std::vector<T>& v, const Shape& s, Options o, Dtype native) {
  if (static_cast<int64_t>(v.size()) != s.numel())
    fail("from_vector", std::to_string(v.size()) + " values do not fill shape " + s.str());
  Tensor host = make_tensor(s, native, kCPU);
  std::memcpy(host.data_ptr(), v.data(), v.size() * sizeof(T));
  return finish(host.to(o.dtype).to(o.device), o);
}
}  // namespace

Tensor from_vector(const std::vector<float>& v, const Shape& s, Options o) { return from_host(v, s, o, Dtype::f32); }
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, Options o) {
  return from_host(v, s, o, Dtype::i64);
}

Tensor eye(int64_t n, Options o) {
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
