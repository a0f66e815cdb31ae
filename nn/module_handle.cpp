// nn::ModuleHandle: the Module API every module handle forwards, defined once here rather than
// once per module type in every user's compile (nn/module.hpp).
#include <iostream>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

Module* ModuleHandle::checked() const {
  if (!module_) throw Error("nn: use of an empty module handle (constructed from nullptr)");
  return module_.get();
}

RemovableHandle ModuleHandle::register_forward_pre_hook(ForwardPreHook hook, bool prepend) const {
  return checked()->register_forward_pre_hook(std::move(hook), prepend);
}
RemovableHandle ModuleHandle::register_forward_hook(ForwardHook hook, bool prepend) const {
  return checked()->register_forward_hook(std::move(hook), prepend);
}
RemovableHandle ModuleHandle::register_full_backward_hook(BackwardHook hook, bool prepend) const {
  return checked()->register_full_backward_hook(std::move(hook), prepend);
}
std::vector<Tensor> ModuleHandle::parameters(bool recurse) const {
  return checked()->parameters(recurse);
}
std::vector<NamedTensor> ModuleHandle::named_parameters(bool recurse) const {
  return checked()->named_parameters(recurse);
}
std::vector<Tensor> ModuleHandle::buffers(bool recurse) const { return checked()->buffers(recurse); }
std::vector<NamedTensor> ModuleHandle::named_buffers(bool recurse) const {
  return checked()->named_buffers(recurse);
}
std::vector<ModulePtr> ModuleHandle::children() const { return checked()->children(); }
const std::vector<NamedModule>& ModuleHandle::named_children() const {
  return checked()->named_children();
}
std::vector<NamedModule> ModuleHandle::named_modules() const { return checked()->named_modules(); }
void ModuleHandle::apply(const std::function<void(Module&)>& fn) const { checked()->apply(fn); }
void ModuleHandle::train(bool on) const { checked()->train(on); }
void ModuleHandle::eval() const { checked()->eval(); }
bool ModuleHandle::is_training() const { return checked()->is_training(); }
void ModuleHandle::zero_grad(bool set_to_none) const { checked()->zero_grad(set_to_none); }
void ModuleHandle::to(Device device) const { checked()->to(device); }
void ModuleHandle::to(DeviceType device) const { checked()->to(Device(device)); }
void ModuleHandle::to(Dtype dtype) const { checked()->to(dtype); }
StateDict ModuleHandle::state_dict() const { return checked()->state_dict(); }
LoadResult ModuleHandle::load_state_dict(const StateDict& state, bool strict) const {
  return checked()->load_state_dict(state, strict);
}
void ModuleHandle::summary(const Shape& input_shape, std::ostream& os) const {
  checked()->summary(input_shape, os);
}
void ModuleHandle::summary(const Shape& input_shape) const { checked()->summary(input_shape); }

}  // namespace xgrad::nn
