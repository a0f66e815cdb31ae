// The kernel table: what a device must implement. One table per device type; ops validate
// their inputs (shapes, dtypes, devices, index ranges) and allocate outputs, then call a kernel,
// so kernels trust their arguments. Every tensor a kernel sees is contiguous and on its device.
// Internal: the CPU table lives in autograd/cpu/, the CUDA table in cuda/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "autograd/impl.hpp"

namespace xgrad::kernels {

// ---- The op lists. Each elementwise op is one line here; the enum, the op's name, its int64
// policy and the CPU and CUDA routing are generated from it, so a missing kernel is a compile
// error, not an op that silently does nothing. Columns:
//   name     the enum value, and the name error messages use
//   int64    any: defined on int64 too (int64_math.hpp holds that form, shared by both devices);
//            floats: the op refuses int64 (unary_kernel / binary_kernel raise, naming the op)
//   scalars  how many of the kernel's scalar parameters (a, b for unary, alpha for binary) it reads

// x is the input; a, b the scalars.
#define XGRAD_UNARY_OPS(X)                                             \
  X(neg, any, 0)          /* -x */                                     \
  X(exp, floats, 0)                                                    \
  X(expm1, floats, 0)     /* e^x - 1, exact near 0 */                  \
  X(log, floats, 0)                                                    \
  X(log1p, floats, 0)     /* log(1 + x), exact near 0 */               \
  X(sqrt, floats, 0)                                                   \
  X(abs, any, 0)                                                       \
  X(sign, any, 0)                                                      \
  X(sin, floats, 0)                                                    \
  X(cos, floats, 0)                                                    \
  X(erf, floats, 0)                                                    \
  X(tanh, floats, 0)                                                   \
  X(sigmoid, floats, 0)                                                \
  X(relu, any, 0)                                                      \
  X(softplus, floats, 0)  /* log(1 + e^x) */                           \
  X(gelu, floats, 0)      /* x Phi(x), Phi the normal CDF */           \
  X(gelu_tanh, floats, 0) /* gelu's tanh approximation */              \
  X(silu, floats, 0)      /* x sigmoid(x) */                           \
  X(elu, floats, 1)       /* x > 0 ? x : a * (e^x - 1) */              \
  X(add_scalar, any, 1)   /* x + a */                                  \
  X(mul_scalar, any, 1)   /* x * a */                                  \
  X(rsub_scalar, any, 1)  /* a - x */                                  \
  X(rdiv_scalar, any, 1)  /* a / x */                                  \
  X(pow_scalar, any, 1)   /* x ^ a */                                  \
  X(rpow_scalar, any, 1)  /* a ^ x */                                  \
  X(leaky_relu, any, 1)   /* x > 0 ? x : a * x */                      \
  X(clamp, any, 2)        /* min(max(x, a), b); a = -inf or b = +inf for one side */ \
  X(eq_scalar, any, 1)    /* masks (0/1 in x's dtype) against a */     \
  X(ne_scalar, any, 1)                                                 \
  X(lt_scalar, any, 1)                                                 \
  X(le_scalar, any, 1)                                                 \
  X(gt_scalar, any, 1)                                                 \
  X(ge_scalar, any, 1)

// a and b are broadcast to out's shape (NumPy rules); alpha is the scalar.
#define XGRAD_BINARY_OPS(X)                                                      \
  X(add, any, 0)                                                                 \
  X(sub, any, 0)                                                                 \
  X(mul, any, 0)                                                                 \
  X(div, any, 0)                                                                 \
  X(pow, any, 0)                                                                 \
  X(maximum, any, 0)                                                             \
  X(minimum, any, 0)                                                             \
  X(eq, any, 0) /* masks, 0/1 in the inputs' dtype */                            \
  X(ne, any, 0)                                                                  \
  X(lt, any, 0)                                                                  \
  X(le, any, 0)                                                                  \
  X(gt, any, 0)                                                                  \
  X(ge, any, 0)                                                                  \
  X(add_scaled, any, 1)            /* a + alpha * b */                           \
  X(tanh_backward, floats, 0)      /* a * (1 - b^2): a = grad, b = tanh's output */ \
  X(sigmoid_backward, floats, 0)   /* a * b * (1 - b): b = sigmoid's output */   \
  X(threshold_backward, floats, 1) /* b > 0 ? a : alpha * a: b = the input */

// x seen as [outer, n, inner] and reduced over n; argmax/argmin give int64 positions.
#define XGRAD_REDUCE_OPS(X) \
  X(sum, any, 0) X(max, any, 0) X(min, any, 0) X(argmax, any, 0) X(argmin, any, 0) X(prod, any, 0)

#define XGRAD_OP_ENUM_ENTRY(name, int64, scalars) name,
enum class Unary : uint8_t { XGRAD_UNARY_OPS(XGRAD_OP_ENUM_ENTRY) };
enum class Binary : uint8_t { XGRAD_BINARY_OPS(XGRAD_OP_ENUM_ENTRY) };
enum class Reduce : uint8_t { XGRAD_REDUCE_OPS(XGRAD_OP_ENUM_ENTRY) };
#undef XGRAD_OP_ENUM_ENTRY

// name(op): "tanh", "add_scaled"; on_int64(op): the int64 column is `any`.
#define XGRAD_OP_NAME_CASE(name, int64, scalars) \
  case E::name:                                  \
    return #name;
#define XGRAD_OP_INT64_CASE(name, int64, scalars) \
  case E::name:                                   \
    return XGRAD_OP_INT64_##int64;
#define XGRAD_OP_INT64_any true
#define XGRAD_OP_INT64_floats false
#define XGRAD_OP_TRAITS(Enum, LIST)                                     \
  constexpr const char* name(Enum op) {                                 \
    using E = Enum;                                                     \
    switch (op) { LIST(XGRAD_OP_NAME_CASE) }                            \
    return "?";                                                         \
  }                                                                     \
  constexpr bool on_int64(Enum op) {                                    \
    using E = Enum;                                                     \
    switch (op) { LIST(XGRAD_OP_INT64_CASE) }                           \
    return false;                                                       \
  }
XGRAD_OP_TRAITS(Unary, XGRAD_UNARY_OPS)
XGRAD_OP_TRAITS(Binary, XGRAD_BINARY_OPS)
XGRAD_OP_TRAITS(Reduce, XGRAD_REDUCE_OPS)
#undef XGRAD_OP_TRAITS

// One Adam/AdamW step's scalars (optim/adam.cpp computes them): with g = grad (negated when
// maximize) plus weight_decay * p unless decoupled (AdamW, which scales p by 1 - lr * wd first),
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  vmax = max(vmax, v) (amsgrad)
//   p -= step_size * m / (sqrt(v or vmax) / bias_correction2_sqrt + eps)
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay, step_size, bias_correction2_sqrt;
  bool decoupled, amsgrad, maximize;
};
enum class Random : uint8_t { uniform, normal, bernoulli };

// A sliding window over images [batch, channels, height, width] (convolution and pooling): kernel
// kh x kw, stride, zero padding and dilation per side, giving out_h x out_w positions.
struct Window2d {
  int64_t batch, channels, height, width;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t out_h, out_w;
  // The columns' layout: [channels kh kw, batch out_h out_w] (pooling: a window's entries down a
  // column), or by image, [batch, channels kh kw, out_h out_w] (convolution: one GEMM per image
  // writes its output straight into [batch, channels_out, out_h out_w]).
  bool by_image = false;
};

// Each entry: name, return type, parameters. Output tensors come preallocated with the right
// shape, dtype and device; `out` may alias an input of the same shape (in-place ops).
#define XGRAD_KERNELS(X)                                                                          \
  /* memory */                                                                                    \
  X(allocate, void*, (size_t nbytes))                                                             \
  X(deallocate, void, (void* ptr, size_t nbytes))                                                 \
  X(copy_from_host, void, (void* dst, const void* src, size_t nbytes))                            \
  X(copy_to_host, void, (void* dst, const void* src, size_t nbytes))                              \
  X(copy, void, (void* dst, const void* src, size_t nbytes))                                      \
  /* out = x converted to out's dtype (same shape) */                                             \
  X(cast, void, (const Tensor& x, Tensor& out))                                                   \
  X(fill, void, (Tensor & out, double value))                                                     \
  /* out[i] = start + i * step */                                                                 \
  X(arange, void, (Tensor & out, double start, double step))                                      \
  /* Philox draws at counter offset; uniform [a, b), normal (mean a, std b), bernoulli(p = a) */  \
  X(random, void, (Tensor & out, Random kind, uint64_t seed, uint64_t offset, double a, double b)) \
  /* elementwise; binary and where broadcast their inputs to out's shape (NumPy rules) */         \
  X(unary, void, (Unary op, const Tensor& x, Tensor& out, double a, double b))                    \
  X(binary, void, (Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha))       \
  X(where, void, (const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out))             \
  /* x seen as [outer, n, inner] reduced over n into out [outer, inner] (int64 for arg*) */       \
  X(reduce, void, (Reduce op, const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner)) \
  /* x [outer, n, inner]: out = running sums over n; sort_indices: int64 positions along n of the \
     stable sort (NaN above every number, as PyTorch) */                                          \
  X(cumsum, void, (const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner))        \
  X(sort_indices, void, (const Tensor& x, Tensor& indices, int64_t outer, int64_t n, int64_t inner, \
                         bool descending))                                                        \
  /* out[b] = alpha * op(a[b]) @ op(b[b]) + beta * out[b]; op(a) is m x k, op(b) is k x n;       \
     a_stride/b_stride: elements between batches (0 broadcasts one matrix over the batch) */     \
  X(gemm, void, (const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch,  \
                 int64_t m, int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, \
                 double beta))                                                                    \
  /* out = x with dims permuted: out.shape[i] = x.shape[perm[i]] */                               \
  X(permute, void, (const Tensor& x, Tensor& out, const Shape& perm))                             \
  /* out = x broadcast to out's shape */                                                          \
  X(expand, void, (const Tensor& x, Tensor& out))                                                 \
  /* src [outer, src_n, inner], dst [outer, dst_n, inner]. into=false: dst = src[:, offset:offset \
     + dst_n, :]; into=true: dst[:, offset:offset + src_n, :] = src */                            \
  X(slice, void, (const Tensor& src, Tensor& dst, int64_t outer, int64_t src_n, int64_t dst_n,    \
                  int64_t inner, int64_t offset, bool into))                                      \
  /* x [outer, n, inner], index [k] -> out [outer, k, inner] */                                   \
  X(index_select, void, (const Tensor& x, const Tensor& index, Tensor& out, int64_t outer,         \
                         int64_t n, int64_t inner))                                               \
  /* out [outer, n, inner] += src [outer, k, inner] at out[:, index[j], :] */                      \
  X(index_add, void, (const Tensor& src, const Tensor& index, Tensor& out, int64_t outer,         \
                      int64_t n, int64_t inner))                                                  \
  /* index has x's ndim; seen as [outer, k, inner] against x [outer, n, inner] (index's outer and \
     inner extents equal x's) : out[o, j, i] = x[o, index[o, j, i], i] */                         \
  X(gather, void, (const Tensor& x, const Tensor& index, Tensor& out, int64_t outer, int64_t n,   \
                   int64_t k, int64_t inner))                                                     \
  /* out[o, index[o, j, i], i] += src[o, j, i] */                                                 \
  X(scatter_add, void, (const Tensor& src, const Tensor& index, Tensor& out, int64_t outer,       \
                        int64_t n, int64_t k, int64_t inner))                                     \
  /* labels int64 [m] -> out [m, classes] of 0/1 in out's dtype */                                \
  X(one_hot, void, (const Tensor& labels, Tensor& out, int64_t classes))                          \
  /* x [outer, n, inner]: (log-)softmax over n, numerically stable */                             \
  X(softmax, void, (const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log)) \
  /* x [batch, channels, height, width] -> out [channels * kh * kw, batch * out_h * out_w]: row  \
     (c, i, j) holds x[b, c, y * sh - ph + i * dh, x * sw - pw + j * dw] at column (b, y, x), or  \
     pad_value where that lies outside x; with w.by_image, out [batch, channels kh kw, out_h out_w] \
     holds the same entries */                                                                    \
  X(im2col, void, (const Tensor& x, Tensor& out, const Window2d& w, double pad_value))            \
  /* the adjoint of im2col: out [batch, channels, height, width] = the sum of every column entry   \
     that im2col read from each pixel (out is overwritten) */                                     \
  X(col2im, void, (const Tensor& cols, Tensor& out, const Window2d& w))                           \
  /* optimizers, in place on contiguous tensors of one shape; max_exp_avg_sq only with amsgrad */  \
  X(adam, void, (Tensor & p, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq,              \
                 Tensor& max_exp_avg_sq, const AdamStep& step))

struct Table {
#define XGRAD_KERNEL_MEMBER(name, ret, params) ret(*name) params = nullptr;
  XGRAD_KERNELS(XGRAD_KERNEL_MEMBER)
#undef XGRAD_KERNEL_MEMBER
};

// Names of the entries a table leaves empty (a test asserts none for every built table).
std::vector<const char*> missing(const Table& t);

const Table& cpu();
// The CUDA table, or an error naming `op` when this build or this machine has no CUDA device.
const Table& cuda(const char* op);
inline const Table& for_device(Device d, const char* op) { return d.is_cpu() ? cpu() : cuda(op); }

}  // namespace xgrad::kernels
