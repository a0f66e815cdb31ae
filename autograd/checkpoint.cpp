// The node behind checkpoint(): holds the function and its inputs instead of a graph, and
// builds that graph again when the gradient arrives.
#include "xgrad/autograd/checkpoint.hpp"

#include "autograd/op.hpp"

namespace xgrad {

namespace {

class CheckpointNode final : public Node {
 public:
  CheckpointNode(CheckpointFunction fn, const std::vector<Tensor>& inputs, RngState rng,
                 bool preserve_rng)
      : fn_(std::move(fn)), rng_(rng), preserve_rng_(preserve_rng) {
    for (auto& t : inputs) inputs_.emplace_back(t, false);
  }
  const char* name() const override { return "checkpoint"; }

  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    std::vector<Tensor> result(num_inputs());
    if (grads.empty() || !grads[0].defined()) return result;
    if (!fn_) saved_tensors_freed("checkpoint");
    // Fresh leaves on the saved data: the recomputed graph ends at them.
    std::vector<Tensor> leaves;
    const std::shared_ptr<Node>* running = Node::running();
    const std::shared_ptr<Node> self = running && running->get() == this ? *running : nullptr;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      Tensor t = inputs_[i].defined() ? inputs_[i].unpack(self, "checkpoint").detach() : Tensor();
      if (t.defined() && needs_input_grad(i)) t.requires_grad_(true);
      leaves.push_back(t);
    }
    Tensor out;
    {
      RngState now = get_rng_state();
      struct RestoreRng {
        RngState state;
        bool on;
        ~RestoreRng() {
          if (on) set_rng_state(state);
        }
      } restore{now, preserve_rng_};
      if (preserve_rng_) set_rng_state(rng_);
      EnableGradGuard grad_on;
      out = fn_(leaves);
    }
    check_defined("checkpoint", out);
    const Tensor& g = grads[0];
    if (!(out.shape() == g.shape()))
      fail("checkpoint", "the function gave an output of shape " + out.shape().str() +
                             " when recomputed, " + g.shape().str() +
                             " the first time; it must compute the same function each time");
    if (out.requires_grad()) {
      EnableGradGuard grad_on;
      autograd::backward({out}, {g});
    }
    for (size_t i = 0; i < leaves.size(); ++i)
      if (needs_input_grad(i) && leaves[i].defined()) result[i] = leaves[i].grad();
    return result;
  }

  // One edge per input (an undefined input's is empty).
  void connect(const std::vector<Tensor>& inputs) {
    std::vector<Edge> edges;
    for (auto& t : inputs) edges.push_back(t.defined() ? gradient_edge(t) : Edge{});
    set_edges(nullptr, edges.data(), edges.size());
  }

  void release_saved() override {
    fn_ = nullptr;
    for (auto& s : inputs_) s.reset();
  }

 private:
  CheckpointFunction fn_;
  std::vector<SavedTensor> inputs_;
  RngState rng_;
  bool preserve_rng_;
};

}  // namespace

Tensor checkpoint(const CheckpointFunction& fn, const std::vector<Tensor>& inputs,
                  bool preserve_rng_state) {
  if (!fn) fail("checkpoint", "the function is empty");
  RngState rng = get_rng_state();
  Tensor out;
  {
    NoGradGuard no_grad;
    out = fn(inputs);
  }
  check_defined("checkpoint", out);
  if (!GradMode::is_enabled() || !is_floating(out.dtype())) return out;  // no gradient to carry
  auto node = std::make_shared<CheckpointNode>(fn, inputs, rng, preserve_rng_state);
  node->connect(inputs);
  for (auto& t : inputs)  // an input returned as is: give the output its own handle
    if (out.same(t)) out = out.detach();
  if (out.impl()->grad_fn || out.impl()->requires_grad) out = out.detach();
  out.impl()->grad_fn = std::move(node);
  out.impl()->output_nr = 0;
  out.impl()->requires_grad = true;
  return out;
}

}  // namespace xgrad
