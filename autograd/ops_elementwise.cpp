// Elementwise ops: each op's forward and, in the same function, its backward formula. Broadcasting
// backward sums the gradient down to each input's shape (sum_to).
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "autograd/op.hpp"

namespace xgrad {

using kernels::Binary;
using kernels::Unary;

namespace {

// A unary op whose derivative is a function of the output's gradient and one saved tensor (the
// input, the output, or none): derivative(grad, saved) gives the input's gradient.
enum class Keep { none, input, output };

template <class D>
Tensor unary(const char* op, Unary k, const Tensor& x, Keep keep, D derivative, double a = 0, double b = 0) {
  Tensor out = unary_kernel(op, k, x, a, b);
  if (Recorder r{op, out, {&x}}) {
    if (keep == Keep::none) {  // a smaller node: no saved slot
      r.backward([derivative](Grads& g) { g[0] = derivative(g.out, Tensor()); });
      return out;
    }
    SavedTensor s = keep == Keep::input ? r.save(x) : r.save_output();
    r.backward([s = std::move(s), derivative](Grads& g) { g[0] = derivative(g.out, g(s)); });
  }
  return out;
}

// Binary ops with broadcasting: the backward sums each input's gradient down to its shape. An
// input's shape is kept only when broadcasting made it differ from the output's: most ops do not
// broadcast, and a deep graph holds one node per op.
class KeptShape {
 public:
  KeptShape() = default;
  KeptShape(const Shape& input, const Shape& out) {
    if (!(input == out)) shape_ = std::make_unique<Shape>(input);
  }
  // The output's gradient summed down to the input's shape.
  friend Tensor sum_to(const Tensor& grad, const KeptShape& k) { return k.shape_ ? sum_to(grad, *k.shape_) : grad; }

 private:
  std::unique_ptr<Shape> shape_;
};
struct Shapes {
  KeptShape a, b;
};
// For an op whose output has the broadcast shape of a and b; pass the output's shape otherwise.
Shapes shapes_of(const Tensor& a, const Tensor& b, const Shape& out) { return {{a.shape(), out}, {b.shape(), out}}; }
Shapes shapes_of(const Tensor& a, const Tensor& b) {
  if (a.shape() == b.shape()) return {};
  return shapes_of(a, b, broadcast_shapes("broadcast", a.shape(), b.shape()));
}

Tensor compare(const char* op, Binary k, const Tensor& a, const Tensor& b) { return binary_kernel(op, k, a, b); }

}  // namespace

// ---- binary
Tensor add(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("add", Binary::add, a, b);
  if (Recorder r{"add", out, {&a, &b}})
    r.backward([s = shapes_of(a, b)](Grads& g) {
      if (g.needs(0)) g[0] = sum_to(g.out, s.a);
      if (g.needs(1)) g[1] = sum_to(g.out, s.b);
    });
  return out;
}
Tensor sub(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("sub", Binary::sub, a, b);
  if (Recorder r{"sub", out, {&a, &b}})
    r.backward([s = shapes_of(a, b)](Grads& g) {
      if (g.needs(0)) g[0] = sum_to(g.out, s.a);
      if (g.needs(1)) g[1] = sum_to(neg(g.out), s.b);
    });
  return out;
}
Tensor mul(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("mul", Binary::mul, a, b);
  if (Recorder r{"mul", out, {&a, &b}})
    r.backward([a = r.needs(1) ? r.save(a) : SavedTensor(), b = r.needs(0) ? r.save(b) : SavedTensor(),
                s = shapes_of(a, b)](Grads& g) {
      if (g.needs(0)) g[0] = sum_to(mul(g.out, g(b)), s.a);
      if (g.needs(1)) g[1] = sum_to(mul(g.out, g(a)), s.b);
    });
  return out;
}
Tensor div(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("div", Binary::div, a, b);
  if (Recorder r{"div", out, {&a, &b}})
    r.backward([a = r.save(a), b = r.save(b), s = shapes_of(a, b)](Grads& g) {
      Tensor bv = g(b);
      if (g.needs(0)) g[0] = sum_to(div(g.out, bv), s.a);
      if (g.needs(1)) g[1] = sum_to(neg(div(mul(g.out, g(a)), mul(bv, bv))), s.b);
    });
  return out;
}
Tensor pow(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("pow", Binary::pow, a, b);
  if (Recorder r{"pow", out, {&a, &b}})
    r.backward([a = r.save(a), b = r.save(b), s = shapes_of(a, b)](Grads& g) {
      Tensor av = g(a), bv = g(b);
      if (g.needs(0)) g[0] = sum_to(mul(g.out, mul(bv, pow(av, sub(bv, 1.0)))), s.a);
      if (g.needs(1)) {
        // d(a^b)/db = a^b log(a); taken as 0 where a <= 0 (no real logarithm), as PyTorch does at 0.
        Tensor safe_a = where(gt(av, 0.0), av, ones_like(av));
        g[1] = sum_to(mul(g.out, mul(pow(av, bv), log(safe_a))), s.b);
      }
    });
  return out;
}

namespace {
// maximum and minimum: the gradient goes to the chosen input; ties split it evenly, as PyTorch.
Tensor extremum(const char* op, Binary k, const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(op, k, a, b);
  if (Recorder r{op, out, {&a, &b}})
    r.backward([a = r.save(a), b = r.save(b), s = shapes_of(a, b), k](Grads& g) {
      Tensor av = g(a), bv = g(b);
      Tensor first = k == Binary::maximum ? gt(av, bv) : lt(av, bv);
      Tensor m = add(first, mul(eq(av, bv), 0.5));  // where a is taken
      if (g.needs(0)) g[0] = sum_to(mul(g.out, m), s.a);
      if (g.needs(1)) g[1] = sum_to(mul(g.out, rsub(1.0, m)), s.b);
    });
  return out;
}
}  // namespace
Tensor maximum(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return extremum("maximum", Binary::maximum, a, b);
}
Tensor minimum(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return extremum("minimum", Binary::minimum, a, b);
}

// grad * (1 - y^2); its own derivative, for higher-order gradients.
Tensor tanh_backward(const Tensor& grad, const Tensor& y, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("tanh_backward", Binary::tanh_backward, grad, y);
  if (Recorder r{"tanh_backward", out, {&grad, &y}})
    r.backward([grad = r.save(grad), y = r.save(y), s = shapes_of(grad, y)](Grads& g) {
      Tensor yv = g(y);
      if (g.needs(0)) g[0] = sum_to(tanh_backward(g.out, yv), s.a);
      if (g.needs(1)) g[1] = sum_to(mul(mul(g.out, g(grad)), mul(yv, -2.0)), s.b);
    });
  return out;
}
// grad * y * (1 - y)
Tensor sigmoid_backward(const Tensor& grad, const Tensor& y, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("sigmoid_backward", Binary::sigmoid_backward, grad, y);
  if (Recorder r{"sigmoid_backward", out, {&grad, &y}})
    r.backward([grad = r.save(grad), y = r.save(y), s = shapes_of(grad, y)](Grads& g) {
      Tensor yv = g(y);
      if (g.needs(0)) g[0] = sum_to(sigmoid_backward(g.out, yv), s.a);
      if (g.needs(1)) g[1] = sum_to(mul(mul(g.out, g(grad)), rsub(1.0, mul(yv, 2.0))), s.b);
    });
  return out;
}
// x > 0 ? grad : slope * grad: linear in grad, piecewise constant in x (no gradient for x).
Tensor threshold_backward(const Tensor& grad, const Tensor& x, double slope, Where loc) {
  CallSite site(loc);
  Tensor out = binary_kernel("threshold_backward", Binary::threshold_backward, grad, x, slope);
  if (Recorder r{"threshold_backward", out, {&grad, &x}})
    r.backward([x = r.save(x), s = shapes_of(grad, x), slope](Grads& g) {
      if (g.needs(0)) g[0] = sum_to(threshold_backward(g.out, g(x), slope), s.a);
      // A zero tensor, not none: the second derivative of relu is defined (zero), as in PyTorch.
      if (g.needs(1)) g[1] = sum_to(zeros_like(g.out), s.b);
    });
  return out;
}

Tensor eq(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("eq", Binary::eq, a, b);
}
Tensor ne(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("ne", Binary::ne, a, b);
}
Tensor lt(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("lt", Binary::lt, a, b);
}
Tensor le(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("le", Binary::le, a, b);
}
Tensor gt(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("gt", Binary::gt, a, b);
}
Tensor ge(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  return compare("ge", Binary::ge, a, b);
}
Tensor eq(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("eq", Unary::eq_scalar, a, s);
}
Tensor ne(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("ne", Unary::ne_scalar, a, s);
}
Tensor lt(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("lt", Unary::lt_scalar, a, s);
}
Tensor le(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("le", Unary::le_scalar, a, s);
}
Tensor gt(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("gt", Unary::gt_scalar, a, s);
}
Tensor ge(const Tensor& a, double s, Where loc) {
  CallSite site(loc);
  return unary_kernel("ge", Unary::ge_scalar, a, s);
}

// ---- with a scalar. Each line: the op, what backward keeps, and the input's gradient from
// (g = the output's gradient, v = what was kept).
namespace {
using T = const Tensor&;
}
Tensor add(T a, double s, Where loc) {
  CallSite site(loc);
  check_int64_scalar("add", a, s);
  return unary(
      "add", Unary::add_scalar, a, Keep::none, [](T g, T) { return g; }, s);
}
Tensor sub(T a, double s, Where loc) {
  CallSite site(loc);
  check_int64_scalar("sub", a, s);
  return add(a, -s);
}
Tensor rsub(double s, T a, Where loc) {
  CallSite site(loc);
  check_int64_scalar("rsub", a, s);
  return unary(
      "rsub", Unary::rsub_scalar, a, Keep::none, [](T g, T) { return neg(g); }, s);
}
Tensor mul(T a, double s, Where loc) {
  CallSite site(loc);
  check_int64_scalar("mul", a, s);
  return unary("mul", Unary::mul_scalar, a, Keep::none, [s](T g, T) { return mul(g, s); }, s);
}
Tensor div(T a, double s, Where loc) {
  CallSite site(loc);
  check_defined("div", a);
  if (!is_floating(a.dtype())) fail("div", "dividing an int64 tensor by a scalar would truncate; convert it first");
  return mul(a, 1.0 / s);
}
// d(s / x)/dx = -s / x^2
Tensor rdiv(double s, T a, Where loc) {
  CallSite site(loc);
  return unary("rdiv", Unary::rdiv_scalar, a, Keep::input, [s](T g, T x) { return neg(div(mul(g, s), mul(x, x))); }, s);
}
Tensor pow(T a, double e, Where loc) {
  CallSite site(loc);
  return unary("pow", Unary::pow_scalar, a, Keep::input,
               [e](T g, T x) { return e == 0.0 ? zeros_like(g) : mul(g, mul(pow(x, e - 1.0), e)); }, e);
}
Tensor pow(double base, T e, Where loc) {
  CallSite site(loc);
  if (base <= 0) fail("pow", "a scalar base must be positive for a differentiable power, got " + std::to_string(base));
  return unary("pow", Unary::rpow_scalar, e, Keep::output,
               [base](T g, T y) { return mul(g, mul(y, std::log(base))); }, base);
}

// ---- unary
Tensor neg(T x, Where loc) {
  CallSite site(loc);
  return unary("neg", Unary::neg, x, Keep::none, [](T g, T) { return neg(g); });
}
Tensor exp(T x, Where loc) {
  CallSite site(loc);
  return unary("exp", Unary::exp, x, Keep::output, [](T g, T y) { return mul(g, y); });
}
Tensor expm1(T x, Where loc) {
  CallSite site(loc);
  return unary("expm1", Unary::expm1, x, Keep::output, [](T g, T y) { return add(mul(g, y), g); });
}
Tensor log(T x, Where loc) {
  CallSite site(loc);
  return unary("log", Unary::log, x, Keep::input, [](T g, T x) { return div(g, x); });
}
Tensor log1p(T x, Where loc) {
  CallSite site(loc);
  return unary("log1p", Unary::log1p, x, Keep::input, [](T g, T x) { return div(g, add(x, 1.0)); });
}
Tensor sqrt(T x, Where loc) {
  CallSite site(loc);
  return unary("sqrt", Unary::sqrt, x, Keep::output, [](T g, T y) { return div(g, mul(y, 2.0)); });
}
Tensor abs(T x, Where loc) {
  CallSite site(loc);
  return unary("abs", Unary::abs, x, Keep::input, [](T g, T x) { return mul(g, sign(x)); });
}
Tensor sign(T x, Where loc) {
  CallSite site(loc);
  return unary("sign", Unary::sign, x, Keep::none, [](T g, T) { return zeros_like(g); });
}
Tensor sin(T x, Where loc) {
  CallSite site(loc);
  return unary("sin", Unary::sin, x, Keep::input, [](T g, T x) { return mul(g, cos(x)); });
}
Tensor cos(T x, Where loc) {
  CallSite site(loc);
  return unary("cos", Unary::cos, x, Keep::input, [](T g, T x) { return neg(mul(g, sin(x))); });
}
// d erf(x)/dx = 2/sqrt(pi) e^(-x^2)
Tensor erf(T x, Where loc) {
  CallSite site(loc);
  return unary("erf", Unary::erf, x, Keep::input, [](T g, T x) { return mul(g, mul(exp(neg(mul(x, x))), M_2_SQRTPI)); });
}
Tensor tanh(T x, Where loc) {
  CallSite site(loc);
  return unary("tanh", Unary::tanh, x, Keep::output, [](T g, T y) { return tanh_backward(g, y); });
}
Tensor sigmoid(T x, Where loc) {
  CallSite site(loc);
  return unary("sigmoid", Unary::sigmoid, x, Keep::output, [](T g, T y) { return sigmoid_backward(g, y); });
}
// The output is > 0 exactly where the input is.
Tensor relu(T x, Where loc) {
  CallSite site(loc);
  return unary("relu", Unary::relu, x, Keep::output,
               [](T g, T y) { return threshold_backward(g, y, 0.0); });
}
Tensor leaky_relu(T x, double slope, Where loc) {
  CallSite site(loc);
  return unary("leaky_relu", Unary::leaky_relu, x, Keep::input,
               [slope](T g, T x) { return threshold_backward(g, x, slope); }, slope);
}
Tensor softplus(T x, Where loc) {
  CallSite site(loc);
  return unary("softplus", Unary::softplus, x, Keep::input,
               [](T g, T x) { return mul(g, sigmoid(x)); });
}
// gelu(x) = x Phi(x): d/dx = Phi(x) + x phi(x), phi the normal density. With tanh: y = x (1 + t) / 2,
// t = tanh(u), u = b (x + k x^3): d/dx = (1 + t) / 2 + x (1 - t^2) b (1 + 3 k x^2) / 2.
Tensor gelu(T x, std::string_view approximate, Where loc) {
  CallSite site(loc);
  if (approximate == "none")
    return unary("gelu", Unary::gelu, x, Keep::input, [](T g, T x) {
      Tensor cdf = mul(add(erf(mul(x, M_SQRT1_2)), 1.0), 0.5);
      Tensor pdf = mul(exp(mul(mul(x, x), -0.5)), 0.5 * M_2_SQRTPI * M_SQRT1_2);
      return mul(g, add(cdf, mul(x, pdf)));
    });
  if (approximate == "tanh")
    return unary("gelu", Unary::gelu_tanh, x, Keep::input, [](T g, T x) {
      constexpr double b = M_SQRT2 * M_2_SQRTPI * 0.5, k = 0.044715;
      Tensor x2 = mul(x, x);
      Tensor t = tanh(mul(mul(x, add(mul(x2, k), 1.0)), b));
      Tensor du = mul(add(mul(x2, 3.0 * k), 1.0), b);
      return mul(g, mul(add(add(t, 1.0), mul(x, tanh_backward(du, t))), 0.5));
    });
  fail("gelu", "approximate must be \"none\" or \"tanh\", got \"" + std::string(approximate) + "\"");
}
// silu(x) = x s(x), s = sigmoid: d/dx = s (1 + x (1 - s)).
Tensor silu(T x, Where loc) {
  CallSite site(loc);
  return unary("silu", Unary::silu, x, Keep::input, [](T g, T x) {
    Tensor s = sigmoid(x);
    return mul(g, mul(s, add(mul(x, rsub(1.0, s)), 1.0)));
  });
}
// elu(x) = x > 0 ? x : a (e^x - 1): d/dx = 1 for x > 0, else a e^x.
Tensor elu(T x, double alpha, Where loc) {
  CallSite site(loc);
  return unary("elu", Unary::elu, x, Keep::input,
               [alpha](T g, T x) { return where(gt(x, 0.0), g, mul(g, mul(exp(x), alpha))); }, alpha);
}
Tensor clamp(T x, std::optional<double> lo, std::optional<double> hi, Where loc) {
  CallSite site(loc);
  constexpr double inf = std::numeric_limits<double>::infinity();
  double a = lo.value_or(-inf), b = hi.value_or(inf);
  if (a > b) fail("clamp", "min " + std::to_string(a) + " is greater than max " + std::to_string(b));
  return unary("clamp", Unary::clamp, x, Keep::input, [a, b](T g, T x) { return mul(g, mul(ge(x, a), le(x, b))); }, a, b);
}

namespace {
Tensor clamped_log(const Tensor& x) { return clamp(log(x), -100.0, std::nullopt); }
}  // namespace

// Composing clamp and log would give 0 * inf = NaN at p = 0 or 1: the backward is PyTorch's
// formula instead, with its float epsilon.
Tensor binary_cross_entropy_elementwise(const Tensor& p, const Tensor& y, Where loc) {
  CallSite site(loc);
  Tensor out;
  {
    NoGradGuard no_grad;
    out = sub(mul(sub(y, 1.0), clamped_log(rsub(1.0, p))), mul(y, clamped_log(p)));
  }
  if (Recorder r{"binary_cross_entropy", out, {&p, &y}})
    r.backward([p = r.save(p), y = r.save(y)](Grads& g) {
      constexpr double kEpsilon = 1e-12f;
      Tensor pv = g(p), yv = g(y);
      if (g.needs(0)) g[0] = div(mul(g.out, sub(pv, yv)), clamp(mul(rsub(1.0, pv), pv), kEpsilon, std::nullopt));
      if (g.needs(1)) g[1] = mul(g.out, sub(clamped_log(rsub(1.0, pv)), clamped_log(pv)));
    });
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  const char* op = "where";
  check_defined(op, cond);
  check_defined(op, a);
  check_defined(op, b);
  check_same_dtype(op, a, b);
  check_same_device(op, cond, a);
  check_same_device(op, a, b);
  if (cond.requires_grad()) fail(op, "the condition must not require grad");
  Shape s = broadcast_shapes(op, broadcast_shapes(op, cond.shape(), a.shape()), b.shape());
  Tensor out = make_tensor(s, a.dtype(), a.device());
  kernels_for(a, op).where(cond, a, b, out);
  if (Recorder r{op, out, {&cond, &a, &b}})
    r.backward([cond = r.save(cond), s = shapes_of(a, b, out.shape())](Grads& g) {
      Tensor c = g(cond), z = zeros_like(g.out);
      if (g.needs(1)) g[1] = sum_to(where(c, g.out, z), s.a);
      if (g.needs(2)) g[2] = sum_to(where(c, z, g.out), s.b);
    });
  return out;
}

// ---- methods
Tensor Tensor::pow(double e, Where loc) const {
  return xgrad::pow(*this, e, loc);  // the op opens the call site
}
Tensor Tensor::exp(Where loc) const {
  return xgrad::exp(*this, loc);  // the op opens the call site
}
Tensor Tensor::log(Where loc) const {
  return xgrad::log(*this, loc);  // the op opens the call site
}
Tensor Tensor::sqrt(Where loc) const {
  return xgrad::sqrt(*this, loc);  // the op opens the call site
}
Tensor Tensor::abs(Where loc) const {
  return xgrad::abs(*this, loc);  // the op opens the call site
}
Tensor Tensor::tanh(Where loc) const {
  return xgrad::tanh(*this, loc);  // the op opens the call site
}
Tensor Tensor::sigmoid(Where loc) const {
  return xgrad::sigmoid(*this, loc);  // the op opens the call site
}
Tensor Tensor::relu(Where loc) const {
  return xgrad::relu(*this, loc);  // the op opens the call site
}
Tensor Tensor::neg(Where loc) const {
  return xgrad::neg(*this, loc);  // the op opens the call site
}

}  // namespace xgrad
