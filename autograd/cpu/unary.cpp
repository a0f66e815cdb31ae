// The CPU form of every op of XGRAD_UNARY_OPS (kernels.hpp): one functor per op, named after it,
// and the `unary` entry, whose switch is generated from the list. Floats run the functor's
// xtensor expression (xsimd's math, per-CPU code paths); in deterministic mode an op with a
// `portable` form runs that instead, on portable_math.hpp in double, rounded once (the others
// round once in IEEE arithmetic already, so their default kernel is portable). int64 runs the
// op's int64_math.hpp form (int64.cpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "autograd/cpu/elementwise.hpp"
#include "autograd/cpu/parallel.hpp"
#include "autograd/portable_math.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class T, class F>
void map(const Tensor& x, Tensor& out, F f) {
  const T* px = data<const T>(x);
  T* po = data<T>(out);
  parallel_range(numel(out), [&](int64_t begin, int64_t n) { assign_lanes(po + begin, n, f, px + begin); });
}

// Each functor: apply(v, a, b), the expression of a row v with the scalars as T (taken by
// reference: xtensor keeps lvalue scalars by reference); portable(x, a, b) where present.
namespace fn {
struct neg {
  static auto apply(const auto& v, const auto&, const auto&) { return -v; }
};
struct exp {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::exp(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::exp(x); }
};
struct expm1 {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::expm1(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::expm1(x); }
};
struct log {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::log(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::log(x); }
};
struct log1p {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::log1p(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::log1p(x); }
};
struct sqrt {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::sqrt(v); }
};
struct abs {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::abs(v); }
};
struct sign {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::sign(v); }
};
// portable_math's sin and cos cover |x| < 1.6e6 (NaN beyond): deterministic mode refuses more.
struct sin {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::sin(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::sin(x); }
  static constexpr double kPortableRange = 1647099.0;
};
struct cos {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::cos(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::cos(x); }
  static constexpr double kPortableRange = 1647099.0;
};
struct erf {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::erf(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::erf(x); }
};
struct tanh {
  static auto apply(const auto& v, const auto&, const auto&) { return xt::tanh(v); }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::tanh(x); }
};
// exp(-x) overflows to inf for x << 0, giving 1 / inf = 0: the right limit, no NaN.
struct sigmoid {
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return T(1) / (T(1) + xt::exp(-v));
  }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::sigmoid(x); }
};
struct relu {
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return xt::maximum(v, T(0));
  }
};
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
struct softplus {
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return xt::maximum(v, T(0)) + xt::log1p(xt::exp(-xt::abs(v)));
  }
  [[gnu::always_inline]] static double portable(double x, double, double) { return pmath::softplus(x); }
};
// x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
struct gelu {
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return T(0.5) * v * (T(1) + xt::erf(v * T(M_SQRT1_2)));
  }
  [[gnu::always_inline]] static double portable(double x, double, double) { return 0.5 * x * (1.0 + pmath::erf(x * M_SQRT1_2)); }
};
// x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2
struct gelu_tanh {
  static constexpr double kBeta = M_SQRT2 * M_2_SQRTPI * 0.5, kKappa = 0.044715;
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return T(0.5) * v * (T(1) + xt::tanh(T(kBeta) * (v + T(kKappa) * v * v * v)));
  }
  [[gnu::always_inline]] static double portable(double x, double, double) {
    return 0.5 * x * (1.0 + pmath::tanh(kBeta * (x + kKappa * x * x * x)));
  }
};
// x / (1 + e^-x)
struct silu {
  template <class V, class T>
  static auto apply(const V& v, const T&, const T&) {
    return v / (T(1) + xt::exp(-v));
  }
  [[gnu::always_inline]] static double portable(double x, double, double) { return x / (1.0 + pmath::exp(-x)); }
};
// x > 0 ? x : a (e^x - 1)
struct elu {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::where(xt::greater(v, T(0)), v, a * xt::expm1(v));
  }
  [[gnu::always_inline]] static double portable(double x, double a, double) { return x > 0.0 ? x : a * pmath::expm1(x); }
};
struct add_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return v + a; }
};
struct mul_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return v * a; }
};
struct rsub_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return a - v; }
};
struct rdiv_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return a / v; }
};
struct pow_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return xt::pow(v, a); }
  [[gnu::always_inline]] static double portable(double x, double a, double) { return pmath::pow(x, a); }
  // Squares (MSE), their gradients (x^1), reciprocals and square roots are common: one IEEE
  // operation, so exact (and portable) where xsimd's pow is off by an ulp or so, and faster.
  template <class T>
  static bool shortcut(const Tensor& x, Tensor& out, const T& a) {
    if (a == T(1)) return std::copy_n(data<const T>(x), numel(x), data<T>(out)), true;
    if (a == T(-1)) return map<T>(x, out, [](const auto& v) { return T(1) / v; }), true;
    if (a == T(2)) return map<T>(x, out, [](const auto& v) { return v * v; }), true;
    if (a == T(0.5)) return map<T>(x, out, [](const auto& v) { return xt::sqrt(v); }), true;
    return false;
  }
};
struct rpow_scalar {
  static auto apply(const auto& v, const auto& a, const auto&) { return xt::pow(a, v); }
  [[gnu::always_inline]] static double portable(double x, double a, double) { return pmath::pow(a, x); }
};
struct leaky_relu {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::where(xt::greater(v, T(0)), v, a * v);
  }
};
struct clamp {
  static auto apply(const auto& v, const auto& a, const auto& b) { return xt::minimum(xt::maximum(v, a), b); }
};
struct eq_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::equal(v, a));
  }
};
struct ne_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::not_equal(v, a));
  }
};
struct lt_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::less(v, a));
  }
};
struct le_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::less_equal(v, a));
  }
};
struct gt_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::greater(v, a));
  }
};
struct ge_scalar {
  template <class V, class T>
  static auto apply(const V& v, const T& a, const T&) {
    return xt::cast<T>(xt::greater_equal(v, a));
  }
};
}  // namespace fn

// Deterministic mode's form: a plain loop the compiler may vectorize at any width.
template <class F, class T>
void portable(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  const T* __restrict px = data<const T>(x);
  T* __restrict po = data<T>(out);
  const int64_t n = numel(out);
  if constexpr (requires { F::kPortableRange; }) {
    for (int64_t i = 0; i < n; ++i)
      if (std::abs(static_cast<double>(px[i])) >= F::kPortableRange && std::isfinite(px[i]))
        throw Error(std::string(name(op)) + ": deterministic mode computes it for |x| < " +
                    std::to_string(F::kPortableRange) + ", got " + std::to_string(static_cast<double>(px[i])));
  }
  parallel_range(n, [&](int64_t begin, int64_t count) {
    for (int64_t i = begin; i < begin + count; ++i)
      po[i] = static_cast<T>(F::portable(static_cast<double>(px[i]), a, b));
  });
}

template <class F, class T>
void run_float(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  const T ta = static_cast<T>(a), tb = static_cast<T>(b);
  if constexpr (requires { F::shortcut(x, out, ta); }) {
    if (F::shortcut(x, out, ta)) return;
  }
  if constexpr (requires { F::portable(0.0, 0.0, 0.0); }) {
    if (is_deterministic()) return portable<F, T>(op, x, out, a, b);
  }
  map<T>(x, out, [&](const auto& v) { return F::apply(v, ta, tb); });
}

template <class F>
void run(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  switch (dtype(x)) {
    case kFloat32:
      return run_float<F, float>(op, x, out, a, b);
    case kFloat64:
      return run_float<F, double>(op, x, out, a, b);
    case kInt64:
      break;
  }
}

}  // namespace

void unary(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (dtype(x) == kInt64) return unary_int64(op, x, out, a, b);
  switch (op) {
#define XGRAD_CPU_UNARY_CASE(name, int64, scalars) \
  case Unary::name:                                \
    return run<fn::name>(op, x, out, a, b);
    XGRAD_UNARY_OPS(XGRAD_CPU_UNARY_CASE)
#undef XGRAD_CPU_UNARY_CASE
  }
}

}  // namespace xgrad::kernels::cpu_detail
