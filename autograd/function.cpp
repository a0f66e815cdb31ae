// The node behind user-defined ops (autograd::Function<T>).
#include "xgrad/autograd/function.hpp"

#include "autograd/op.hpp"

namespace xgrad::autograd {

std::vector<Tensor> Context::saved_tensors() const {
  std::vector<Tensor> out;
  out.reserve(saved_.empty() ? to_save_.size() : saved_.size());
  if (saved_.empty()) return to_save_;  // forward itself asking, before connect()
  for (auto& s : saved_) out.push_back(s.unpack(owner_, op_.c_str()));
  return out;
}

void CustomNode::connect(const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs) {
  ctx.op_ = name_;
  if (is_anomaly_enabled())
      [[unlikely]] {  // apply takes no location: the nearest located call stands in
    auto record = anomaly_record(name_.c_str(), inputs);
    for (size_t i = 0; i < outputs.size(); ++i)
      if (outputs[i].defined()) check_forward_output(*record, outputs[i], i);
    keep_anomaly_record(this, std::move(record));
  }
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (auto& t : inputs) {
    edges.push_back(t.defined() ? gradient_edge(t) : Edge{});
    ctx.needs_.push_back(t.defined() && t.requires_grad());
    input_shapes_.push_back(t.defined() ? t.shape() : Shape{});
  }
  set_edges(nullptr, edges.data(), edges.size());
  auto self = shared_from_this();
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor& out = outputs[i];
    if (!out.defined()) fail(name_.c_str(), "forward returned an undefined tensor as output " + std::to_string(i));
    for (auto& in : inputs)  // an input returned as is: give the output its own handle
      if (out.same(in)) out = out.detach();
    outputs_.push_back({out.shape(), out.dtype(), out.device()});
    if (!is_floating(out.dtype())) continue;
    TensorImpl* impl = out.impl();
    impl->grad_fn = self;
    impl->output_nr = static_cast<uint32_t>(i);
    impl->requires_grad = true;
  }
  for (auto& t : ctx.to_save_) {
    bool is_output = false;
    for (auto& o : outputs) is_output = is_output || t.same(o);
    ctx.saved_.emplace_back(t, is_output);
  }
  ctx.to_save_.clear();
}

std::vector<Tensor> CustomNode::apply(std::vector<Tensor>&& grads) {
  for (size_t i = 0; i < grads.size() && i < outputs_.size(); ++i)
    if (!grads[i].defined()) grads[i] = zeros(outputs_[i].shape, TensorOptions{outputs_[i].dtype, outputs_[i].device});
  ctx.owner_ = shared_from_this();
  struct Clear {
    Context& c;
    ~Clear() { c.owner_.reset(); }  // the context must not keep its own node alive
  } clear{ctx};
  std::vector<Tensor> result = backward_(ctx, grads);
  const char* op = name_.c_str();
  if (result.size() != num_inputs())
    fail(op, "backward returned " + std::to_string(result.size()) + " gradients, expected " +
                 std::to_string(num_inputs()) + " (one per Tensor argument of forward)");
  for (size_t i = 0; i < result.size(); ++i) {
    if (!needs_input_grad(i)) {
      result[i] = Tensor();
      continue;
    }
    if (result[i].defined() && !(result[i].shape() == input_shapes_[i]))
      fail(op, "backward returned a gradient of shape " + result[i].shape().str() + " for input " + std::to_string(i) +
                   " of shape " + input_shapes_[i].str());
  }
  return result;
}

void CustomNode::release_saved() {
  for (auto& s : ctx.saved_) s.reset();
}

}  // namespace xgrad::autograd
