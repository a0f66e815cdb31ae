// Unary ops on floats with scalar parameters: x + a, x * a, a - x, a / x, x ^ a, a ^ x,
// leaky_relu, clamp, and masks (0/1) of comparisons against a.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class T, class F>
void map(const Tensor& x, Tensor& out, F f) {
  const int64_t n = numel(out);
  auto ro = xrow(data<T>(out), n);
  xt::noalias(ro) = f(xrow(data<const T>(x), n));
}

template <class T>
void with_scalar(Unary op, const Tensor& x, Tensor& out, T a, T b) {
  switch (op) {
    case Unary::add_scalar:
      return map<T>(x, out, [a](const auto& v) { return v + a; });
    case Unary::mul_scalar:
      return map<T>(x, out, [a](const auto& v) { return v * a; });
    case Unary::rsub_scalar:
      return map<T>(x, out, [a](const auto& v) { return a - v; });
    case Unary::rdiv_scalar:
      return map<T>(x, out, [a](const auto& v) { return a / v; });
    case Unary::pow_scalar:
      // Squares (MSE) and square roots are common: exact and faster than pow.
      if (a == T(2)) return map<T>(x, out, [](const auto& v) { return v * v; });
      if (a == T(0.5)) return map<T>(x, out, [](const auto& v) { return xt::sqrt(v); });
      return map<T>(x, out, [a](const auto& v) { return xt::pow(v, a); });
    case Unary::rpow_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::pow(a, v); });
    case Unary::leaky_relu:
      return map<T>(x, out,
                    [a](const auto& v) { return xt::where(xt::greater(v, T(0)), v, a * v); });
    case Unary::clamp:
      return map<T>(x, out, [a, b](const auto& v) { return xt::minimum(xt::maximum(v, a), b); });
    case Unary::eq_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::equal(v, a)); });
    case Unary::ne_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::not_equal(v, a)); });
    case Unary::lt_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::less(v, a)); });
    case Unary::le_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::less_equal(v, a)); });
    case Unary::gt_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::greater(v, a)); });
    case Unary::ge_scalar:
      return map<T>(x, out, [a](const auto& v) { return xt::cast<T>(xt::greater_equal(v, a)); });
    default:
      break;
  }
}

}  // namespace

void unary_scalar(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (dtype(x) == Dtype::f32) {
    return with_scalar<float>(op, x, out, static_cast<float>(a), static_cast<float>(b));
  }
  with_scalar<double>(op, x, out, a, b);
}

}  // namespace xgrad::kernels::cpu_detail
