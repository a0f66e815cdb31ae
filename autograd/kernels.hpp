// The kernel table: what a device must implement. One table per device type; ops validate
// their inputs (shapes, dtypes, devices, index ranges) and allocate outputs, then call a kernel,
// so kernels trust their arguments. Every tensor a kernel sees is contiguous and on its device.
// Internal: the CPU table lives in autograd/cpu/, the CUDA table in cuda/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "autograd/impl.hpp"

namespace xgrad::kernels {

enum class Unary : uint8_t {
  neg, exp, log, sqrt, abs, sign, tanh, sigmoid, relu, softplus,
  // with scalar parameters a, b:
  add_scalar,   // x + a
  mul_scalar,   // x * a
  rsub_scalar,  // a - x
  rdiv_scalar,  // a / x
  pow_scalar,   // x ^ a
  rpow_scalar,  // a ^ x
  leaky_relu,   // x > 0 ? x : a * x
  clamp,        // min(max(x, a), b); a = -inf or b = +inf for a one-sided clamp
  // masks (0/1 in x's dtype) against the scalar a:
  eq_scalar, ne_scalar, lt_scalar, le_scalar, gt_scalar, ge_scalar,
};

enum class Binary : uint8_t {
  add, sub, mul, div, pow, maximum, minimum,
  eq, ne, lt, le, gt, ge,  // masks, 0/1 in the inputs' dtype
  add_scaled,              // a + alpha * b
  tanh_backward,           // a * (1 - b^2)      (a = grad, b = tanh output)
  sigmoid_backward,        // a * b * (1 - b)    (a = grad, b = sigmoid output)
  threshold_backward,      // b > 0 ? a : alpha * a   (a = grad, b = input)
};

enum class Reduce : uint8_t { sum, max, min, argmax, argmin };

// One Adam/AdamW step's scalars (optim/adam.cpp computes them): with g = grad (negated when
// maximize) plus weight_decay * p unless decoupled (AdamW, which scales p by 1 - lr * wd first),
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  vmax = max(vmax, v) (amsgrad)
//   p -= step_size * m / (sqrt(v or vmax) / bias_correction2_sqrt + eps)
struct AdamStep {
  double lr, beta1, beta2, eps, weight_decay, step_size, bias_correction2_sqrt;
  bool decoupled, amsgrad, maximize;
};
enum class Random : uint8_t { uniform, normal, bernoulli };

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
