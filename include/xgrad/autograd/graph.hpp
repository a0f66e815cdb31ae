/// \file
/// The recorded graph: nodes (one per op application), edges to the nodes of their inputs,
/// tensors saved for backward, grad mode, and the entry points of the backward engine.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

class Node;

/// Where a gradient goes: input `input_nr` of node `fn` (null: the tensor needs no gradient).
struct Edge {
  std::shared_ptr<Node> fn;  ///< The node that receives the gradient (null: none needed).
  uint32_t input_nr = 0;  ///< Which of that node's outputs the gradient belongs to.
  /// True when the edge leads to a node.
  bool valid() const { return fn != nullptr; }
};

/// A hook on a gradient: returns a replacement, or an undefined tensor to keep it.
using GradHook = std::function<Tensor(const Tensor&)>;

/// A tensor kept for backward. For an op's own output only the data is kept (not the link back
/// to the node, which would be a reference cycle); unpacking checks the version counter so an
/// in-place change since saving raises an error instead of giving a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  /// Saves `t` (is_output: `t` is the saving op's own output, kept without its graph link).
  SavedTensor(const Tensor& t, bool is_output);
  /// The saved tensor, re-linked to `owner` when it was an output; throws xgrad::Error naming `op`
  /// when the tensor was changed in place since it was saved or was already freed.
  Tensor unpack(const std::shared_ptr<Node>& owner, const char* op) const;
  /// Frees the saved tensor (after backward, unless the graph is retained).
  void reset();
  /// True while a tensor is saved.
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;  ///< for outputs: a graph-free alias of the output
  uint32_t version_ = 0;
  uint32_t output_nr_ : 30 = 0;  ///< 24 bytes in all: a node keeps one per saved tensor
  uint32_t is_output_ : 1 = 0;
  uint32_t requires_grad_ : 1 = 0;
};

/// A node of the graph: turns the gradients of its outputs into gradients of its inputs. Kept
/// small (32 bytes before what a subclass holds): a graph a million ops deep holds a million of
/// them. Its edges live where the subclass puts them (built-in ops: inside the node, sized to the
/// op); pre-hooks, rare, live in a side table.
class Node {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// The op's name, used in error messages ("MulBackward").
  virtual const char* name() const = 0;
  /// grads[i] is the gradient of output i (undefined where none arrived). Returns one gradient
  /// per next edge (undefined where the input needs none).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
  /// Frees the tensors saved for backward (called after a backward that does not retain the graph).
  virtual void release_saved() {}
  /// Number of outputs of the op (gradients apply() receives).
  virtual uint32_t num_outputs() const { return 1; }

  /// One edge per input of the op: where its gradient goes.
  std::span<Edge> next_edges() { return {edges_, num_edges_}; }
  /// One edge per input of the op: where its gradient goes.
  std::span<const Edge> next_edges() const { return {edges_, num_edges_}; }
  /// Number of inputs (edges).
  size_t num_inputs() const { return num_edges_; }
  /// True when input `i` needs a gradient.
  bool needs_input_grad(size_t i) const { return i < num_edges_ && edges_[i].valid(); }
  /// Runs `hook` on the gradient of output `output_nr` before apply() sees it.
  void add_pre_hook(uint32_t output_nr, GradHook hook);

  static int64_t live_count();  ///< nodes alive now, in this process (tests use it to find leaks)
  /// The node the backward engine is running on this thread, as its owning reference (null
  /// outside a backward): a formula re-links a saved output to it.
  static const std::shared_ptr<Node>* running();

 protected:
  /// The edges, moved into `storage` (n of them; the subclass owns that memory and calls
  /// release_edges() in its destructor) or, with storage null, into an array of their own.
  void set_edges(Edge* storage, Edge* edges, size_t n);
  /// Drops the references to the inputs' nodes without recursion; the node has no edges after.
  void release_edges();

 private:
  friend class Engine;
  Edge* edges_ = nullptr;
  uint32_t num_edges_ = 0;
  /// Engine bookkeeping for the backward pass in progress.
  uint32_t dependencies_ = 0;
  uint32_t visit_ = 0;
  bool edges_on_heap_ = false;
  bool has_pre_hooks_ = false;

 protected:
  /// For subclasses: whether the saved state is gone (FnNode), and whether the op saved any.
  /// Declared last, so that they share the word above.
  bool saved_released_ = false;
  /// True when the op saved tensors for backward.
  bool saves_ = false;
};

/// Releases a node reference without recursion: destroying a graph a million nodes deep
/// does not exhaust the stack.
void release_node(std::shared_ptr<Node>&& node);

/// The node that accumulates into a leaf's .grad().
class AccumulateGrad final : public Node {
 public:
  /// The accumulator of `leaf`.
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  /// "AccumulateGrad".
  const char* name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  /// The leaf tensor it accumulates into.
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

/// Where the gradient of `t` goes: its grad_fn, its leaf accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);

namespace autograd {

/// Gradients of the outputs w.r.t. the inputs, returned (not accumulated into .grad()).
/// grad_outputs may be empty for scalar outputs. allow_unused=false raises an error for an input
/// the outputs do not depend on; with true its gradient is undefined.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

/// Backpropagates from several outputs at once, accumulating into the leaves' .grad(), as
/// torch.autograd.backward; grad_outputs may be empty for scalar outputs.
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace autograd
}  // namespace xgrad
