// The recorded graph: nodes (one per op application), edges to the nodes of their inputs,
// tensors saved for backward, grad mode, and the entry points of the backward engine.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

class Node;

// Where a gradient goes: input `input_nr` of node `fn` (null: the tensor needs no gradient).
struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// A node's edges, kept inside the node up to kInline of them (every built-in op has at most
// three inputs), so recording an op does not allocate a separate edge array.
class EdgeList {
 public:
  static constexpr uint32_t kInline = 4;
  EdgeList() = default;
  EdgeList(const EdgeList&) = delete;
  EdgeList& operator=(const EdgeList&) = delete;

  Edge* begin() { return on_heap_ ? heap_.data() : inline_; }
  Edge* end() { return begin() + size_; }
  const Edge* begin() const { return on_heap_ ? heap_.data() : inline_; }
  const Edge* end() const { return begin() + size_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Edge& operator[](size_t i) { return begin()[i]; }
  const Edge& operator[](size_t i) const { return begin()[i]; }

  void reserve(size_t n) {
    if (n > kInline) spill(n);
  }
  void push_back(Edge e) {
    if (!on_heap_ && size_ == kInline) spill(size_ + 1);
    if (on_heap_)
      heap_.push_back(std::move(e));
    else
      inline_[size_] = std::move(e);
    ++size_;
  }

 private:
  void spill(size_t capacity) {  // moves the inline edges to the heap, for good
    if (on_heap_) return heap_.reserve(capacity);
    heap_.reserve(capacity);
    for (uint32_t i = 0; i < size_; ++i) heap_.push_back(std::move(inline_[i]));
    on_heap_ = true;
  }
  Edge inline_[kInline];
  std::vector<Edge> heap_;
  uint32_t size_ = 0;
  bool on_heap_ = false;
};

using GradHook = std::function<Tensor(const Tensor&)>;

// A tensor kept for backward. For an op's own output only the data is kept (not the link back
// to the node, which would be a reference cycle); unpacking checks the version counter so an
// in-place change since saving raises an error instead of giving a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  Tensor unpack(const std::shared_ptr<Node>& owner, const char* op) const;
  void reset();
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;  // for outputs: a graph-free alias of the output
  uint32_t version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
};

// A node of the graph: turns the gradients of its outputs into gradients of its inputs.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual const char* name() const = 0;
  // grads[i] is the gradient of output i (undefined where none arrived). Returns one gradient
  // per next edge (undefined where the input needs none).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
  virtual void release_saved() {}
  virtual uint32_t num_outputs() const { return 1; }

  EdgeList& next_edges() { return next_edges_; }
  const EdgeList& next_edges() const { return next_edges_; }
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }
  void add_pre_hook(uint32_t output_nr, GradHook hook) { pre_hooks_.push_back({output_nr, std::move(hook)}); }

  static int64_t live_count();  // nodes alive now, in this process (tests use it to find leaks)

 protected:
  EdgeList next_edges_;

 private:
  friend class Engine;
  struct PreHook {
    uint32_t output_nr;
    GradHook fn;
  };
  std::vector<PreHook> pre_hooks_;
  // Engine bookkeeping for the backward pass in progress.
  std::vector<Tensor> input_buffer_;
  int64_t dependencies_ = 0;
  uint64_t visit_ = 0;
};

// Releases a node reference without recursion: destroying a graph a million nodes deep
// does not exhaust the stack.
void release_node(std::shared_ptr<Node>&& node);

// The node that accumulates into a leaf's .grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  const char* name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// Where the gradient of `t` goes: its grad_fn, its leaf accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);

namespace autograd {

// Gradients of the outputs w.r.t. the inputs, returned (not accumulated into .grad()).
// grad_outputs may be empty for scalar outputs. allow_unused=false raises an error for an input
// the outputs do not depend on; with true its gradient is undefined.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace autograd
}  // namespace xgrad
