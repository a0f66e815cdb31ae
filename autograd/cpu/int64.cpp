// Elementwise kernels for int64 (labels, indices): plain loops the compiler vectorizes, since
// xsimd has no 64-bit integer multiply or divide to offer. Division truncates toward zero, as
// in C++; transcendental ops are refused.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"

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

// A double bound as an int64 bound, saturating (clamp passes -inf/+inf for one-sided bounds).
I to_bound(double v, bool lower) {
  if (std::isnan(v)) return lower ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
  double r = lower ? std::ceil(v) : std::floor(v);
  if (r <= -9.2233720368547758e18) return std::numeric_limits<I>::min();
  if (r >= 9.2233720368547758e18) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}

// INT64_MIN / -1 traps like division by zero: negate in unsigned arithmetic instead (wraps).
I idiv(I x, I y) { return y == -1 ? static_cast<I>(0 - static_cast<uint64_t>(x)) : x / y; }

I ipow(I base, double e) { return static_cast<I>(std::pow(static_cast<double>(base), e)); }

}  // namespace

void binary_int64(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  switch (op) {
    case Binary::add:
      return zip(a, b, out, [](I x, I y) { return x + y; });
    case Binary::sub:
      return zip(a, b, out, [](I x, I y) { return x - y; });
    case Binary::mul:
      return zip(a, b, out, [](I x, I y) { return x * y; });
    case Binary::div:
      check_no_zero(b, "div");
      return zip(a, b, out, idiv);
    case Binary::pow:
      return zip(a, b, out, [](I x, I y) { return ipow(x, static_cast<double>(y)); });
    case Binary::maximum:
      return zip(a, b, out, [](I x, I y) { return std::max(x, y); });
    case Binary::minimum:
      return zip(a, b, out, [](I x, I y) { return std::min(x, y); });
    case Binary::eq:
      return zip(a, b, out, [](I x, I y) { return I{x == y}; });
    case Binary::ne:
      return zip(a, b, out, [](I x, I y) { return I{x != y}; });
    case Binary::lt:
      return zip(a, b, out, [](I x, I y) { return I{x < y}; });
    case Binary::le:
      return zip(a, b, out, [](I x, I y) { return I{x <= y}; });
    case Binary::gt:
      return zip(a, b, out, [](I x, I y) { return I{x > y}; });
    case Binary::ge:
      return zip(a, b, out, [](I x, I y) { return I{x >= y}; });
    case Binary::add_scaled:
      if (alpha == std::trunc(alpha)) {
        I s = static_cast<I>(alpha);
        return zip(a, b, out, [s](I x, I y) { return x + s * y; });
      }
      return zip(a, b, out, [alpha](I x, I y) { return static_cast<I>(x + alpha * y); });
    case Binary::tanh_backward:
    case Binary::sigmoid_backward:
    case Binary::threshold_backward:
      break;
  }
  int64_unsupported(binary_name(op));
}

void unary_int64(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  // Scalars with no fraction act as integers (exact beyond 2^53); others go through double.
  const bool integral = a == std::trunc(a) && std::abs(a) < 9.2e18;
  const I ia = integral ? static_cast<I>(a) : 0;
  switch (op) {
    case Unary::neg:
      return map(x, out, [](I v) { return -v; });
    case Unary::abs:
      return map(x, out, [](I v) { return v < 0 ? -v : v; });
    case Unary::sign:
      return map(x, out, [](I v) { return I{v > 0} - I{v < 0}; });
    case Unary::relu:
      return map(x, out, [](I v) { return v > 0 ? v : 0; });
    case Unary::add_scalar:
      if (integral) return map(x, out, [ia](I v) { return v + ia; });
      return map(x, out, [a](I v) { return static_cast<I>(v + a); });
    case Unary::mul_scalar:
      if (integral) return map(x, out, [ia](I v) { return v * ia; });
      return map(x, out, [a](I v) { return static_cast<I>(v * a); });
    case Unary::rsub_scalar:
      if (integral) return map(x, out, [ia](I v) { return ia - v; });
      return map(x, out, [a](I v) { return static_cast<I>(a - v); });
    case Unary::rdiv_scalar:
      check_no_zero(x, "rdiv");
      if (integral) return map(x, out, [ia](I v) { return idiv(ia, v); });
      return map(x, out, [a](I v) { return static_cast<I>(a / v); });
    case Unary::pow_scalar:
      if (a == 2) return map(x, out, [](I v) { return v * v; });
      return map(x, out, [a](I v) { return ipow(v, a); });
    case Unary::rpow_scalar:
      return map(x, out, [a](I v) { return static_cast<I>(std::pow(a, static_cast<double>(v))); });
    case Unary::leaky_relu:
      return map(x, out, [a](I v) { return v > 0 ? v : static_cast<I>(a * v); });
    case Unary::clamp: {
      const I lo = to_bound(a, true), hi = to_bound(b, false);
      return map(x, out, [lo, hi](I v) { return std::min(std::max(v, lo), hi); });
    }
    // Compared in double, so 2 < 2.5 holds.
    case Unary::eq_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) == a}; });
    case Unary::ne_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) != a}; });
    case Unary::lt_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) < a}; });
    case Unary::le_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) <= a}; });
    case Unary::gt_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) > a}; });
    case Unary::ge_scalar:
      return map(x, out, [a](I v) { return I{static_cast<double>(v) >= a}; });
    case Unary::exp:
    case Unary::log:
    case Unary::sqrt:
    case Unary::tanh:
    case Unary::sigmoid:
    case Unary::softplus:
      break;
  }
  int64_unsupported(unary_name(op));
}

}  // namespace xgrad::kernels::cpu_detail
