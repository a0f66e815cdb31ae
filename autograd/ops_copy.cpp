// Conversions between dtypes and devices, and clone: copies whose gradient is the incoming one,
// converted back.
#include "autograd/op.hpp"

namespace xgrad {

Tensor Tensor::to(Dtype d, Where loc) const {
  CallSite site(loc);
  check_defined("to", *this);
  if (d == dtype()) return *this;
  if (requires_grad() && GradMode::is_enabled() && !is_floating(d))
    fail("to", std::string("cannot convert a tensor that requires grad to ") + dtype_name(d) +
                   " (gradients exist only for floating dtypes); detach() it first");
  Tensor out = make_tensor(shape(), d, device());
  kernels_for(*this, "to").cast(*this, out);
  if (Recorder r{"to", out, {this}}) r.backward([from = dtype()](Grads& g) { g[0] = g.out.to(from); });
  return out;
}

Tensor Tensor::to(Device d, Where loc) const {
  CallSite site(loc);
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
  if (Recorder r{"to", out, {this}}) r.backward([from = device()](Grads& g) { g[0] = g.out.to(from); });
  return out;
}

Tensor Tensor::clone(Where loc) const {
  CallSite site(loc);
  check_defined("clone", *this);
  Tensor out = make_tensor(shape(), dtype(), device());
  kernels_for(*this, "clone").copy(out.data_ptr(), data_ptr(), numel() * element_size(dtype()));
  if (Recorder r{"clone", out, {this}}) r.backward([](Grads& g) { g[0] = g.out; });
  return out;
}

}  // namespace xgrad
