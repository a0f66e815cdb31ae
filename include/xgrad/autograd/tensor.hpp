// Tensor: a cheap handle (copying shares) to dense, row-major, contiguous data on a device,
// with the autograd state that makes its ops record a graph.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/autograd/core.hpp"
#include "xgrad/autograd/random.hpp"

namespace xgrad {

struct TensorImpl;
class Node;

// Options for factories, as LibTorch's: `zeros({2, 3})`, `zeros({2, 3}, kFloat64)`,
// `zeros({2, 3}, kCUDA)`, `zeros({2, 3}, TensorOptions(kFloat64).device(kCUDA).requires_grad(true))`.
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}
  TensorOptions(Device d) : device_(d) {}
  TensorOptions(DeviceType d) : device_(d) {}
  TensorOptions(Dtype d, Device device) : dtype_(d), device_(device) {}

  Dtype dtype() const { return dtype_; }
  Device device() const { return device_; }
  bool requires_grad() const { return requires_grad_; }
  TensorOptions dtype(Dtype d) const { return with([&](TensorOptions& o) { o.dtype_ = d; }); }
  TensorOptions device(Device d) const { return with([&](TensorOptions& o) { o.device_ = d; }); }
  TensorOptions requires_grad(bool on) const { return with([&](TensorOptions& o) { o.requires_grad_ = on; }); }

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

class Tensor {
 public:
  Tensor() = default;  // undefined: `defined()` is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  // ---- metadata
  const Shape& shape() const;
  Shape sizes() const { return shape(); }
  int64_t size(int64_t dim) const;  // negative dims count from the end
  int64_t dim() const;
  int64_t numel() const;
  Dtype dtype() const;
  Device device() const;
  bool is_cuda() const { return device().is_cuda(); }
  void* data_ptr() const;
  template <class T>
  T* data() const;  // checked: T must match dtype, tensor must be on the CPU
  uint32_t version() const;

  // ---- values
  double item() const;  // one element; copies back from a device
  template <class T>
  T item() const { return static_cast<T>(item()); }
  template <class T = float>
  std::vector<T> to_vector() const;  // converts to T; copies back from a device
  std::string str() const;            // PyTorch-like printing

  // ---- conversion and copies
  Tensor to(Dtype d) const;  // returns *this when already d
  Tensor to(Device d) const;
  Tensor to(DeviceType d) const { return to(Device(d)); }
  Tensor cpu() const { return to(kCPU); }
  Tensor cuda() const { return to(kCUDA); }
  Tensor clone() const;   // differentiable copy
  Tensor detach() const;  // shares data, no graph

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // leaves only; floating dtypes only
  Tensor grad() const;                     // undefined until a backward reaches it
  void set_grad(const Tensor& g) const;
  const std::shared_ptr<Node>& grad_fn() const;
  uint32_t output_nr() const;
  bool is_leaf() const;
  void backward(const Tensor& gradient = {}, bool retain_graph = false, bool create_graph = false) const;
  // The hook sees the gradient flowing to this tensor and may return a replacement (or undefined).
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;
  // Leaves only: runs after a backward has accumulated into .grad() (PyTorch's
  // register_post_accumulate_grad_hook), with this tensor; data-parallel training starts
  // reducing a gradient from here while the backward goes on.
  void register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const;
  void retain_grad() const;  // keep .grad() on a non-leaf

  // ---- in-place (bump the version; recorded on the graph when needed)
  Tensor& add_(const Tensor& o, double alpha = 1.0);
  Tensor& add_(double s);
  Tensor& sub_(const Tensor& o) { return add_(o, -1.0); }
  Tensor& mul_(const Tensor& o);
  Tensor& mul_(double s);
  Tensor& div_(const Tensor& o);
  Tensor& zero_() { return fill_(0.0); }
  Tensor& fill_(double v);
  Tensor& copy_(const Tensor& src);  // src broadcast to this shape; dtypes/devices may differ

  // ---- shape (reshape/view/flatten/squeeze/unsqueeze share storage)
  Tensor reshape(const Shape& s) const;  // one -1 allowed
  Tensor view(const Shape& s) const { return reshape(s); }
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor t() const;  // 2-D transpose (1-D and 0-D: itself)
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor permute(const Dims& dims) const;
  Tensor expand(const Shape& s) const;  // -1 keeps a dim
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end) const;  // [start, end), negatives allowed
  Tensor select(int64_t dim, int64_t index) const;              // removes dim
  Tensor operator[](int64_t index) const { return select(0, index); }

  // ---- math as methods (free functions below are the same ops)
  Tensor sum() const;
  Tensor sum(const Dims& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Dims& dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  Tensor argmax(std::optional<int64_t> dim = {}, bool keepdim = false) const;
  Tensor matmul(const Tensor& o) const;
  Tensor pow(double e) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor neg() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories
Tensor empty(const Shape& s, TensorOptions o = {});
Tensor zeros(const Shape& s, TensorOptions o = {});
Tensor ones(const Shape& s, TensorOptions o = {});
Tensor full(const Shape& s, double value, TensorOptions o = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor empty_like(const Tensor& t);  // t's shape, dtype and device; values unset
Tensor arange(double end, TensorOptions o = {});
Tensor arange(double start, double end, double step = 1.0, TensorOptions o = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions o = {});
Tensor eye(int64_t n, TensorOptions o = {});
Tensor scalar_tensor(double v, TensorOptions o = {});  // 0-d
// From values and a shape (numel must match); the shape defaults to 1-D.
Tensor tensor(const std::vector<double>& values, const Shape& s, TensorOptions o = {});
Tensor tensor(const std::vector<double>& values, TensorOptions o = {});
Tensor tensor(std::initializer_list<double> values, TensorOptions o = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, TensorOptions o = {});
Tensor from_vector(const std::vector<float>& v, const Shape& s, TensorOptions o = {});
Tensor from_vector(const std::vector<int64_t>& v, const Shape& s, TensorOptions o = kInt64);

// ---- random: every draw comes from one seeded engine (Philox), the same numbers on CPU and CUDA;
// manual_seed, get_rng_state, set_rng_state and Generator are in xgrad/autograd/random.hpp.

// ---- deterministic mode (off by default; process-wide, like PyTorch's
// use_deterministic_algorithms). On: every CPU kernel gives the same bits on every x86-64 machine
// and build (xgrad's own GEMM and math functions, fixed summation orders, no FMA), and CUDA ops
// that would accumulate with atomics use ordered reductions or raise an error naming the op.
void set_deterministic(bool on);
bool is_deterministic();

// ---- CPU threads: one setting for xgrad's own kernel threads (large elementwise ops and
// reductions, deterministic mode's GEMM) and OpenBLAS's. Process-wide; it stays until changed.
// Default: the CPUs this process may run on (its affinity mask). The two never run at once (an op
// runs one of them), so n threads is the most xgrad keeps busy.
void set_num_threads(int n);  // n >= 1
int get_num_threads();

Tensor rand(const Shape& s, TensorOptions o = {});                      // U[0, 1)
Tensor randn(const Shape& s, TensorOptions o = {});                     // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& s, TensorOptions o = kInt64);  // [low, high)
Tensor randperm(int64_t n, TensorOptions o = kInt64);
Tensor bernoulli(const Shape& s, double p, TensorOptions o = {});       // 1 with probability p
Tensor rand_like(const Tensor& t);  // rand and randn with t's shape, dtype (floating) and device
Tensor randn_like(const Tensor& t);
Tensor& uniform_(Tensor& t, double low, double high);             // in place, no graph
Tensor& normal_(Tensor& t, double mean, double stddev);

// ---- elementwise (NumPy broadcasting; dtypes must match, devices must match)
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor rsub(double s, const Tensor& a);  // s - a
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rdiv(double s, const Tensor& a);  // s / a
Tensor pow(const Tensor& a, double e);
Tensor pow(double base, const Tensor& e);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor expm1(const Tensor& x);  // exp(x) - 1, exact near 0
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);  // log(1 + x), exact near 0
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // no gradient (zero)
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor softplus(const Tensor& x);  // log(1 + exp(x)), stable
// x Phi(x), Phi the standard normal CDF; approximate = "tanh" for the tanh form, as PyTorch.
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
Tensor silu(const Tensor& x);  // x sigmoid(x)
Tensor elu(const Tensor& x, double alpha = 1.0);  // x > 0 ? x : alpha (exp(x) - 1)
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // cond nonzero -> a
// Fused backward primitives, themselves differentiable ops.
Tensor tanh_backward(const Tensor& grad, const Tensor& y);     // grad * (1 - y^2)
Tensor sigmoid_backward(const Tensor& grad, const Tensor& y);  // grad * y * (1 - y)
Tensor threshold_backward(const Tensor& grad, const Tensor& x, double negative_slope);  // x > 0 ? grad : slope*grad

// Comparisons: masks of 0/1 in the inputs' dtype, never differentiable.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double s);
Tensor ne(const Tensor& a, double s);
Tensor lt(const Tensor& a, double s);
Tensor le(const Tensor& a, double s);
Tensor gt(const Tensor& a, double s);
Tensor ge(const Tensor& a, double s);

// ---- reductions (dims may be negative; an empty dims list reduces every dim)
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Dims& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Dims& dims, bool keepdim = false);
// Over every element with Bessel's correction; var(x, Dims{}, 0) for the population variance.
// var(x, 1) and var(x, {1}) reduce dim 1, as in PyTorch.
Tensor var(const Tensor& x);
Tensor var(const Tensor& x, const Dims& dims, int64_t correction = 1, bool keepdim = false);
Tensor std(const Tensor& x);
Tensor std(const Tensor& x, const Dims& dims, int64_t correction = 1, bool keepdim = false);
Tensor max(const Tensor& x);  // gradient goes to the first maximal element
Tensor min(const Tensor& x);
struct ValuesIndices {
  Tensor values, indices;
};
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);  // of the flattened tensor
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
// Product of all elements, or along dim (its gradient is exact with zeros in the input).
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
// Vector p-norm over all elements or over dims (floating): p = 1, 2, any p > 0, 0 (the count of
// nonzeros), INFINITY (largest |x|), -INFINITY (smallest |x|); gradient 0 where the norm is 0.
Tensor norm(const Tensor& x, double p = 2);
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim = false);
Tensor cumsum(const Tensor& x, int64_t dim);  // running sums along dim
// Values and int64 indices along dim, ascending or descending; stable (equal values keep their
// order); NaN sorts above every number, as in PyTorch.
ValuesIndices sort(const Tensor& x, int64_t dim = -1, bool descending = false);
// The k largest (or smallest) along dim, sorted, ties in their order in x.
ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim = -1, bool largest = true);
// Sums `x` down to `shape` (the inverse of broadcasting); used by every broadcasting backward.
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- linear algebra
// torch.matmul's rules: 1-D . 1-D dot product; 2-D matrix product; a 1-D operand is a row (left)
// or a column (right) that the result drops; with more dims, the dims before the last two are
// batch dims that broadcast (NumPy rules), e.g. [2, 1, 3, 4] . [5, 4, 6] -> [2, 5, 3, 6].
Tensor matmul(const Tensor& a, const Tensor& b);
// op(a) @ op(b) with transposes passed to GEMM as flags (no copies); 2-D or batched 3-D.
Tensor mm(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
// x [N, in] @ weight[out, in]^T + bias [out] (bias may be undefined) as one op: the bias is
// written first and GEMM accumulates onto it. nn::functional::linear takes other input ranks.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

// ---- shape and indexing
Tensor reshape(const Tensor& x, const Shape& s);
Tensor flatten(const Tensor& x, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, int64_t dim);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor transpose(const Tensor& x, int64_t d0, int64_t d1);
Tensor permute(const Tensor& x, const Dims& dims);
Tensor expand(const Tensor& x, const Shape& s);
Tensor cat(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& xs, int64_t dim = 0);
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);  // index: 1-D int64
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);        // index: int64, x's ndim
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);  // int64 in, int64 out
// Pieces of x along dim: of split_size each (the last may be shorter), of the given sizes (which
// add up to the dim's size), or `chunks` pieces of ceil(size / chunks). Narrows of x: the
// gradients flow back to x.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
Tensor repeat(const Tensor& x,
              const Shape& repeats);  // tiles; one repeat per dim (or more: new leading dims)
Tensor flip(const Tensor& x, const Dims& dims);  // reverses the order along each dim
// Moves entries by shifts[i] along dims[i], wrapping around; without dims, rolls the flattened
// tensor.
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const Dims& dims = {});
// Masks are 0/1 tensors of any dtype (comparisons make them): nonzero is true.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);  // mask broadcasts to x
// self with self[..., index[j], ...] = src[j] along dim (index and src shaped as scatter_add's); an
// index that writes one position twice is refused (PyTorch leaves that result undefined).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, double value);
// self[indices[0], ..., indices[k-1]] = values (or += when accumulate): int64 index tensors for
// self's first k dims, broadcast together, negative counting from the end; values broadcast to
// the indexed shape. Without accumulate, a position named twice is refused.
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate = false);
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim = false);
// Cross-entropy of logits [N, C] against class indices [N] (int64), summed, or averaged when
// `mean`, as one op: log-softmax and pick forward, softmax minus one-hot backward.
Tensor softmax_cross_entropy(const Tensor& logits, const Tensor& target, bool mean);
// -(y log p + (1 - y) log(1 - p)) per element, logs clamped at -100 as PyTorch's; its gradient
// g (p - y) / max(p (1 - p), 1e-12) is finite at p = 0 and 1. (nn::functional adds reductions.)
Tensor binary_cross_entropy_elementwise(const Tensor& p, const Tensor& y);

// ---- convolution and pooling over images [N, C, H, W] (or one image [C, H, W]), as PyTorch's
// F.conv2d, F.max_pool2d, ... A size or stride is one number for both sides or {h, w}.
struct Int2 {
  Int2(int64_t v) : h(v), w(v) {}
  Int2(int64_t h, int64_t w) : h(h), w(w) {}
  int64_t h, w;
};
// Zero padding per side, or "same" (output as large as the input; stride 1 only; an odd total
// goes one more to the bottom/right, as PyTorch) or "valid" (none).
struct Padding2d {
  Padding2d(int64_t v) : size(v) {}
  Padding2d(int v) : size(v) {}  // so that a literal 0 is a size, not a null mode
  Padding2d(int64_t h, int64_t w) : size(h, w) {}
  Padding2d(Int2 s) : size(s) {}
  Padding2d(const char* mode) : size(0), mode(mode) {}
  Int2 size;
  std::string mode;  // "" (explicit size), "same" or "valid"
};
// x [N, C_in, H, W], weight [C_out, C_in / groups, kh, kw], bias [C_out] or undefined:
// im2col, then one GEMM per group (the CPU's and cuBLAS's GEMM).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Int2 stride = 1,
              Padding2d padding = 0, Int2 dilation = 1, int64_t groups = 1);
// x [N, C_in, L] (or [C_in, L]), weight [C_out, C_in / groups, k]: conv2d over a height of 1.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              Padding2d padding = 0, int64_t dilation = 1, int64_t groups = 1);
// The maximum of each window (padding never wins); the stride defaults to the kernel size.
// With indices: the position of each maximum in its input plane (h * W + w), as PyTorch's
// return_indices; the gradient goes to that position.
Tensor max_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                  Int2 padding = 0, Int2 dilation = 1);
ValuesIndices max_pool2d_with_indices(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                                      Int2 padding = 0, Int2 dilation = 1);
// The mean of each window; zero padding counts in the divisor (PyTorch's count_include_pad).
Tensor avg_pool2d(const Tensor& x, Int2 kernel_size, std::optional<Int2> stride = std::nullopt, Int2 padding = 0);
// Averages over PyTorch's adaptive windows [floor(i H / out), ceil((i + 1) H / out)), to
// output_size [out_h, out_w], as two small matrix products.
Tensor adaptive_avg_pool2d(const Tensor& x, Int2 output_size);

// ---- fused optimizer updates: in place on parameters and their state, never recorded on the graph
// (call them under NoGradGuard, as optimizers do). All tensors share the parameter's shape, dtype
// and device; max_exp_avg_sq only with amsgrad.
struct AdamStep {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  int64_t step = 1;        // the step being taken, from 1 (for the bias corrections)
  bool decoupled = false;  // AdamW: weight decay scales the parameter, not the gradient
  bool amsgrad = false, maximize = false;
};
// One Adam or AdamW step, as torch.optim.Adam(W) (single-tensor form): with g = grad (negated
// when maximize), plus weight_decay * param unless decoupled,
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  v_max = max(v_max, v) (amsgrad)
//   param -= lr / (1 - beta1^step) * m / (sqrt(v or v_max) / sqrt(1 - beta2^step) + eps)
void adam_step_(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
                const AdamStep& o);

// ---- operators
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double s);
Tensor operator-(const Tensor& a, double s);
Tensor operator*(const Tensor& a, double s);
Tensor operator/(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(double s, const Tensor& a);
Tensor operator-(const Tensor& a);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, double s);
Tensor& operator-=(Tensor& a, double s);
Tensor& operator*=(Tensor& a, double s);
Tensor& operator/=(Tensor& a, double s);

// True when shapes, dtypes and values agree within rtol/atol (on any device).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

}  // namespace xgrad
