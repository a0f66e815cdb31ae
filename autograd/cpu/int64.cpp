// Elementwise kernels for int64 (labels, indices): plain loops over int64_math.hpp's functions
// (shared with the CUDA kernels), which the compiler vectorizes where it can; xsimd has no 64-bit
// integer multiply or divide to offer.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"
#include "autograd/int64_math.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

using I = int64_t;

template <class F>
void map(const Tensor& x, Tensor& out, F f) {
  const I* px = data<const I>(x);
  I* po = data<I>(out);
  for (int64_t i = 0, n = numel(out); i < n; ++i) po[i] = f(px[i]);
}

// out = f(a, b) with NumPy broadcasting, one row at a time (inner strides are 0 or 1).
template <class F>
void zip(const Tensor& a, const Tensor& b, Tensor& out, F f) {
  const int64_t total = numel(out);
  if (total == 0) return;
  const I* pa = data<const I>(a);
  const I* pb = data<const I>(b);
  I* po = data<I>(out);
  if (numel(a) == total && numel(b) == total) {
    for (int64_t i = 0; i < total; ++i) po[i] = f(pa[i], pb[i]);
    return;
  }
  const Shape* shapes[2] = {&shape(a), &shape(b)};
  Broadcast<2> plan = broadcast(shape(out), shapes);
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
    const I* ra = pa + off[0];
    const I* rb = pb + off[1];
    for (int64_t i = 0; i < n; ++i) po[o + i] = f(ra[i * sa], rb[i * sb]);
  });
}

void check_no_zero(const Tensor& t, const char* op) {
  const I* p = data<const I>(t);
  if (std::find(p, p + numel(t), I{0}) != p + numel(t))
    throw Error(std::string(op) + ": integer division by zero");
}

}  // namespace

// Ops with int64 = any in kernels.hpp run their int64_math.hpp form; the others are refused
// (the ops refuse them first, naming the op).
#define XGRAD_INT64_BINARY_any(name) \
  case Binary::name:                 \
    return zip(a, b, out, [&s](I x, I y) { return int64_math::binary::name(x, y, s); });
#define XGRAD_INT64_BINARY_floats(name) \
  case Binary::name:                    \
    break;
#define XGRAD_INT64_BINARY(name, int64, scalars) XGRAD_INT64_BINARY_##int64(name)

void binary_int64(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  if (op == Binary::div) check_no_zero(b, "div");
  const int64_math::Scalars s = int64_math::scalars(alpha, 0);
  switch (op) { XGRAD_BINARY_OPS(XGRAD_INT64_BINARY) }
  int64_unsupported(name(op));
}

#define XGRAD_INT64_UNARY_any(name) \
  case Unary::name:                 \
    return map(x, out, [&s](I v) { return int64_math::unary::name(v, s); });
#define XGRAD_INT64_UNARY_floats(name) \
  case Unary::name:                    \
    break;
#define XGRAD_INT64_UNARY(name, int64, scalars) XGRAD_INT64_UNARY_##int64(name)

void unary_int64(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (op == Unary::rdiv_scalar) check_no_zero(x, "rdiv");
  const int64_math::Scalars s = int64_math::scalars(a, b);
  switch (op) { XGRAD_UNARY_OPS(XGRAD_INT64_UNARY) }
  int64_unsupported(name(op));
}

}  // namespace xgrad::kernels::cpu_detail
