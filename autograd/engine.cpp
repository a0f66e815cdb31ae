// The backward engine: iterative (an explicit ready stack, never recursion), each node run once
// after every gradient for it has arrived, gradients of a tensor used many times summed.
#include <algorithm>
#include <unordered_map>

#include "autograd/op.hpp"

namespace xgrad {

namespace {
std::atomic<int64_t> g_live_nodes{0};
thread_local bool g_grad_enabled = true;
thread_local bool g_releasing = false;
thread_local std::vector<std::shared_ptr<Node>> g_release_stack;
std::atomic<uint64_t> g_visit_epoch{0};  // backward passes on different threads get distinct marks
struct Scratch {
  std::vector<Node*> stack, order, ready;
};
thread_local Scratch g_scratch;
thread_local int g_engine_depth = 0;
}  // namespace

bool GradMode::is_enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool on) { g_grad_enabled = on; }

Node::Node() { g_live_nodes.fetch_add(1, std::memory_order_relaxed); }

Node::~Node() {
  g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
  for (auto& e : next_edges_)
    if (e.fn) release_node(std::move(e.fn));
}

int64_t Node::live_count() { return g_live_nodes.load(std::memory_order_relaxed); }

void release_node(std::shared_ptr<Node>&& node) {
  // Destroying the last reference to a node destroys its inputs' nodes in turn; doing that by
  // recursion would overflow the stack on deep graphs, so references are drained from a stack.
  g_release_stack.push_back(std::move(node));
  if (g_releasing) return;
  g_releasing = true;
  while (!g_release_stack.empty()) {
    std::shared_ptr<Node> n = std::move(g_release_stack.back());
    g_release_stack.pop_back();
    n.reset();  // may push more
  }
  g_releasing = false;
}

// ---- saved tensors

SavedTensor::SavedTensor(const Tensor& t, bool is_output)
    : version_(t.version()), output_nr_(t.output_nr()), is_output_(is_output), requires_grad_(t.requires_grad()) {
  data_ = is_output ? t.detach() : t;
}

void saved_tensors_freed(const char* op) {
  throw Error(std::string(op) +
              ": its saved tensors were freed by an earlier backward; call backward(..., retain_graph=true) "
              "the first time to backward through the graph again");
}

Tensor SavedTensor::unpack(const std::shared_ptr<Node>& owner, const char* op) const {
  if (!data_.defined()) saved_tensors_freed(op);
  if (data_.version() != version_)
    throw Error(std::string(op) + ": a tensor it saved for backward was modified by an in-place operation "
                "(saved at version " + std::to_string(version_) + ", now version " +
                std::to_string(data_.version()) + "); clone() it before the in-place change");
  if (!is_output_) return data_;
  // Re-link the output to its node only now, so the saved copy holds no cycle.
  Tensor t = data_.detach();
  if (requires_grad_ && owner) {
    t.impl()->requires_grad = true;
    t.impl()->grad_fn = owner;
    t.impl()->output_nr = output_nr_;
  }
  return t;
}

void SavedTensor::reset() { data_ = Tensor(); }

// ---- leaves

Edge gradient_edge(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return {};
  auto acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = pool::make_shared<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return {acc, 0};
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);
  for (auto& hook : leaf_->hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  if (!g.defined()) return {};
  Tensor& acc = leaf_->grad;
  if (!acc.defined()) {
    if (GradMode::is_enabled()) {  // create_graph: the gradient keeps its own graph
      acc = g;
    } else {
      // Steal the buffer when nothing else holds it; otherwise copy, so that accumulating into
      // .grad() later never writes into a tensor shared with another leaf.
      bool sole_owner = g.impl()->storage.use_count() == 1 && !g.impl()->is_view;
      acc = sole_owner ? g.detach() : g.detach().clone();
    }
  } else if (GradMode::is_enabled()) {
    acc = add(acc, g);
  } else {
    acc.add_(g);
  }
  return {};
}

// ---- the engine

class Engine {
 public:
  // Runs backward from `roots` seeded with `grads`. When `captures` is given, gradients reaching
  // those edges are returned instead of accumulated into leaves.
  static std::vector<Tensor> run(const std::vector<Edge>& roots, std::vector<Tensor> grads, bool keep_graph,
                                 bool create_graph, const std::vector<Edge>* captures) {
    std::vector<Tensor> captured(captures ? captures->size() : 0);
    // The outermost backward on a thread reuses this thread's work lists (no allocation once
    // warm); a backward started from inside a backward function gets its own.
    Scratch local;
    Scratch& scratch = g_engine_depth == 0 ? g_scratch : local;
    struct Depth {
      Depth() { ++g_engine_depth; }
      ~Depth() { --g_engine_depth; }
    } depth;
    std::vector<Node*>& stack = scratch.stack;
    std::vector<Node*>& order = scratch.order;
    std::vector<Node*>& ready = scratch.ready;
    stack.clear();
    order.clear();
    ready.clear();
    // Count the dependencies of every node reachable from the roots.
    uint64_t epoch = ++g_visit_epoch;
    for (auto& r : roots)
      if (r.fn && r.fn->visit_ != epoch) {
        r.fn->visit_ = epoch;
        r.fn->dependencies_ = 0;
        stack.push_back(r.fn.get());
      }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      order.push_back(n);
      for (auto& e : n->next_edges_) {
        if (!e.fn) continue;
        Node* m = e.fn.get();
        if (m->visit_ != epoch) {
          m->visit_ = epoch;
          m->dependencies_ = 0;
          stack.push_back(m);
        }
        m->dependencies_++;
      }
    }
    // Capture targets: the node and slot whose gradient is wanted.
    std::unordered_multimap<Node*, size_t> capture_at;
    if (captures)
      for (size_t i = 0; i < captures->size(); ++i)
        if ((*captures)[i].fn) capture_at.emplace((*captures)[i].fn.get(), i);

    for (Node* n : order) n->input_buffer_.assign(n->num_outputs(), Tensor());
    for (size_t i = 0; i < roots.size(); ++i)
      if (roots[i].fn) accumulate(roots[i].fn->input_buffer_[roots[i].input_nr], grads[i]);

    for (auto& r : roots)
      if (r.fn && r.fn->dependencies_ == 0 && std::find(ready.begin(), ready.end(), r.fn.get()) == ready.end())
        ready.push_back(r.fn.get());

    struct BufferCleanup {  // leave no gradients behind if a backward formula throws
      std::vector<Node*>& nodes;
      ~BufferCleanup() {
        for (Node* n : nodes) n->input_buffer_.clear();
      }
    } cleanup{order};

    struct Restore {
      bool prev;
      ~Restore() { GradMode::set_enabled(prev); }
    } restore{GradMode::is_enabled()};
    GradMode::set_enabled(create_graph);

    while (!ready.empty()) {
      Node* n = ready.back();
      ready.pop_back();
      std::vector<Tensor> in = std::move(n->input_buffer_);
      n->input_buffer_.clear();
      for (auto& h : n->pre_hooks_) {
        if (h.output_nr >= in.size() || !in[h.output_nr].defined()) continue;
        Tensor r = h.fn(in[h.output_nr]);
        if (r.defined()) in[h.output_nr] = r;
      }
      bool is_capture_only = false;
      if (captures) {
        auto range = capture_at.equal_range(n);
        for (auto it = range.first; it != range.second; ++it) {
          uint32_t slot = (*captures)[it->second].input_nr;
          if (slot < in.size() && in[slot].defined()) captured[it->second] = in[slot];
        }
        // In grad(), leaves are never written to.
        is_capture_only = dynamic_cast<AccumulateGrad*>(n) != nullptr;
      }
      if (is_capture_only) continue;
      std::vector<Tensor> out = n->apply(std::move(in));
      if (!keep_graph) n->release_saved();
      auto& edges = n->next_edges_;
      for (size_t i = 0; i < edges.size(); ++i) {
        Node* m = edges[i].fn.get();
        if (!m) continue;
        if (i < out.size() && out[i].defined()) accumulate(m->input_buffer_[edges[i].input_nr], out[i]);
        if (--m->dependencies_ == 0) ready.push_back(m);
      }
    }
    return captured;
  }

 private:
  static void accumulate(Tensor& slot, const Tensor& g) {
    if (!g.defined()) return;
    slot = slot.defined() ? add(slot, g) : g;
  }
};

namespace autograd {

namespace {
std::vector<Tensor> seed_grads(const char* op, const std::vector<Tensor>& outputs,
                               const std::vector<Tensor>& grad_outputs) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size())
    throw Error(std::string(op) + ": " + std::to_string(grad_outputs.size()) + " gradients given for " +
                std::to_string(outputs.size()) + " outputs");
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    check_defined(op, out);
    if (!out.requires_grad())
      throw Error(std::string(op) + ": output " + std::to_string(i) +
                  " does not require grad and has no grad_fn (did a NoGradGuard or detach() cut the graph?)");
    if (i < grad_outputs.size() && grad_outputs[i].defined()) {
      const Tensor& g = grad_outputs[i];
      if (!(g.shape() == out.shape()))
        throw Error(std::string(op) + ": gradient shape " + g.shape().str() + " does not match output shape " +
                    out.shape().str());
      check_same_dtype(op, g, out);
      check_same_device(op, g, out);
      grads.push_back(g);
    } else {
      if (out.numel() != 1)
        throw Error(std::string(op) + ": the output has shape " + out.shape().str() +
                    "; a gradient can be created implicitly only for one-element outputs (pass gradient=)");
      grads.push_back(ones_like(out));
    }
  }
  return grads;
}
}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  auto grads = seed_grads("backward", outputs, grad_outputs);
  std::vector<Edge> roots;
  for (auto& o : outputs) roots.push_back(gradient_edge(o));
  Engine::run(roots, std::move(grads), retain_graph || create_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  auto grads = seed_grads("grad", outputs, grad_outputs);
  std::vector<Edge> roots, targets;
  for (auto& o : outputs) roots.push_back(gradient_edge(o));
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_defined("grad", inputs[i]);
    if (!inputs[i].requires_grad())
      throw Error("grad: input " + std::to_string(i) + " does not require grad");
    targets.push_back(gradient_edge(inputs[i]));
  }
  auto result = Engine::run(roots, std::move(grads), retain_graph || create_graph, create_graph, &targets);
  for (size_t i = 0; i < result.size(); ++i) {
    if (!result[i].defined() && !allow_unused)
      throw Error("grad: input " + std::to_string(i) +
                  " was not used to compute the outputs (pass allow_unused=true to get an undefined gradient)");
    if (result[i].defined() && !create_graph) result[i] = result[i].detach();
  }
  return result;
}

}  // namespace autograd
}  // namespace xgrad
