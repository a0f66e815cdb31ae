/// \file
/// Tensor: a cheap handle (copying shares) to dense, row-major, contiguous data on a device,
/// with the autograd state that makes its ops record a graph; and every op on it. Each op takes a
/// last, defaulted `Where loc` that anomaly mode uses to name the caller's line (leave it out).
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
// reductions, deterministic mode's GEMM) and OpenBLAS's. Process-wide; it stays until changed.
// Default: the CPUs this process may run on (its affinity mask). The two never run at once (an op
// runs one of them), so n threads is the most xgrad keeps busy.
/// Sets the CPU thread count (n >= 1) for xgrad's kernels and OpenBLAS, process-wide.
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

// ---- elementwise (NumPy broadcasting; dtypes must match, devices must match)
/// a + b (or a + s), elementwise.
Tensor add(const Tensor& a, const Tensor& b, Where loc = {});
/// a - b (or a - s), elementwise.
Tensor sub(const Tensor& a, const Tensor& b, Where loc = {});
/// a * b (or a * s), elementwise.
Tensor mul(const Tensor& a, const Tensor& b, Where loc = {});
/// a / b (or a / s), elementwise.
Tensor div(const Tensor& a, const Tensor& b, Where loc = {});
/// Elementwise power.
Tensor pow(const Tensor& a, const Tensor& b, Where loc = {});
/// The larger of a and b, elementwise.
Tensor maximum(const Tensor& a, const Tensor& b, Where loc = {});
/// The smaller of a and b, elementwise.
Tensor minimum(const Tensor& a, const Tensor& b, Where loc = {});
/// a + b (or a + s), elementwise.
Tensor add(const Tensor& a, double s, Where loc = {});
/// a - b (or a - s), elementwise.
Tensor sub(const Tensor& a, double s, Where loc = {});
Tensor rsub(double s, const Tensor& a, Where loc = {});  ///< s - a
/// a * b (or a * s), elementwise.
Tensor mul(const Tensor& a, double s, Where loc = {});
/// a / b (or a / s), elementwise.
Tensor div(const Tensor& a, double s, Where loc = {});
Tensor rdiv(double s, const Tensor& a, Where loc = {});  ///< s / a
/// Elementwise power.
Tensor pow(const Tensor& a, double e, Where loc = {});
/// Elementwise power.
Tensor pow(double base, const Tensor& e, Where loc = {});
/// -x, elementwise.
Tensor neg(const Tensor& x, Where loc = {});
/// e^x, elementwise.
Tensor exp(const Tensor& x, Where loc = {});
Tensor expm1(const Tensor& x, Where loc = {});  ///< exp(x) - 1, exact near 0
/// Natural logarithm, elementwise.
Tensor log(const Tensor& x, Where loc = {});
Tensor log1p(const Tensor& x, Where loc = {});  ///< log(1 + x), exact near 0
/// Square root, elementwise.
Tensor sqrt(const Tensor& x, Where loc = {});
/// |x|, elementwise.
Tensor abs(const Tensor& x, Where loc = {});
Tensor sign(const Tensor& x, Where loc = {});  ///< no gradient (zero)
/// sin(x), elementwise.
Tensor sin(const Tensor& x, Where loc = {});
/// cos(x), elementwise.
Tensor cos(const Tensor& x, Where loc = {});
/// The error function, elementwise.
Tensor erf(const Tensor& x, Where loc = {});
/// tanh(x), elementwise.
Tensor tanh(const Tensor& x, Where loc = {});
/// 1 / (1 + e^-x), elementwise.
Tensor sigmoid(const Tensor& x, Where loc = {});
/// max(x, 0), elementwise.
Tensor relu(const Tensor& x, Where loc = {});
/// x > 0 ? x : negative_slope * x, elementwise.
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01, Where loc = {});
Tensor softplus(const Tensor& x, Where loc = {});  ///< log(1 + exp(x)), stable
/// x Phi(x), Phi the standard normal CDF; approximate = "tanh" for the tanh form, as PyTorch.
Tensor gelu(const Tensor& x, std::string_view approximate = "none", Where loc = {});
Tensor silu(const Tensor& x, Where loc = {});  ///< x sigmoid(x)
/// x > 0 ? x : alpha (exp(x) - 1), elementwise.
Tensor elu(const Tensor& x, double alpha = 1.0, Where loc = {});
/// x limited to [min, max] (either may be absent).
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max, Where loc = {});
/// Elementwise cond ? a : b (cond nonzero picks a); broadcasts.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Where loc = {});
/// Fused backward primitives, themselves differentiable ops.
Tensor tanh_backward(const Tensor& grad, const Tensor& y, Where loc = {});  ///< grad * (1 - y^2)
/// grad * y * (1 - y): sigmoid's backward as one op.
Tensor sigmoid_backward(const Tensor& grad, const Tensor& y, Where loc = {});
/// x > 0 ? grad : slope * grad: relu's and leaky_relu's backward as one op.
Tensor threshold_backward(const Tensor& grad, const Tensor& x, double negative_slope,
                          Where loc = {});

/// Comparisons: masks of 0/1 in the inputs' dtype, never differentiable.
Tensor eq(const Tensor& a, const Tensor& b, Where loc = {});
/// a != b as 0/1.
Tensor ne(const Tensor& a, const Tensor& b, Where loc = {});
/// a < b as 0/1.
Tensor lt(const Tensor& a, const Tensor& b, Where loc = {});
/// a <= b as 0/1.
Tensor le(const Tensor& a, const Tensor& b, Where loc = {});
/// a > b as 0/1.
Tensor gt(const Tensor& a, const Tensor& b, Where loc = {});
/// a >= b as 0/1.
Tensor ge(const Tensor& a, const Tensor& b, Where loc = {});
/// a == b as 0/1.
Tensor eq(const Tensor& a, double s, Where loc = {});
/// a != b as 0/1.
Tensor ne(const Tensor& a, double s, Where loc = {});
/// a < b as 0/1.
Tensor lt(const Tensor& a, double s, Where loc = {});
/// a <= b as 0/1.
Tensor le(const Tensor& a, double s, Where loc = {});
/// a > b as 0/1.
Tensor gt(const Tensor& a, double s, Where loc = {});
/// a >= b as 0/1.
Tensor ge(const Tensor& a, double s, Where loc = {});

// ---- reductions (dims may be negative; an empty dims list reduces every dim)
/// Sum of all elements, or over `dims`.
Tensor sum(const Tensor& x, Where loc = {});
/// Sum of all elements, or over `dims`.
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim = false, Where loc = {});
/// Mean of all elements, or over `dims`.
Tensor mean(const Tensor& x, Where loc = {});
/// Mean of all elements, or over `dims`.
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim = false, Where loc = {});
/// Over every element with Bessel's correction; var(x, Dims{}, 0) for the population variance.
/// var(x, 1) and var(x, {1}) reduce dim 1, as in PyTorch.
Tensor var(const Tensor& x, Where loc = {});
/// Variance over dims, with Bessel's `correction`.
Tensor var(const Tensor& x, const Dims& dims, int64_t correction = 1, bool keepdim = false,
           Where loc = {});
/// Standard deviation (sqrt of var), over all elements or dims.
Tensor std(const Tensor& x, Where loc = {});
/// Standard deviation (sqrt of var), over all elements or dims.
Tensor std(const Tensor& x, const Dims& dims, int64_t correction = 1, bool keepdim = false,
           Where loc = {});
Tensor max(const Tensor& x, Where loc = {});  ///< gradient goes to the first maximal element
/// Smallest element, or values and indices along `dim`.
Tensor min(const Tensor& x, Where loc = {});
/// What max, min, sort, topk along a dim return: the values and their int64 indices.
struct ValuesIndices {
  Tensor values;   ///< the values
  Tensor indices;  ///< their positions along the dim (int64)
};
/// Largest element (gradient to the first), or values and indices along `dim`.
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
/// Smallest element, or values and indices along `dim`.
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
Tensor argmax(const Tensor& x, Where loc = {});  ///< of the flattened tensor
/// Index of the largest element (of the flattened tensor, or along `dim`).
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
/// Index of the smallest element (of the flattened tensor, or along `dim`).
Tensor argmin(const Tensor& x, Where loc = {});
/// Index of the smallest element (of the flattened tensor, or along `dim`).
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
/// Product of all elements, or along dim (its gradient is exact with zeros in the input).
Tensor prod(const Tensor& x, Where loc = {});
/// Product along `dim`.
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
/// Vector p-norm over all elements or over dims (floating): p = 1, 2, any p > 0, 0 (the count of
/// nonzeros), INFINITY (largest |x|), -INFINITY (smallest |x|); gradient 0 where the norm is 0.
Tensor norm(const Tensor& x, double p = 2, Where loc = {});
/// p-norm over `dims`.
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim = false, Where loc = {});
Tensor cumsum(const Tensor& x, int64_t dim, Where loc = {});  ///< running sums along dim
/// Values and int64 indices along dim, ascending or descending; stable (equal values keep their
/// order); NaN sorts above every number, as in PyTorch.
ValuesIndices sort(const Tensor& x, int64_t dim = -1, bool descending = false, Where loc = {});
/// The k largest (or smallest) along dim, sorted, ties in their order in x.
ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true,
                   Where loc = {});
/// Sums `x` down to `shape` (the inverse of broadcasting); used by every broadcasting backward.
Tensor sum_to(const Tensor& x, const Shape& shape, Where loc = {});

// ---- linear algebra
/// Matrix product with torch.matmul's rules: 1-D . 1-D dot product; 2-D matrix product; a 1-D
/// operand is a row (left) or a column (right) that the result drops; with more dims, the dims
/// before the last two are batch dims that broadcast (NumPy rules), e.g. [2, 1, 3, 4] . [5, 4, 6]
/// -> [2, 5, 3, 6].
Tensor matmul(const Tensor& a, const Tensor& b, Where loc = {});
/// op(a) @ op(b) with transposes passed to GEMM as flags (no copies); 2-D or batched 3-D.
Tensor mm(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false,
          Where loc = {});
/// x [N, in] @ weight[out, in]^T + bias [out] (bias may be undefined) as one op: the bias is
/// written first and GEMM accumulates onto it. nn::functional::linear takes other input ranks.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Where loc = {});

// ---- shape and indexing
/// The same data in shape `s` (one -1 is inferred); shares storage.
Tensor reshape(const Tensor& x, const Shape& s, Where loc = {});
/// Dims start_dim..end_dim merged into one.
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1, Where loc = {});
/// Size-1 dims removed (all, or `dim`).
Tensor squeeze(const Tensor& x, Where loc = {});
/// Size-1 dims removed (all, or `dim`).
Tensor squeeze(const Tensor& x, int64_t dim, Where loc = {});
/// A size-1 dim inserted at `dim`.
Tensor unsqueeze(const Tensor& x, int64_t dim, Where loc = {});
/// Dims d0 and d1 swapped.
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1, Where loc = {});
/// Dims reordered: output dim i is input dim dims[i].
Tensor permute(const Tensor& x, const Dims& dims, Where loc = {});
/// Broadcast to shape `s` (-1 keeps a dim).
Tensor expand(const Tensor& x, const Shape& s, Where loc = {});
/// Tensors joined along an existing dim.
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0, Where loc = {});
/// Tensors joined along a new dim.
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0, Where loc = {});
/// `length` entries from `start` along `dim`.
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length, Where loc = {});
/// The entries of x at a 1-D int64 index along dim.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, Where loc = {});
/// x's entries picked along dim by an int64 index of x's ndim.
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, Where loc = {});
/// self with src added at index along dim (self[..., index[j], ...] += src[j]).
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                   Where loc = {});
/// self with src added at the 1-D index along dim.
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                 Where loc = {});
/// One-hot rows of int64 labels (int64 in, int64 out).
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1, Where loc = {});
/// Pieces of x along dim: of split_size each (the last may be shorter), of the given sizes (which
/// add up to the dim's size), or `chunks` pieces of ceil(size / chunks). Narrows of x: the
/// gradients flow back to x.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0, Where loc = {});
/// Pieces of the given sizes along dim.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0,
                          Where loc = {});
/// `chunks` pieces along dim (the last may be shorter).
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0, Where loc = {});
/// x tiled: one repeat count per dim (or more: new leading dims).
Tensor repeat(const Tensor& x, const Shape& repeats, Where loc = {});
/// Reverses the order along each dim.
Tensor flip(const Tensor& x, const Dims& dims, Where loc = {});
/// Moves entries by shifts[i] along dims[i], wrapping around; without dims, rolls the flattened
/// tensor.
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const Dims& dims = {},
            Where loc = {});
/// Masks are 0/1 tensors of any dtype (comparisons make them): nonzero is true.
/// Mask broadcasts to x.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value, Where loc = {});
/// self with self[..., index[j], ...] = src[j] along dim (index and src shaped as scatter_add's);
/// an index that writes one position twice is refused (PyTorch leaves that result undefined).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
               Where loc = {});
/// self with `value` written at index along dim.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, double value, Where loc = {});
/// self[indices[0], ..., indices[k-1]] = values (or += when accumulate): int64 index tensors for
/// self's first k dims, broadcast together, negative counting from the end; values broadcast to
/// the indexed shape. Without accumulate, a position named twice is refused.
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate = false, Where loc = {});
/// Softmax along `dim`.
Tensor softmax(const Tensor& x, int64_t dim, Where loc = {});
/// log(softmax(x)) along `dim`, computed stably.
Tensor log_softmax(const Tensor& x, int64_t dim, Where loc = {});
/// log(sum(exp(x))) along `dim`, computed stably.
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false, Where loc = {});
/// Cross-entropy of logits [N, C] against class indices [N] (int64), summed, or averaged when
/// `mean`, as one op: log-softmax and pick forward, softmax minus one-hot backward.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target, bool mean, Where loc = {});
/// -(y log p + (1 - y) log(1 - p)) per element, logs clamped at -100 as PyTorch's; its gradient
/// g (p - y) / max(p (1 - p), 1e-12) is finite at p = 0 and 1. (nn::functional adds reductions.)
Tensor binary_cross_entropy_elementwise(const Tensor& p, const Tensor& y, Where loc = {});

// ---- convolution and pooling over images [N, C, H, W] (or one image [C, H, W]), as PyTorch's
// F.conv2d, F.max_pool2d, ... A size or stride is one number for both sides or {h, w}.
/// A size, stride or dilation: one number for both sides, or {h, w}.
struct Int2 {
  Int2(int64_t v) : h(v), w(v) {}             ///< The same for height and width.
  Int2(int64_t h, int64_t w) : h(h), w(w) {}  ///< Height and width.
  int64_t h;                                  ///< height
  int64_t w;                                  ///< width
};
/// Zero padding per side, or "same" (output as large as the input; stride 1 only; an odd total
/// goes one more to the bottom/right, as PyTorch) or "valid" (none).
struct Padding2d {
  Padding2d(int64_t v) : size(v) {}  ///< `v` on every side.
  Padding2d(int v) : size(v) {}      ///< `v` on every side (a literal 0 is a size, not a null mode)
  Padding2d(int64_t h, int64_t w) : size(h, w) {}       ///< `h` top and bottom, `w` left and right.
  Padding2d(Int2 s) : size(s) {}                        ///< `s.h` and `s.w` per side.
  Padding2d(const char* mode) : size(0), mode(mode) {}  ///< "same" or "valid".
  Int2 size;                                            ///< the explicit size (with mode "")
  std::string mode;                                     ///< "" (explicit size), "same" or "valid"
};
/// x [N, C_in, H, W], weight [C_out, C_in / groups, kh, kw], bias [C_out] or undefined:
/// im2col, then one GEMM per group (the CPU's and cuBLAS's GEMM).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1,
              Padding2d padding = 0, Int2 dilation = 1, int64_t groups = 1, Where loc = {});
/// x [N, C_in, L] (or [C_in, L]), weight [C_out, C_in / groups, k]: conv2d over a height of 1.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              Padding2d padding = 0, int64_t dilation = 1, int64_t groups = 1, Where loc = {});
/// The maximum of each window (padding never wins); the stride defaults to the kernel size.
/// With indices: the position of each maximum in its input plane (h * W + w), as PyTorch's
/// return_indices; the gradient goes to that position.
Tensor max_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                  Int2 padding = 0, Int2 dilation = 1, Where loc = {});
/// max_pool2d, with the position of each maximum.
ValuesIndices max_pool2d_with_indices(const Tensor& x, Int2 kernel_size,
                                      std::optional<Int2> stride = std::nullopt, Int2 padding = 0,
                                      Int2 dilation = 1, Where loc = {});
/// The mean of each window; zero padding counts in the divisor (PyTorch's count_include_pad).
Tensor avg_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                  Int2 padding = 0, Where loc = {});
/// Averages over PyTorch's adaptive windows [floor(i H / out), ceil((i + 1) H / out)), to
/// output_size [out_h, out_w], as two small matrix products.
Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size, Where loc = {});

// ---- fused optimizer updates: in place on parameters and their state, never recorded on the graph
// (call them under NoGradGuard, as optimizers do). All tensors share the parameter's shape, dtype
// and device; max_exp_avg_sq only with amsgrad.
/// The hyperparameters of one adam_step_ (torch.optim.Adam's names).
struct AdamStep {
  double lr = 1e-3;         ///< learning rate
  double beta1 = 0.9;       ///< decay of the first moment
  double beta2 = 0.999;     ///< decay of the second moment
  double eps = 1e-8;        ///< added to the denominator
  double weight_decay = 0;  ///< L2 penalty (decoupled: AdamW's)
  int64_t step = 1;         ///< the step being taken, from 1 (for the bias corrections)
  bool decoupled = false;   ///< AdamW: weight decay scales the parameter, not the gradient
  bool amsgrad = false;     ///< keep the largest second moment (max_exp_avg_sq)
  bool maximize = false;    ///< ascend instead of descend
};
/// One Adam or AdamW step, as torch.optim.Adam(W) (single-tensor form): with g = grad (negated
/// when maximize), plus weight_decay * param unless decoupled,
///   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  v_max = max(v_max, v) (amsgrad)
///   param -= lr / (1 - beta1^step) * m / (sqrt(v or v_max) / sqrt(1 - beta2^step) + eps)
void adam_step_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,
                Tensor& max_exp_avg_sq, const AdamStep& o);

// ---- operators (inline: an expression costs no call more than the op it names)
/// An operator's Tensor operand with the place of the user's expression (`a * b` cannot take a
/// defaulted location parameter, so the operand carries it). Converts implicitly from a Tensor.
struct Operand {
  /// Wraps `t`; `loc` is filled where the operator is written.
  Operand(const Tensor& t, Where loc = {}) : tensor(t), loc(loc) {}
  const Tensor& tensor;  ///< the operand itself
  Where loc;             ///< where the expression was written
};
/// An in-place operator's left side (`a += 2`) with the place of the user's expression.
struct InPlaceOperand {
  /// Wraps `t`; `loc` is filled where the operator is written.
  InPlaceOperand(Tensor& t, Where loc = {}) : tensor(t), loc(loc) {}
  Tensor& tensor;  ///< the tensor changed in place
  Where loc;       ///< where the expression was written
};
/// Elementwise a + b, for tensors and scalars (the add op).
inline Tensor operator+(Operand a, const Tensor& b) { return add(a.tensor, b, a.loc); }
/// Elementwise a - b, for tensors and scalars (the sub op).
inline Tensor operator-(Operand a, const Tensor& b) { return sub(a.tensor, b, a.loc); }
/// Elementwise a * b, for tensors and scalars (the mul op).
inline Tensor operator*(Operand a, const Tensor& b) { return mul(a.tensor, b, a.loc); }
/// Elementwise a / b, for tensors and scalars (the div op).
inline Tensor operator/(Operand a, const Tensor& b) { return div(a.tensor, b, a.loc); }
/// Elementwise a + b, for tensors and scalars (the add op).
inline Tensor operator+(Operand a, double s) { return add(a.tensor, s, a.loc); }
/// Elementwise a - b, for tensors and scalars (the sub op).
inline Tensor operator-(Operand a, double s) { return sub(a.tensor, s, a.loc); }
/// Elementwise a * b, for tensors and scalars (the mul op).
inline Tensor operator*(Operand a, double s) { return mul(a.tensor, s, a.loc); }
/// Elementwise a / b, for tensors and scalars (the div op).
inline Tensor operator/(Operand a, double s) { return div(a.tensor, s, a.loc); }
/// Elementwise a + b, for tensors and scalars (the add op).
inline Tensor operator+(double s, Operand a) { return add(a.tensor, s, a.loc); }
/// Elementwise a - b, for tensors and scalars (the sub op).
inline Tensor operator-(double s, Operand a) { return rsub(s, a.tensor, a.loc); }
/// Elementwise a * b, for tensors and scalars (the mul op).
inline Tensor operator*(double s, Operand a) { return mul(a.tensor, s, a.loc); }
/// Elementwise a / b, for tensors and scalars (the div op).
inline Tensor operator/(double s, Operand a) { return rdiv(s, a.tensor, a.loc); }
/// -a, elementwise (neg).
inline Tensor operator-(Operand a) { return neg(a.tensor, a.loc); }
/// In place: a += b (the Tensor::add_ op).
inline Tensor& operator+=(Tensor& a, Operand b) { return a.add_(b.tensor, 1.0, b.loc); }
/// In place: a -= b (the Tensor::sub_ op).
inline Tensor& operator-=(Tensor& a, Operand b) { return a.sub_(b.tensor, b.loc); }
/// In place: a *= b (the Tensor::mul_ op).
inline Tensor& operator*=(Tensor& a, Operand b) { return a.mul_(b.tensor, b.loc); }
/// In place: a /= b (the Tensor::div_ op).
inline Tensor& operator/=(Tensor& a, Operand b) { return a.div_(b.tensor, b.loc); }
/// In place: a += b (the Tensor::add_ op).
inline Tensor& operator+=(InPlaceOperand a, double s) { return a.tensor.add_(s, a.loc); }
/// In place: a -= b (the Tensor::sub_ op).
inline Tensor& operator-=(InPlaceOperand a, double s) { return a.tensor.add_(-s, a.loc); }
/// In place: a *= b (the Tensor::mul_ op).
inline Tensor& operator*=(InPlaceOperand a, double s) { return a.tensor.mul_(s, a.loc); }
/// In place: a /= b (the Tensor::div_ op).
inline Tensor& operator/=(InPlaceOperand a, double s) { return a.tensor.mul_(1.0 / s, a.loc); }

/// True when shapes, dtypes and values agree within rtol/atol (on any device).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

}  // namespace xgrad
