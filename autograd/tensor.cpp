// Tensor handles: storage, metadata, values and autograd state. Factories are in factories.cpp,
// in-place ops in ops_inplace.cpp, conversions and clone in ops_copy.cpp.
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
  if constexpr (std::is_same_v<T, float>) return kFloat32;
  if constexpr (std::is_same_v<T, double>) return kFloat64;
  return kInt64;
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

std::vector<char> host_bytes(const Tensor& t) {
  std::vector<char> bytes(t.numel() * element_size(t.dtype()));
  kernels_for(t, "to_vector").copy_to_host(bytes.data(), t.data_ptr(), bytes.size());
  return bytes;
}

namespace {

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
    case kFloat32: convert<T, float>(src, numel(), out); break;
    case kFloat64: convert<T, double>(src, numel(), out); break;
    case kInt64: convert<T, int64_t>(src, numel(), out); break;
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
    impl_->leaf().hooks.push_back(std::move(hook));
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
  impl_->leaf().post_accumulate_hooks.push_back(std::move(hook));
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

}  // namespace xgrad
