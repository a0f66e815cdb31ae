// Unary math on floats (neg, exp, log, sqrt, abs, sign, tanh, sigmoid, relu, softplus), and the
// `unary` entry that routes every Unary op to its file.
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
void math(Unary op, const Tensor& x, Tensor& out) {
  switch (op) {
    case Unary::neg:
      return map<T>(x, out, [](const auto& v) { return -v; });
    case Unary::exp:
      return map<T>(x, out, [](const auto& v) { return xt::exp(v); });
    case Unary::log:
      return map<T>(x, out, [](const auto& v) { return xt::log(v); });
    case Unary::sqrt:
      return map<T>(x, out, [](const auto& v) { return xt::sqrt(v); });
    case Unary::abs:
      return map<T>(x, out, [](const auto& v) { return xt::abs(v); });
    case Unary::sign:
      return map<T>(x, out, [](const auto& v) { return xt::sign(v); });
    case Unary::tanh:
      return map<T>(x, out, [](const auto& v) { return xt::tanh(v); });
    case Unary::sigmoid:
      // exp(-x) overflows to inf for x << 0, giving 1 / inf = 0: the right limit, no NaN.
      return map<T>(x, out, [](const auto& v) { return T(1) / (T(1) + xt::exp(-v)); });
    case Unary::relu:
      return map<T>(x, out, [](const auto& v) { return xt::maximum(v, T(0)); });
    case Unary::softplus:
      // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows.
      return map<T>(x, out, [](const auto& v) {
        return xt::maximum(v, T(0)) + xt::log1p(xt::exp(-xt::abs(v)));
      });
    default:
      break;
  }
}

}  // namespace

void unary(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (is_deterministic() && portable_unary(op, x, out, a, b)) return;
  if (dtype(x) == Dtype::i64) return unary_int64(op, x, out, a, b);
  if (op >= Unary::add_scalar) return unary_scalar(op, x, out, a, b);
  if (dtype(x) == Dtype::f32) return math<float>(op, x, out);
  math<double>(op, x, out);
}

}  // namespace xgrad::kernels::cpu_detail
