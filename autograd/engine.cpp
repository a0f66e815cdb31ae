// The backward engine: iterative (an explicit ready stack, never recursion), each node run once
// after every gradient for it has arrived, gradients of a tensor used many times summed.
#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "autograd/op.hpp"

namespace xgrad {

namespace {
std::atomic<int64_t> g_live_nodes{0};
thread_local bool g_grad_enabled = true;
thread_local bool g_releasing = false;
thread_local std::vector<std::shared_ptr<Node>> g_release_stack;
thread_local const std::shared_ptr<Node>* g_running = nullptr;
std::atomic<uint32_t> g_visit_epoch{0};  // backward passes on different threads get distinct marks

struct PreHook {
  uint32_t output_nr;
  GradHook fn;
};
// Pre-hooks by node: few nodes have one (register_hook on a non-leaf, retain_grad), so they are
// kept here rather than in every node.
std::mutex g_pre_hooks_mutex;
std::unordered_map<const Node*, std::vector<PreHook>>& pre_hooks() {
  static auto* m = new std::unordered_map<const Node*, std::vector<PreHook>>;  // outlives static nodes
  return *m;
}

// A node ready to run: its owning reference (an edge of a node that runs earlier, or a root, so
// alive for the whole pass) and the gradients of its outputs.
struct Ready {
  const std::shared_ptr<Node>* node;
  std::vector<Tensor> grads;
};
struct Scratch {
  std::vector<Node*> stack;
  std::vector<Ready> ready;
};
thread_local Scratch g_scratch;
thread_local int g_engine_depth = 0;
}  // namespace

bool GradMode::is_enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool on) { g_grad_enabled = on; }

Node::Node() { g_live_nodes.fetch_add(1, std::memory_order_relaxed); }

Node::~Node() {
  g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
  if (g_anomaly_records.load(std::memory_order_relaxed) != 0) [[unlikely]]
    forget_anomaly_record(this);
  release_edges();
  if (has_pre_hooks_) {
    std::lock_guard lock(g_pre_hooks_mutex);
    pre_hooks().erase(this);
  }
}

void Node::set_edges(Edge* storage, Edge* edges, size_t n) {
  release_edges();
  edges_on_heap_ = storage == nullptr && n > 0;
  edges_ = edges_on_heap_ ? new Edge[n] : storage;
  num_edges_ = static_cast<uint32_t>(n);
  for (size_t i = 0; i < n; ++i) edges_[i] = std::move(edges[i]);
}

void Node::release_edges() {
  for (uint32_t i = 0; i < num_edges_; ++i)
    if (edges_[i].fn) release_node(std::move(edges_[i].fn));
  if (edges_on_heap_) delete[] edges_;
  edges_ = nullptr;
  num_edges_ = 0;
  edges_on_heap_ = false;
}

void Node::add_pre_hook(uint32_t output_nr, GradHook hook) {
  std::lock_guard lock(g_pre_hooks_mutex);
  pre_hooks()[this].push_back({output_nr, std::move(hook)});
  has_pre_hooks_ = true;
}

int64_t Node::live_count() { return g_live_nodes.load(std::memory_order_relaxed); }

const std::shared_ptr<Node>* Node::running() { return g_running; }

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
  // A 1e7-deep chain grows nothing here (each node pushes at most its few edges), but a wide
  // graph might: give a large stack back.
  if (g_release_stack.capacity() > 4096) std::vector<std::shared_ptr<Node>>().swap(g_release_stack);
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
  LeafState& leaf = impl->leaf();
  auto acc = leaf.grad_accumulator.lock();
  if (!acc) {
    acc = pool::make_shared<AccumulateGrad>(t.impl_ptr());
    leaf.grad_accumulator = acc;
  }
  return {acc, 0};
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);
  LeafState& state = leaf_->leaf();
  for (auto& hook : state.hooks) {
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
  if (!state.post_accumulate_hooks.empty()) {
    Tensor leaf(leaf_);
    for (auto& hook : state.post_accumulate_hooks) hook(leaf);
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
    std::vector<Ready>& ready = scratch.ready;
    stack.clear();
    ready.clear();
    struct ClearReady {  // leave no gradients behind if a backward formula throws
      std::vector<Ready>& ready;
      ~ClearReady() { ready.clear(); }
    } clear_ready{ready};
    // Count the dependencies of every node reachable from the roots. Nothing else is kept per
    // node: a gradient goes straight into the ready list when its node's last one arrives, and
    // only a node still waiting for more (used many times, or with many outputs) gets a buffer.
    uint32_t epoch = ++g_visit_epoch;
    if (epoch == 0) epoch = ++g_visit_epoch;  // 0 is a fresh node's mark
    for (auto& r : roots)
      if (r.fn && r.fn->visit_ != epoch) {
        r.fn->visit_ = epoch;
        r.fn->dependencies_ = 0;
        stack.push_back(r.fn.get());
      }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (uint32_t i = 0; i < n->num_edges_; ++i) {
        Node* m = n->edges_[i].fn.get();
        if (!m) continue;
        if (m->visit_ != epoch) {
          m->visit_ = epoch;
          m->dependencies_ = 0;
          stack.push_back(m);
        }
        m->dependencies_++;
      }
    }
    if (stack.capacity() > (1 << 16)) std::vector<Node*>().swap(stack);  // a wide graph's stack goes back
    // Capture targets: the node and slot whose gradient is wanted.
    std::unordered_multimap<Node*, size_t> capture_at;
    if (captures)
      for (size_t i = 0; i < captures->size(); ++i)
        if ((*captures)[i].fn) capture_at.emplace((*captures)[i].fn.get(), i);

    std::unordered_map<Node*, std::vector<Tensor>> waiting;  // gradients of nodes not yet ready
    auto buffer_of = [&](Node* n) -> std::vector<Tensor>& {
      auto [it, fresh] = waiting.try_emplace(n);
      if (fresh) it->second.resize(n->num_outputs());
      return it->second;
    };
    for (size_t i = 0; i < roots.size(); ++i)
      if (roots[i].fn) accumulate(buffer_of(roots[i].fn.get())[roots[i].input_nr], grads[i]);
    for (auto& r : roots) {
      if (!r.fn || r.fn->dependencies_ != 0) continue;
      auto it = waiting.find(r.fn.get());
      if (it == waiting.end()) continue;  // the same root given twice
      ready.push_back({&r.fn, std::move(it->second)});
      waiting.erase(it);
    }

    struct Restore {
      bool prev;
      const std::shared_ptr<Node>* running;
      ~Restore() {
        GradMode::set_enabled(prev);
        g_running = running;
      }
    } restore{GradMode::is_enabled(), g_running};
    GradMode::set_enabled(create_graph);

    while (!ready.empty()) {
      const std::shared_ptr<Node>& owner = *ready.back().node;
      std::vector<Tensor> in = std::move(ready.back().grads);
      ready.pop_back();
      Node* n = owner.get();
      if (n->has_pre_hooks_) run_pre_hooks(n, in);
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
      g_running = &owner;
      std::vector<Tensor> out = n->apply(std::move(in));
      g_running = restore.running;
      if (autograd::is_anomaly_enabled()) [[unlikely]]
        check_backward_grads(*n, out);
      if (!keep_graph) n->release_saved();
      for (uint32_t i = 0; i < n->num_edges_; ++i) {
        const Edge& e = n->edges_[i];
        Node* m = e.fn.get();
        if (!m) continue;
        bool has_grad = i < out.size() && out[i].defined();
        if (--m->dependencies_ == 0) {
          auto it = waiting.find(m);
          std::vector<Tensor> buf;
          if (it != waiting.end()) {
            buf = std::move(it->second);
            waiting.erase(it);
          } else {
            buf.resize(m->num_outputs());
          }
          if (has_grad) accumulate(buf[e.input_nr], out[i]);
          ready.push_back({&e.fn, std::move(buf)});
        } else if (has_grad) {
          accumulate(buffer_of(m)[e.input_nr], out[i]);
        }
      }
    }
    return captured;
  }

 private:
  static void accumulate(Tensor& slot, const Tensor& g) {
    if (!g.defined()) return;
    slot = slot.defined() ? add(slot, g) : g;
  }
  static void run_pre_hooks(Node* n, std::vector<Tensor>& in) {
    std::vector<PreHook> hooks;
    {
      std::lock_guard lock(g_pre_hooks_mutex);
      auto it = pre_hooks().find(n);
      if (it != pre_hooks().end()) hooks = it->second;
    }
    for (auto& h : hooks) {
      if (h.output_nr >= in.size() || !in[h.output_nr].defined()) continue;
      Tensor r = h.fn(in[h.output_nr]);
      if (r.defined()) in[h.output_nr] = r;
    }
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
