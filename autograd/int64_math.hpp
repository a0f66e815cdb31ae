// The int64 form of every elementwise op whose int64 column in kernels.hpp is `any`, shared by the
// CPU kernels and the CUDA kernels (compiled for the host and for the device), so both devices give
// the same integers. Division truncates toward zero as in C++, INT64_MIN / -1 wraps instead of
// trapping, a scalar with no fraction acts as an integer (exact beyond 2^53) and any other scalar
// goes through double, clamp bounds round inwards, and masks compare in double (2 < 2.5 holds).
// Division by zero is checked by the kernels before they run. Internal to the kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#ifdef __CUDACC__
#define XGRAD_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define XGRAD_HOST_DEVICE inline
#endif

namespace xgrad::int64_math {

using I = int64_t;

// x / y truncated; INT64_MIN / -1 negates in unsigned arithmetic (wraps) instead of trapping.
XGRAD_HOST_DEVICE I idiv(I x, I y) { return y == -1 ? static_cast<I>(0 - static_cast<uint64_t>(x)) : x / y; }

// base^e for an integer exponent, exact (by squaring; wraps on overflow like any int64 product),
// never through double: CUDA's pow(19.0, 3.0) is 6858.999..., which truncates to 6858. A negative
// exponent gives 1/base^-e truncated, as PyTorch's integer pow does: 1 for base 1, +-1 for base -1,
// else 0 (base 0 too).
XGRAD_HOST_DEVICE I ipow(I base, I e) {
  if (e < 0) return base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
  uint64_t result = 1, b = static_cast<uint64_t>(base);
  for (uint64_t k = static_cast<uint64_t>(e); k != 0; k >>= 1) {
    if (k & 1) result *= b;
    b *= b;
  }
  return static_cast<I>(result);
}

// A double as an int64, truncated and saturating (NaN gives 0): pow with a fractional exponent.
XGRAD_HOST_DEVICE I saturate(double v) {
  if (v != v) return 0;
  if (v <= -9.2233720368547758e18) return std::numeric_limits<I>::min();
  if (v >= 9.2233720368547758e18) return std::numeric_limits<I>::max();
  return static_cast<I>(v);
}

// A double bound as an int64 bound, rounded inwards and saturating (clamp passes -inf or +inf for
// a one-sided bound, and NaN for none).
XGRAD_HOST_DEVICE I to_bound(double v, bool lower) {
  if (v != v) return lower ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
  return saturate(lower ? ::ceil(v) : ::floor(v));
}

// The scalars of one kernel call, prepared once on the host.
struct Scalars {
  double a = 0;
  bool integral = false;  // a has no fraction and fits: ia is a
  I ia = 0;
  I lo = 0, hi = 0;  // clamp's bounds
};
inline Scalars scalars(double a, double b) {
  Scalars s;
  s.a = a;
  s.integral = a == std::trunc(a) && std::abs(a) < 9.2e18;
  s.ia = s.integral ? static_cast<I>(a) : 0;
  s.lo = to_bound(a, true);
  s.hi = to_bound(b, false);
  return s;
}

// One function per `any` op of XGRAD_UNARY_OPS, named after it.
namespace unary {
XGRAD_HOST_DEVICE I neg(I x, const Scalars&) { return -x; }
XGRAD_HOST_DEVICE I abs(I x, const Scalars&) { return x < 0 ? -x : x; }
XGRAD_HOST_DEVICE I sign(I x, const Scalars&) { return I{x > 0} - I{x < 0}; }
XGRAD_HOST_DEVICE I relu(I x, const Scalars&) { return x > 0 ? x : 0; }
XGRAD_HOST_DEVICE I add_scalar(I x, const Scalars& s) { return s.integral ? x + s.ia : static_cast<I>(x + s.a); }
XGRAD_HOST_DEVICE I mul_scalar(I x, const Scalars& s) { return s.integral ? x * s.ia : static_cast<I>(x * s.a); }
XGRAD_HOST_DEVICE I rsub_scalar(I x, const Scalars& s) { return s.integral ? s.ia - x : static_cast<I>(s.a - x); }
XGRAD_HOST_DEVICE I rdiv_scalar(I x, const Scalars& s) {
  return s.integral ? idiv(s.ia, x) : static_cast<I>(s.a / static_cast<double>(x));
}
XGRAD_HOST_DEVICE I pow_scalar(I x, const Scalars& s) {
  return s.integral ? ipow(x, s.ia) : saturate(::pow(static_cast<double>(x), s.a));
}
XGRAD_HOST_DEVICE I rpow_scalar(I x, const Scalars& s) {
  return s.integral ? ipow(s.ia, x) : saturate(::pow(s.a, static_cast<double>(x)));
}
XGRAD_HOST_DEVICE I leaky_relu(I x, const Scalars& s) { return x > 0 ? x : static_cast<I>(s.a * x); }
XGRAD_HOST_DEVICE I clamp(I x, const Scalars& s) { return x < s.lo ? s.lo : (x > s.hi ? s.hi : x); }
XGRAD_HOST_DEVICE I eq_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) == s.a}; }
XGRAD_HOST_DEVICE I ne_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) != s.a}; }
XGRAD_HOST_DEVICE I lt_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) < s.a}; }
XGRAD_HOST_DEVICE I le_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) <= s.a}; }
XGRAD_HOST_DEVICE I gt_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) > s.a}; }
XGRAD_HOST_DEVICE I ge_scalar(I x, const Scalars& s) { return I{static_cast<double>(x) >= s.a}; }
}  // namespace unary

// One function per `any` op of XGRAD_BINARY_OPS; s holds alpha as `a`.
namespace binary {
XGRAD_HOST_DEVICE I add(I x, I y, const Scalars&) { return x + y; }
XGRAD_HOST_DEVICE I sub(I x, I y, const Scalars&) { return x - y; }
XGRAD_HOST_DEVICE I mul(I x, I y, const Scalars&) { return x * y; }
XGRAD_HOST_DEVICE I div(I x, I y, const Scalars&) { return idiv(x, y); }
XGRAD_HOST_DEVICE I pow(I x, I y, const Scalars&) { return ipow(x, y); }
XGRAD_HOST_DEVICE I maximum(I x, I y, const Scalars&) { return x < y ? y : x; }
XGRAD_HOST_DEVICE I minimum(I x, I y, const Scalars&) { return y < x ? y : x; }
XGRAD_HOST_DEVICE I eq(I x, I y, const Scalars&) { return I{x == y}; }
XGRAD_HOST_DEVICE I ne(I x, I y, const Scalars&) { return I{x != y}; }
XGRAD_HOST_DEVICE I lt(I x, I y, const Scalars&) { return I{x < y}; }
XGRAD_HOST_DEVICE I le(I x, I y, const Scalars&) { return I{x <= y}; }
XGRAD_HOST_DEVICE I gt(I x, I y, const Scalars&) { return I{x > y}; }
XGRAD_HOST_DEVICE I ge(I x, I y, const Scalars&) { return I{x >= y}; }
XGRAD_HOST_DEVICE I add_scaled(I x, I y, const Scalars& s) {
  return s.integral ? x + s.ia * y : static_cast<I>(static_cast<double>(x) + s.a * static_cast<double>(y));
}
}  // namespace binary

}  // namespace xgrad::int64_math
