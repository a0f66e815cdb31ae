// Elementwise ops: each op's forward dispatch beside its backward formula. Broadcasting
// backward sums the gradient down to each input's shape (sum_to).
#include <cmath>
#include <limits>

#include "autograd/op.hpp"

namespace xgrad {

using kernels::Binary;
using kernels::Unary;

namespace {

Tensor masked_zero_like(const Tensor& g) { return zeros_like(g); }

// ---- binary ops with broadcasting

void add_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  if (n.needs_input_grad(0)) gi[0] = sum_to(g, n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(g, n.shape[1]);
}
void sub_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  if (n.needs_input_grad(0)) gi[0] = sum_to(g, n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(neg(g), n.shape[1]);
}
void mul_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  if (n.needs_input_grad(0)) gi[0] = sum_to(mul(g, n.saved(1)), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(mul(g, n.saved(0)), n.shape[1]);
}
void div_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor b = n.saved(1);
  if (n.needs_input_grad(0)) gi[0] = sum_to(div(g, b), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(neg(div(mul(g, n.saved(0)), mul(b, b))), n.shape[1]);
}
void pow_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor a = n.saved(0), b = n.saved(1);
  if (n.needs_input_grad(0)) gi[0] = sum_to(mul(g, mul(b, pow(a, sub(b, 1.0)))), n.shape[0]);
  if (n.needs_input_grad(1)) {
    // d(a^b)/db = a^b log(a); taken as 0 where a <= 0 (no real logarithm), as PyTorch does at 0.
    Tensor safe_a = where(gt(a, 0.0), a, ones_like(a));
    gi[1] = sum_to(mul(g, mul(pow(a, b), log(safe_a))), n.shape[1]);
  }
}
// Ties split the gradient evenly, as PyTorch does.
void maximum_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor a = n.saved(0), b = n.saved(1);
  Tensor m = add(gt(a, b), mul(eq(a, b), 0.5));
  if (n.needs_input_grad(0)) gi[0] = sum_to(mul(g, m), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(mul(g, rsub(1.0, m)), n.shape[1]);
}
void minimum_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor a = n.saved(0), b = n.saved(1);
  Tensor m = add(lt(a, b), mul(eq(a, b), 0.5));
  if (n.needs_input_grad(0)) gi[0] = sum_to(mul(g, m), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(mul(g, rsub(1.0, m)), n.shape[1]);
}
// out = grad * (1 - y^2)
void tanh_backward_backward(OpNode& n, const Tensor& gg, std::vector<Tensor>& gi) {
  Tensor grad = n.saved(0), y = n.saved(1);
  if (n.needs_input_grad(0)) gi[0] = sum_to(tanh_backward(gg, y), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(mul(mul(gg, grad), mul(y, -2.0)), n.shape[1]);
}
// out = grad * y * (1 - y)
void sigmoid_backward_backward(OpNode& n, const Tensor& gg, std::vector<Tensor>& gi) {
  Tensor grad = n.saved(0), y = n.saved(1);
  if (n.needs_input_grad(0)) gi[0] = sum_to(sigmoid_backward(gg, y), n.shape[0]);
  if (n.needs_input_grad(1)) gi[1] = sum_to(mul(mul(gg, grad), rsub(1.0, mul(y, 2.0))), n.shape[1]);
}
// out = x > 0 ? grad : slope * grad; piecewise linear in grad, constant in x.
void threshold_backward_backward(OpNode& n, const Tensor& gg, std::vector<Tensor>& gi) {
  if (n.needs_input_grad(0)) gi[0] = sum_to(threshold_backward(gg, n.saved(1), n.scalar[0]), n.shape[0]);
}

Tensor binary(const char* op, Binary k, BackwardFn fn, const Tensor& a, const Tensor& b, bool save_inputs,
              double alpha = 0) {
  Tensor out = binary_kernel(op, k, a, b, alpha);
  if (auto* n = record(op, fn, out, {&a, &b})) {
    n->shape[0] = a.shape();
    n->shape[1] = b.shape();
    n->scalar[0] = alpha;
    if (save_inputs) {
      n->save(0, a);
      n->save(1, b);
    }
  }
  return out;
}

Tensor floating_binary(const char* op, Binary k, BackwardFn fn, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_floating(op, a);
  return binary(op, k, fn, a, b, true);
}

Tensor compare(const char* op, Binary k, const Tensor& a, const Tensor& b) { return binary_kernel(op, k, a, b); }

// ---- unary ops

void neg_backward(OpNode&, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = neg(g); }
void exp_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = mul(g, n.saved(0)); }
void log_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = div(g, n.saved(0)); }
void sqrt_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = div(g, mul(n.saved(0), 2.0));
}
void abs_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = mul(g, sign(n.saved(0))); }
void zero_backward(OpNode&, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = masked_zero_like(g); }
void tanh_op_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = tanh_backward(g, n.saved(0));
}
void sigmoid_op_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = sigmoid_backward(g, n.saved(0));
}
void relu_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = threshold_backward(g, n.saved(0), 0.0);  // the output is > 0 exactly where the input is
}
void leaky_relu_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = threshold_backward(g, n.saved(0), n.scalar[0]);
}
void softplus_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = mul(g, sigmoid(n.saved(0)));
}
void clamp_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor x = n.saved(0);
  gi[0] = mul(g, mul(ge(x, n.scalar[0]), le(x, n.scalar[1])));
}
void identity_backward(OpNode&, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = g; }
void mul_scalar_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) { gi[0] = mul(g, n.scalar[0]); }
// d(a / x)/dx = -a / x^2 = -out / x
void rdiv_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = neg(div(mul(g, n.saved(1)), n.saved(0)));
}
void pow_scalar_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  double e = n.scalar[0];
  gi[0] = e == 0.0 ? zeros_like(g) : mul(g, mul(pow(n.saved(0), e - 1.0), e));
}
void rpow_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  gi[0] = mul(g, mul(n.saved(0), std::log(n.scalar[0])));
}

enum class Save { none, input, output, both };

Tensor unary(const char* op, Unary k, BackwardFn fn, const Tensor& x, Save save, double a = 0, double b = 0) {
  Tensor out = unary_kernel(op, k, x, a, b);
  if (auto* n = record(op, fn, out, {&x})) {
    n->scalar[0] = a;
    n->scalar[1] = b;
    if (save == Save::input) n->save(0, x);
    if (save == Save::output) n->save_output(0, out);
    if (save == Save::both) {
      n->save(0, x);
      n->save_output(1, out);
    }
  }
  return out;
}

Tensor floating_unary(const char* op, Unary k, BackwardFn fn, const Tensor& x, Save save, double a = 0,
                      double b = 0) {
  check_defined(op, x);
  check_floating(op, x);
  return unary(op, k, fn, x, save, a, b);
}

}  // namespace

// ---- binary
Tensor add(const Tensor& a, const Tensor& b) { return binary("add", Binary::add, add_backward, a, b, false); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary("sub", Binary::sub, sub_backward, a, b, false); }
Tensor mul(const Tensor& a, const Tensor& b) {
  bool need = GradMode::is_enabled() && a.defined() && b.defined() && (a.requires_grad() || b.requires_grad());
  return binary("mul", Binary::mul, mul_backward, a, b, need);
}
Tensor div(const Tensor& a, const Tensor& b) { return binary("div", Binary::div, div_backward, a, b, true); }
Tensor pow(const Tensor& a, const Tensor& b) { return floating_binary("pow", Binary::pow, pow_backward, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) {
  return binary("maximum", Binary::maximum, maximum_backward, a, b, true);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return binary("minimum", Binary::minimum, minimum_backward, a, b, true);
}
Tensor tanh_backward(const Tensor& grad, const Tensor& y) {
  return floating_binary("tanh_backward", Binary::tanh_backward, tanh_backward_backward, grad, y);
}
Tensor sigmoid_backward(const Tensor& grad, const Tensor& y) {
  return floating_binary("sigmoid_backward", Binary::sigmoid_backward, sigmoid_backward_backward, grad, y);
}
Tensor threshold_backward(const Tensor& grad, const Tensor& x, double slope) {
  return binary("threshold_backward", Binary::threshold_backward, threshold_backward_backward, grad, x, true, slope);
}

Tensor eq(const Tensor& a, const Tensor& b) { return compare("eq", Binary::eq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare("ne", Binary::ne, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare("lt", Binary::lt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return compare("le", Binary::le, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare("gt", Binary::gt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare("ge", Binary::ge, a, b); }
Tensor eq(const Tensor& a, double s) { return unary_kernel("eq", Unary::eq_scalar, a, s); }
Tensor ne(const Tensor& a, double s) { return unary_kernel("ne", Unary::ne_scalar, a, s); }
Tensor lt(const Tensor& a, double s) { return unary_kernel("lt", Unary::lt_scalar, a, s); }
Tensor le(const Tensor& a, double s) { return unary_kernel("le", Unary::le_scalar, a, s); }
Tensor gt(const Tensor& a, double s) { return unary_kernel("gt", Unary::gt_scalar, a, s); }
Tensor ge(const Tensor& a, double s) { return unary_kernel("ge", Unary::ge_scalar, a, s); }

// ---- with a scalar
Tensor add(const Tensor& a, double s) { return unary("add", Unary::add_scalar, identity_backward, a, Save::none, s); }
Tensor sub(const Tensor& a, double s) { return add(a, -s); }
Tensor rsub(double s, const Tensor& a) { return unary("rsub", Unary::rsub_scalar, neg_backward, a, Save::none, s); }
Tensor mul(const Tensor& a, double s) {
  return unary("mul", Unary::mul_scalar, mul_scalar_backward, a, Save::none, s);
}
Tensor div(const Tensor& a, double s) {
  check_defined("div", a);
  if (!is_floating(a.dtype())) fail("div", "dividing an int64 tensor by a scalar would truncate; convert it first");
  return mul(a, 1.0 / s);
}
Tensor rdiv(double s, const Tensor& a) {
  return floating_unary("rdiv", Unary::rdiv_scalar, rdiv_backward, a, Save::both, s);
}
Tensor pow(const Tensor& a, double e) {
  return floating_unary("pow", Unary::pow_scalar, pow_scalar_backward, a, Save::input, e);
}
Tensor pow(double base, const Tensor& e) {
  if (base <= 0) fail("pow", "a scalar base must be positive for a differentiable power, got " + std::to_string(base));
  return floating_unary("pow", Unary::rpow_scalar, rpow_backward, e, Save::output, base);
}

// ---- unary
Tensor neg(const Tensor& x) { return unary("neg", Unary::neg, neg_backward, x, Save::none); }
Tensor exp(const Tensor& x) { return floating_unary("exp", Unary::exp, exp_backward, x, Save::output); }
Tensor log(const Tensor& x) { return floating_unary("log", Unary::log, log_backward, x, Save::input); }
Tensor sqrt(const Tensor& x) { return floating_unary("sqrt", Unary::sqrt, sqrt_backward, x, Save::output); }
Tensor abs(const Tensor& x) { return unary("abs", Unary::abs, abs_backward, x, Save::input); }
Tensor sign(const Tensor& x) { return unary("sign", Unary::sign, zero_backward, x, Save::none); }
Tensor tanh(const Tensor& x) { return floating_unary("tanh", Unary::tanh, tanh_op_backward, x, Save::output); }
Tensor sigmoid(const Tensor& x) {
  return floating_unary("sigmoid", Unary::sigmoid, sigmoid_op_backward, x, Save::output);
}
Tensor relu(const Tensor& x) { return unary("relu", Unary::relu, relu_backward, x, Save::output); }
Tensor leaky_relu(const Tensor& x, double slope) {
  return floating_unary("leaky_relu", Unary::leaky_relu, leaky_relu_backward, x, Save::input, slope);
}
Tensor softplus(const Tensor& x) {
  return floating_unary("softplus", Unary::softplus, softplus_backward, x, Save::input);
}
Tensor clamp(const Tensor& x, std::optional<double> lo, std::optional<double> hi) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double a = lo.value_or(-inf), b = hi.value_or(inf);
  if (a > b) fail("clamp", "min " + std::to_string(a) + " is greater than max " + std::to_string(b));
  return unary("clamp", Unary::clamp, clamp_backward, x, Save::input, a, b);
}

namespace {
void where_backward(OpNode& n, const Tensor& g, std::vector<Tensor>& gi) {
  Tensor cond = n.saved(0), z = zeros_like(g);
  if (n.needs_input_grad(1)) gi[1] = sum_to(where(cond, g, z), n.shape[0]);
  if (n.needs_input_grad(2)) gi[2] = sum_to(where(cond, z, g), n.shape[1]);
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
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
  if (auto* n = record(op, where_backward, out, {&cond, &a, &b})) {
    n->save(0, cond);
    n->shape[0] = a.shape();
    n->shape[1] = b.shape();
  }
  return out;
}

// ---- operators
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double s) { return add(a, s); }
Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
Tensor operator/(const Tensor& a, double s) { return div(a, s); }
Tensor operator+(double s, const Tensor& a) { return add(a, s); }
Tensor operator-(double s, const Tensor& a) { return rsub(s, a); }
Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
Tensor operator/(double s, const Tensor& a) { return rdiv(s, a); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, double s) { return a.add_(s); }
Tensor& operator-=(Tensor& a, double s) { return a.add_(-s); }
Tensor& operator*=(Tensor& a, double s) { return a.mul_(s); }
Tensor& operator/=(Tensor& a, double s) { return a.mul_(1.0 / s); }

// ---- methods
Tensor Tensor::pow(double e) const { return xgrad::pow(*this, e); }
Tensor Tensor::exp() const { return xgrad::exp(*this); }
Tensor Tensor::log() const { return xgrad::log(*this); }
Tensor Tensor::sqrt() const { return xgrad::sqrt(*this); }
Tensor Tensor::abs() const { return xgrad::abs(*this); }
Tensor Tensor::tanh() const { return xgrad::tanh(*this); }
Tensor Tensor::sigmoid() const { return xgrad::sigmoid(*this); }
Tensor Tensor::relu() const { return xgrad::relu(*this); }
Tensor Tensor::neg() const { return xgrad::neg(*this); }

}  // namespace xgrad
