// What every op implementation shares: argument checks that raise errors naming the op, the
// node type that holds a built-in op's backward formula, and the call that records it.
// Internal to autograd/.
#pragma once

#include <string>
#include <vector>

#include "autograd/kernels.hpp"
#include "autograd/pool.hpp"

namespace xgrad {

[[noreturn]] void fail(const char* op, const std::string& what);

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

class OpNode;
// Fills grads_in[i] for each input i that needs a gradient (node.needs_input_grad(i)).
using BackwardFn = void (*)(OpNode& node, const Tensor& grad, std::vector<Tensor>& grads_in);

// A built-in op's node: its name, its backward formula, and room for what the formula needs.
class OpNode final : public Node {
 public:
  OpNode(const char* name, BackwardFn fn) : name_(name), fn_(fn) {}
  const char* name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  void release_saved() override;

  void save(int slot, const Tensor& t) { saved_[slot] = SavedTensor(t, false); }
  void save_output(int slot, const Tensor& t) { saved_[slot] = SavedTensor(t, true); }
  Tensor saved(int slot) { return saved_[slot].unpack(shared_from_this(), name_); }

  Shape shape[2];       // e.g. input shapes, for sum_to in broadcasting backward
  double scalar[2] = {};
  int64_t index[4] = {};
  std::vector<int64_t> sizes;  // variable-length attributes (cat's split sizes, permutations)

 private:
  const char* name_;
  BackwardFn fn_;
  SavedTensor saved_[3];
};

// When grad mode is on and an input requires grad: makes the node, links it to the inputs and
// to `out`, and returns it for the caller to save what backward needs. Otherwise nullptr.
OpNode* record(const char* name, BackwardFn fn, Tensor& out, std::initializer_list<const Tensor*> inputs);
OpNode* record(const char* name, BackwardFn fn, Tensor& out, const std::vector<Tensor>& inputs);

// Forward helpers: allocate the output and run the device's kernel.
Tensor unary_kernel(const char* op, kernels::Unary k, const Tensor& x, double a = 0, double b = 0);
Tensor binary_kernel(const char* op, kernels::Binary k, const Tensor& a, const Tensor& b, double alpha = 0);

}  // namespace xgrad
