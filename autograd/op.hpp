// What every op implementation shares: argument checks that raise errors naming the op, the
// node type that holds a built-in op's backward formula, and the Recorder that records it.
// Internal to autograd/.
#pragma once

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "autograd/kernels.hpp"
#include "autograd/pool.hpp"

namespace xgrad {

[[noreturn]] void fail(const char* op, const std::string& what);

// ---- anomaly mode (include/xgrad/autograd/anomaly.hpp)
// The user's call site of the outermost op running on this thread, or null: set only while
// anomaly mode is on, so an op nested inside another (var calling mean) reports its caller's site.
const Where* current_call_site();
void set_current_call_site(const Where* w);
// Every public op opens one: `CallSite site(loc);`. Off, it costs one relaxed load.
class CallSite {
 public:
  explicit CallSite(const Where& w) {
    if (autograd::is_anomaly_enabled() && !current_call_site()) {
      set_current_call_site(&w);
      set_ = true;
    }
  }
  ~CallSite() {
    if (set_) set_current_call_site(nullptr);
  }
  CallSite(const CallSite&) = delete;
  CallSite& operator=(const CallSite&) = delete;

 private:
  bool set_ = false;
};
// Keeps op `op`'s anomaly record (its inputs' shapes and dtypes, the current call site) for
// `node`, and, when forward checks are on, throws if `out` holds a NaN or an Inf. Anomaly mode
// only.
struct AnomalyRecord {
  std::string op;
  std::string inputs;  // "[2, 3] float64, [3] float64"
  std::string site;    // "file:line in 'function'", or empty
};
std::unique_ptr<AnomalyRecord> anomaly_record(const char* op, const Tensor* const* inputs, size_t n);
std::unique_ptr<AnomalyRecord> anomaly_record(const char* op, const std::vector<Tensor>& inputs);
void keep_anomaly_record(const Node* node, std::unique_ptr<AnomalyRecord> record);
void forget_anomaly_record(const Node* node);
extern std::atomic<int64_t> g_anomaly_records;  // records kept: nodes look theirs up only then
// Throws naming the op when output `output_nr` holds a NaN or an Inf (forward checks on, outside a
// backward).
void check_forward_output(const AnomalyRecord& r, const Tensor& out, size_t output_nr);
// Throws naming the node's op, inputs and call site when a gradient it returned holds a NaN or an
// Inf.
void check_backward_grads(const Node& node, const std::vector<Tensor>& grads);

void check_defined(const char* op, const Tensor& t);
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);
void check_same_device(const char* op, const Tensor& a, const Tensor& b);
void check_floating(const char* op, const Tensor& t);
void check_dtype(const char* op, const Tensor& t, Dtype want, const char* what);
// The NumPy broadcast of two shapes, or an error naming the op and both shapes.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// A dim in [-ndim, ndim) made non-negative, or an error naming the op.
int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim);
// The smallest and largest entries of a non-empty int64 tensor.
void index_bounds(const char* op, const Tensor& index, int64_t& lo, int64_t& hi);
// Every entry of the int64 `index` lies in [0, n), or an error naming the op.
void check_index_range(const char* op, const Tensor& index, int64_t n);
// An int64 tensor meets a scalar with a fraction (2.5): PyTorch promotes to float, xgrad does not
// promote, so the op refuses rather than truncate.
void check_int64_scalar(const char* op, const Tensor& t, double s);
// A scalar as a person writes it: 2.5, 1e-07, inf.
std::string scalar_str(double s);

// The [outer, n, inner] view of shape `s` around dim `d`, as the kernels take it.
inline void split_at(const Shape& s, int64_t d, int64_t& outer, int64_t& inner) {
  outer = 1;
  inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < s.ndim(); ++i) inner *= s[i];
}

inline const kernels::Table& kernels_for(const Tensor& t, const char* op) {
  return kernels::for_device(t.device(), op);
}

// What a backward formula reads and fills: the gradient of the op's output (`out`), which inputs
// need a gradient, the input gradients to set (g[i]), and the tensors the op saved, unpacked with
// g(saved) (which checks that no in-place op changed them since).
class Grads {
 public:
  Grads(Node& node, const char* op, const Tensor& out, std::vector<Tensor>& in)
      : out(out), node_(node), op_(op), in_(in) {}
  const Tensor& out;
  bool needs(size_t i) const { return node_.needs_input_grad(i); }
  Tensor& operator[](size_t i) { return in_[i]; }
  Tensor operator()(const SavedTensor& s) const {
    const std::shared_ptr<Node>* owner = Node::running();
    return s.unpack(owner && owner->get() == &node_ ? *owner : std::shared_ptr<Node>(), op_);
  }

 private:
  Node& node_;
  const char* op_;
  std::vector<Tensor>& in_;
};

[[noreturn]] void saved_tensors_freed(const char* op);

// A built-in op's node: the op's name and its backward formula F, a callable on Grads& that holds
// what the op saved as named captures. Sized to what it holds: the formula's captures, and (in
// FnNodeWith) its edges; freeing the saved state destroys the captures themselves.
template <class F>
class FnNode : public Node {
 public:
  FnNode(const char* name, F&& f, bool saves) : name_(name) {
    new (&f_) F(std::move(f));
    saves_ = saves;
  }
  ~FnNode() override {
    if (!saved_released_) f_.~F();
  }
  const char* name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    std::vector<Tensor> in(num_inputs());
    if (grads.empty() || !grads[0].defined()) return in;
    if (saved_released_) saved_tensors_freed(name_);
    Grads g(*this, name_, grads[0], in);
    f_(g);
    return in;
  }
  // Frees what the formula holds; a formula that saved no tensor stays (it can run again).
  void release_saved() override {
    if (saves_ && !saved_released_) {
      f_.~F();
      saved_released_ = true;
    }
  }
  // Edges in an array of their own (ops of many inputs).
  void take_edges(Edge* edges, size_t n) { set_edges(nullptr, edges, n); }

 private:
  const char* name_;
  union {
    F f_;
  };
};

// The node of an op of N inputs: its N edges inside it.
template <class F, size_t N>
class FnNodeWith final : public FnNode<F> {
 public:
  FnNodeWith(const char* name, F&& f, bool saves, Edge* edges) : FnNode<F>(name, std::move(f), saves) {
    this->set_edges(edges_, edges, N);
  }
  ~FnNodeWith() override { this->release_edges(); }  // before edges_ goes, without recursion

 private:
  Edge edges_[N];
};

// Records an op on the graph: `if (Recorder r{"mul", out, {&a, &b}})` is true when grad mode is
// on and an input requires grad; then r.save(t) / r.save_output() keep tensors for backward and
// r.backward(formula) makes the node, linked to the inputs' nodes and to `out`:
//   r.backward([a = r.save(a), b = r.save(b)](Grads& g) { if (g.needs(0)) g[0] = mul(g.out, g(b)); ... });
// r.needs(i) says whether input i will get a gradient: save only what the formula will read,
// e.g. `a = r.needs(1) ? r.save(a) : SavedTensor()`.
//
// The number of inputs is part of the type (Recorder<2> for {&a, &b}, deduced from the braces;
// Recorder<0> for a vector of inputs), so each formula makes one node type: the node of the
// right size, its vtable and its control block. With the count known only at run time, every
// formula instantiated all four sizes.
class RecorderBase {
 public:
  RecorderBase(const RecorderBase&) = delete;
  RecorderBase& operator=(const RecorderBase&) = delete;
  explicit operator bool() const { return on_; }
  bool needs(size_t i) const { return i < n_ && edges()[i].valid(); }

  SavedTensor save(const Tensor& t) {
    saves_ = true;
    return SavedTensor(t, false);
  }
  SavedTensor save_output() {
    saves_ = true;
    return SavedTensor(out_, true);
  }

 protected:
  RecorderBase(const char* op, Tensor& out, const Tensor* const* inputs, size_t n);
  RecorderBase(const char* op, Tensor& out, const std::vector<Tensor>& inputs);
  ~RecorderBase() = default;  // inline: an op without a graph pays for no call

  // The node of formula f with N inputs, its edges inside it (N of 1 to 3) or in an array of
  // their own (N of 0: the count is n_).
  template <size_t N, class F>
  void make_node(F&& f) {
    if constexpr (N >= 1 && N <= 3) {
      attach(pool::make_shared<FnNodeWith<F, N>>(op_, std::move(f), saves_, edges()));
    } else {
      auto node = pool::make_shared<FnNode<F>>(op_, std::move(f), saves_);
      node->take_edges(edges(), n_);
      attach(std::move(node));
    }
  }

 private:
  void add_input(const Tensor& t);
  void attach(std::shared_ptr<Node> node);
  Edge* edges() { return more_.empty() ? inline_ : more_.data(); }
  const Edge* edges() const { return more_.empty() ? inline_ : more_.data(); }
  const char* op_;
  Tensor& out_;
  bool on_ = false, saves_ = false;
  size_t n_ = 0;
  Edge inline_[4];
  std::vector<Edge> more_;  // ops of more than four inputs
  std::unique_ptr<AnomalyRecord> anomaly_;  // anomaly mode only
};

template <size_t N>
class Recorder : public RecorderBase {
 public:
  Recorder(const char* op, Tensor& out, const Tensor* const (&inputs)[N])
      : RecorderBase(op, out, inputs, N) {}
  template <class F>
  void backward(F f) {
    make_node<N>(std::move(f));
  }
};
// Inputs counted at run time.
template <>
class Recorder<0> : public RecorderBase {
 public:
  Recorder(const char* op, Tensor& out, const std::vector<Tensor>& inputs)
      : RecorderBase(op, out, inputs) {}
  template <class F>
  void backward(F f) {
    make_node<0>(std::move(f));
  }
};
Recorder(const char*, Tensor&, const std::vector<Tensor>&) -> Recorder<0>;

// Forward helpers: allocate the output and run the device's kernel.
Tensor unary_kernel(const char* op, kernels::Unary k, const Tensor& x, double a = 0, double b = 0);
Tensor binary_kernel(const char* op, kernels::Binary k, const Tensor& a, const Tensor& b, double alpha = 0);

}  // namespace xgrad
