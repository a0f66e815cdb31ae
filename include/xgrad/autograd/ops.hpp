/// \file
/// Every op on tensors: elementwise, reductions, linear algebra, shapes and indexing, convolution
/// and pooling, the fused optimizer updates, and the operators. Each op takes a last, defaulted
/// `Where loc` that anomaly mode uses to name the caller's line (leave it out).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

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
/// im2col, then one GEMM per image and group (the CPU's and cuBLAS's GEMM).
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
