// In-place ops (add_, mul_, div_, fill_, copy_): checks that the graph stays correct, then either
// an out-of-place op whose result takes self's place in the graph, or a kernel on self's storage.
#include "autograd/op.hpp"

namespace xgrad {

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

// The in-place pattern. Recording a graph: `recorded()` computes the new value out of place, and
// self takes its value and its place in the graph. Otherwise `kernel(k)` writes into self's storage
// with the device's kernels k. Either way the version counter moves, so a backward that saved self
// before the change refuses to run.
template <class Recorded, class Kernel>
Tensor& inplace(const char* op, Tensor& self, const Tensor* other, Recorded recorded, Kernel kernel) {
  bool rec = needs_recording(self, other);
  check_inplace(op, self, rec);
  if (other) check_inplace_operand(op, self, *other);
  if (rec) {
    commit(self, recorded());
  } else {
    kernel(kernels_for(self, op));
    bump(self);
  }
  return self;
}
}  // namespace

Tensor& Tensor::add_(const Tensor& o, double alpha, Where loc) {
  CallSite site(loc);
  return inplace(
      "add_", *this, &o, [&] { return add(clone(), alpha == 1.0 ? o : mul(o, alpha)); },
      [&](auto& k) { k.binary(kernels::Binary::add_scaled, *this, o, *this, alpha); });
}
Tensor& Tensor::add_(double s, Where loc) {
  CallSite site(loc);
  check_int64_scalar("add_", *this, s);
  return inplace(
      "add_", *this, nullptr, [&] { return add(clone(), s); },
      [&](auto& k) { k.unary(kernels::Unary::add_scalar, *this, *this, s, 0); });
}
Tensor& Tensor::mul_(const Tensor& o, Where loc) {
  CallSite site(loc);
  return inplace(
      "mul_", *this, &o, [&] { return mul(clone(), o); },
      [&](auto& k) { k.binary(kernels::Binary::mul, *this, o, *this, 0); });
}
Tensor& Tensor::mul_(double s, Where loc) {
  CallSite site(loc);
  check_int64_scalar("mul_", *this, s);
  return inplace(
      "mul_", *this, nullptr, [&] { return mul(clone(), s); },
      [&](auto& k) { k.unary(kernels::Unary::mul_scalar, *this, *this, s, 0); });
}
Tensor& Tensor::div_(const Tensor& o, Where loc) {
  CallSite site(loc);
  return inplace(
      "div_", *this, &o, [&] { return div(clone(), o); },
      [&](auto& k) { k.binary(kernels::Binary::div, *this, o, *this, 0); });
}

Tensor& Tensor::fill_(double v, Where loc) {
  CallSite site(loc);
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

Tensor& Tensor::copy_(const Tensor& src, Where loc) {
  CallSite site(loc);
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

}  // namespace xgrad
