/// \file
/// Tensor: a cheap handle (copying shares) to dense, row-major, contiguous data on a device,
/// with the autograd state that makes its ops record a graph; its factories, the random draws,
/// and the process-wide settings (deterministic mode, CPU threads). The ops on tensors are in
/// xgrad/autograd/ops.hpp, which this header includes.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/autograd/anomaly.hpp"
#include "xgrad/autograd/core.hpp"
#include "xgrad/autograd/random.hpp"

namespace xgrad {

struct TensorImpl;
class Node;

/// Options for factories, as LibTorch's: `zeros({2, 3})`, `zeros({2, 3}, kFloat64)`,
/// `zeros({2, 3}, kCUDA)`, or all of them chained:
/// `TensorOptions(kFloat64).device(kCUDA).requires_grad(true)`.
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}        ///< This dtype, on the CPU.
  TensorOptions(Device d) : device_(d) {}      ///< float32 on this device.
  TensorOptions(DeviceType d) : device_(d) {}  ///< float32 on this device.
  /// This dtype on this device.
  TensorOptions(Dtype d, Device device) : dtype_(d), device_(device) {}

  /// The element type.
  Dtype dtype() const { return dtype_; }
  /// The device the data lives on.
  Device device() const { return device_; }
  /// Whether ops on it are recorded for backward.
  bool requires_grad() const { return requires_grad_; }
  /// The element type.
  TensorOptions dtype(Dtype d) const {
    return with([&](TensorOptions& o) { o.dtype_ = d; });
  }
  /// The device the data lives on.
  TensorOptions device(Device d) const {
    return with([&](TensorOptions& o) { o.device_ = d; });
  }
  /// Whether ops on it are recorded for backward.
  TensorOptions requires_grad(bool on) const {
    return with([&](TensorOptions& o) { o.requires_grad_ = on; });
  }

 private:
  template <class F>
  TensorOptions with(F f) const {
    TensorOptions o = *this;
    f(o);
    return o;
  }
  Dtype dtype_ = kFloat32;
  Device device_ = {};
  bool requires_grad_ = false;
};

/// A handle to a tensor (copying shares the data, as LibTorch's): metadata, values, autograd,
/// and every op as a method or a free function below.
class Tensor {
 public:
  Tensor() = default;  ///< undefined: `defined()` is false
  /// Wraps shared state (internal: tensors come from factories and ops).
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  /// False for a default-constructed (undefined) tensor.
  bool defined() const { return impl_ != nullptr; }
  /// The shared state (internal; for the library and its tests).
  TensorImpl* impl() const { return impl_.get(); }
  /// The shared state, as its owning pointer (internal).
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  /// True when both handles share one tensor.
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata
  /// The shape, e.g. [2, 3].
  const Shape& shape() const;
  /// The shape (LibTorch's name).
  Shape sizes() const { return shape(); }
  int64_t size(int64_t dim) const;  ///< negative dims count from the end
  /// The number of dimensions.
  int64_t dim() const;
  /// The number of elements.
  int64_t numel() const;
  /// The element type.
  Dtype dtype() const;
  /// The device the data lives on.
  Device device() const;
  /// True on a CUDA device.
  bool is_cuda() const { return device().is_cuda(); }
  /// The first element's address (on the tensor's device).
  void* data_ptr() const;
  /// The data as T* (checked: T must match the dtype, the tensor must be on the CPU).
  template <class T>
  T* data() const;
  /// Bumped by every in-place change (saved tensors check it).
  uint32_t version() const;

  // ---- values
  double item() const;  ///< one element; copies back from a device
  /// The value of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    return static_cast<T>(item());
  }
  /// The values converted to T, in a vector; copies back from a device.
  template <class T = float>
  std::vector<T> to_vector() const;
  std::string str() const;  ///< PyTorch-like printing

  // ---- conversion and copies
  Tensor to(Dtype d, Where loc = {}) const;  ///< returns *this when already d
  /// A copy on another device or in another dtype (itself when already there); differentiable.
  Tensor to(Device d, Where loc = {}) const;
  /// A copy on another device or in another dtype (itself when already there); differentiable.
  Tensor to(DeviceType d, Where loc = {}) const { return to(Device(d), loc); }
  /// to(kCPU).
  Tensor cpu(Where loc = {}) const { return to(kCPU, loc); }
  /// to(kCUDA).
  Tensor cuda(Where loc = {}) const { return to(kCUDA, loc); }
  Tensor clone(Where loc = {}) const;  ///< differentiable copy
  Tensor detach() const;               ///< shares data, no graph

  // ---- autograd
  /// Whether ops on it are recorded for backward.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  ///< leaves only; floating dtypes only
  Tensor grad() const;                     ///< undefined until a backward reaches it
  /// Replaces .grad() (same shape, dtype and device, or undefined).
  void set_grad(const Tensor& g) const;
  /// The node that made this tensor (null for leaves).
  const std::shared_ptr<Node>& grad_fn() const;
  /// Which output of grad_fn() this is.
  uint32_t output_nr() const;
  /// True for a tensor no recorded op made.
  bool is_leaf() const;
  /// Backpropagates from this tensor (one element, or with `gradient`), accumulating into the
  /// leaves' .grad().
  void backward(const Tensor& gradient = {}, bool retain_graph = false,
                bool create_graph = false) const;
  /// The hook sees the gradient flowing to this tensor and may return a replacement (or undefined).
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;
  /// Leaves only: runs after a backward has accumulated into .grad() (PyTorch's
  /// register_post_accumulate_grad_hook), with this tensor; data-parallel training starts
  /// reducing a gradient from here while the backward goes on.
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  void retain_grad() const;  ///< keep .grad() on a non-leaf

  // ---- in-place (bump the version; recorded on the graph when needed)
  /// In place: += o * alpha (or += s).
  Tensor& add_(const Tensor& o, double alpha = 1.0, Where loc = {});
  /// In place: += o * alpha (or += s).
  Tensor& add_(double s, Where loc = {});
  /// In place: -= o.
  Tensor& sub_(const Tensor& o, Where loc = {}) { return add_(o, -1.0, loc); }
  /// In place: *= o (or *= s).
  Tensor& mul_(const Tensor& o, Where loc = {});
  /// In place: *= o (or *= s).
  Tensor& mul_(double s, Where loc = {});
  /// In place: /= o.
  Tensor& div_(const Tensor& o, Where loc = {});
  /// In place: every element = 0.
  Tensor& zero_(Where loc = {}) { return fill_(0.0, loc); }
  /// In place: every element = v.
  Tensor& fill_(double v, Where loc = {});
  /// In place: src's values, broadcast to this shape (dtypes and devices may differ).
  Tensor& copy_(const Tensor& src, Where loc = {});

  // ---- shape (reshape/view/flatten/squeeze/unsqueeze share storage)
  Tensor reshape(const Shape& s, Where loc = {}) const;  ///< one -1 allowed
  /// reshape(s).
  Tensor view(const Shape& s, Where loc = {}) const { return reshape(s, loc); }
  /// Dims start_dim..end_dim merged into one.
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1, Where loc = {}) const;
  /// Size-1 dims removed (all, or `dim`).
  Tensor squeeze(Where loc = {}) const;
  /// Size-1 dims removed (all, or `dim`).
  Tensor squeeze(int64_t dim, Where loc = {}) const;
  /// A size-1 dim inserted at `dim`.
  Tensor unsqueeze(int64_t dim, Where loc = {}) const;
  Tensor t(Where loc = {}) const;  ///< 2-D transpose (1-D and 0-D: itself)
  /// Dims d0 and d1 swapped.
  Tensor transpose(int64_t d0, int64_t d1, Where loc = {}) const;
  /// Dims reordered: output dim i is input dim dims[i].
  Tensor permute(const Dims& dims, Where loc = {}) const;
  Tensor expand(const Shape& s, Where loc = {}) const;  ///< -1 keeps a dim
  /// `length` entries from `start` along `dim`.
  Tensor narrow(int64_t dim, int64_t start, int64_t length, Where loc = {}) const;
  /// [start, end), negatives allowed.
  Tensor slice(int64_t dim, int64_t start, int64_t end, Where loc = {}) const;
  Tensor select(int64_t dim, int64_t index, Where loc = {}) const;  ///< removes dim
  /// select(0, index).
  Tensor operator[](int64_t index) const { return select(0, index); }

  // ---- math as methods (free functions below are the same ops)
  /// Sum of all elements, or over `dims`.
  Tensor sum(Where loc = {}) const;
  /// Sum of all elements, or over `dims`.
  Tensor sum(const Dims& dims, bool keepdim = false, Where loc = {}) const;
  /// Mean of all elements, or over `dims`.
  Tensor mean(Where loc = {}) const;
  /// Mean of all elements, or over `dims`.
  Tensor mean(const Dims& dims, bool keepdim = false, Where loc = {}) const;
  /// Largest element (gradient to the first), or values and indices along `dim`.
  Tensor max(Where loc = {}) const;
  /// Smallest element, or values and indices along `dim`.
  Tensor min(Where loc = {}) const;
  /// Index of the largest element (of the flattened tensor, or along `dim`).
  Tensor argmax(std::optional<int64_t> dim = {}, bool keepdim = false, Where loc = {}) const;
  /// Matrix product with torch.matmul's rules (see the free function).
  Tensor matmul(const Tensor& o, Where loc = {}) const;
  /// Elementwise power.
  Tensor pow(double e, Where loc = {}) const;
  /// e^x, elementwise.
  Tensor exp(Where loc = {}) const;
  /// Natural logarithm, elementwise.
  Tensor log(Where loc = {}) const;
  /// Square root, elementwise.
  Tensor sqrt(Where loc = {}) const;
  /// |x|, elementwise.
  Tensor abs(Where loc = {}) const;
  /// tanh(x), elementwise.
  Tensor tanh(Where loc = {}) const;
  /// 1 / (1 + e^-x), elementwise.
  Tensor sigmoid(Where loc = {}) const;
  /// max(x, 0), elementwise.
  Tensor relu(Where loc = {}) const;
  /// -x, elementwise.
  Tensor neg(Where loc = {}) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

/// Prints the tensor as str() does.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories
/// A tensor of shape `s`; values unset.
Tensor empty(const Shape& s, TensorOptions o = {});
/// A tensor of zeros.
Tensor zeros(const Shape& s, TensorOptions o = {});
/// A tensor of ones.
Tensor ones(const Shape& s, TensorOptions o = {});
/// A tensor filled with `value`.
Tensor full(const Shape& s, double value, TensorOptions o = {});
/// Zeros with t's shape, dtype and device.
Tensor zeros_like(const Tensor& t);
/// Ones with t's shape, dtype and device.
Tensor ones_like(const Tensor& t);
/// `value` everywhere, with t's shape, dtype and device.
Tensor full_like(const Tensor& t, double value);
Tensor empty_like(const Tensor& t);  ///< t's shape, dtype and device; values unset
/// Values from start (0) up to end, excluded, by step.
Tensor arange(double end, TensorOptions o = {});
/// Values from start (0) up to end, excluded, by step.
Tensor arange(double start, double end, double step = 1.0, TensorOptions o = {});
/// `steps` values evenly spaced from start to end, both included.
Tensor linspace(double start, double end, int64_t steps, TensorOptions o = {});
/// The n x n identity matrix.
Tensor eye(int64_t n, TensorOptions o = {});
Tensor scalar_tensor(double v, TensorOptions o = {});  ///< 0-d
/// From values and a shape (numel must match); the shape defaults to 1-D.
Tensor tensor(const std::vector<double>& values, const Shape& s, TensorOptions o = {});
/// A tensor from values (a shape, 1-D, or rows).
Tensor tensor(const std::vector<double>& values, TensorOptions o = {});
/// A tensor from values (a shape, 1-D, or rows).
Tensor tensor(std::initializer_list<double> values, TensorOptions o = {});
/// A tensor from values (a shape, 1-D, or rows).
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, TensorOptions o = {});
/// A tensor of shape `s` from a vector's values.
Tensor from_vector(const std::vector<float>& v, const Shape& s, TensorOptions o = {});
/// A tensor of shape `s` from a vector's values.
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, TensorOptions o = kInt64);

// ---- random: every draw comes from one seeded engine (Philox), the same numbers on CPU and CUDA;
// manual_seed, get_rng_state, set_rng_state and Generator are in xgrad/autograd/random.hpp.

// ---- deterministic mode (off by default; process-wide, like PyTorch's
// use_deterministic_algorithms). On: every CPU kernel gives the same bits on every x86-64 machine
// and build (xgrad's own GEMM and math functions, fixed summation orders, no FMA), and CUDA ops
// that would accumulate with atomics use ordered reductions or raise an error naming the op.
/// Turns deterministic mode on or off (process-wide).
void set_deterministic(bool on);
/// Whether deterministic mode is on.
bool is_deterministic();

// ---- CPU threads: one setting for xgrad's own kernel threads (large elementwise ops and
// reductions, deterministic mode's GEMM, the pieces of large GEMMs). OpenBLAS runs on one thread
// per call. Process-wide; it stays until changed. Default: the CPUs this process may run on (its
// affinity mask), so n threads is the most xgrad keeps busy.
/// Sets the CPU thread count (n >= 1) for xgrad's kernels (and so for its GEMMs), process-wide.
void set_num_threads(int n);
/// The CPU thread count in force.
int get_num_threads();

Tensor rand(const Shape& s, TensorOptions o = {});   ///< U[0, 1)
Tensor randn(const Shape& s, TensorOptions o = {});  ///< N(0, 1)
/// Uniform random integers in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& s, TensorOptions o = kInt64);
/// A random permutation of 0..n-1.
Tensor randperm(int64_t n, TensorOptions o = kInt64);
Tensor bernoulli(const Shape& s, double p, TensorOptions o = {});  ///< 1 with probability p
Tensor rand_like(const Tensor& t);  ///< rand and randn with t's shape, dtype (floating) and device
/// N(0, 1) with t's shape, dtype and device.
Tensor randn_like(const Tensor& t);
Tensor& uniform_(Tensor& t, double low, double high);  ///< in place, no graph
/// In place: draws from N(mean, stddev); no graph.
Tensor& normal_(Tensor& t, double mean, double stddev);

}  // namespace xgrad

#include "xgrad/autograd/ops.hpp"  // every op on tensors, and the operators
