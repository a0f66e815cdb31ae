// Deterministic mode's elementwise and softmax kernels: the ops whose default kernels call xsimd's
// per-architecture math (exp, log, tanh, sigmoid, softplus, pow, softmax) evaluated instead
// through portable_math.hpp, in double, rounded once to the tensor's dtype. Plain loops over
// inlined branch-free functions: the compiler may vectorize them at any width and the bits stay
// the same. Sums use the fixed 16-lane order of lanes.hpp.
#include <algorithm>

#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/lanes.hpp"
#include "autograd/portable_math.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class T, class F>
void map(const T* __restrict x, T* __restrict out, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(f(static_cast<double>(x[i])));
}

template <class T>
bool unary_typed(Unary op, const Tensor& x, Tensor& out, double a) {
  const T* px = data<const T>(x);
  T* po = data<T>(out);
  const int64_t n = numel(out);
  switch (op) {
    case Unary::exp:
      return map(px, po, n, [](double v) { return pmath::exp(v); }), true;
    case Unary::log:
      return map(px, po, n, [](double v) { return pmath::log(v); }), true;
    case Unary::tanh:
      return map(px, po, n, [](double v) { return pmath::tanh(v); }), true;
    case Unary::sigmoid:
      return map(px, po, n, [](double v) { return pmath::sigmoid(v); }), true;
    case Unary::softplus:
      return map(px, po, n, [](double v) { return pmath::softplus(v); }), true;
    case Unary::pow_scalar:
      // x^2 and x^0.5 keep their exact default kernels (a multiply, a square root).
      if (a == 2.0 || a == 0.5) return false;
      return map(px, po, n, [a](double v) { return pmath::pow(v, a); }), true;
    case Unary::rpow_scalar:
      return map(px, po, n, [a](double v) { return pmath::pow(a, v); }), true;
    // IEEE-exact ops (one rounding of +, -, *, /, sqrt, or none): the default kernels are portable.
    case Unary::neg:
    case Unary::sqrt:
    case Unary::abs:
    case Unary::sign:
    case Unary::relu:
    case Unary::add_scalar:
    case Unary::mul_scalar:
    case Unary::rsub_scalar:
    case Unary::rdiv_scalar:
    case Unary::leaky_relu:
    case Unary::clamp:
    case Unary::eq_scalar:
    case Unary::ne_scalar:
    case Unary::lt_scalar:
    case Unary::le_scalar:
    case Unary::gt_scalar:
    case Unary::ge_scalar:
      return false;
  }
  return false;
}

template <class T>
void pow_broadcast(const Tensor& a, const Tensor& b, Tensor& out) {
  const T* pa = data<const T>(a);
  const T* pb = data<const T>(b);
  T* po = data<T>(out);
  const Shape* shapes[2] = {&shape(a), &shape(b)};
  const Broadcast<2> plan = broadcast(shape(out), shapes);
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      po[o + i] = static_cast<T>(pmath::pow(static_cast<double>(pa[off[0] + i * sa]),
                                            static_cast<double>(pb[off[1] + i * sb])));
  });
}

template <class T>
void softmax_rows(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool log) {
  constexpr int64_t kChunk = 256;
  T e[kChunk];
  double acc[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
      const int64_t c = std::min(kChunk, inner - i0);
      const T* first = x + o * n * inner + i0;
      T* ofirst = out + o * n * inner + i0;
      // max over n (exact), then sum of exp(x - max) over n in order, in double
      T mx[kChunk];
      std::copy(first, first + c, mx);
      for (int64_t j = 1; j < n; ++j)
        for (int64_t k = 0; k < c; ++k) mx[k] = better<true>(first[j * inner + k], mx[k]) ? first[j * inner + k] : mx[k];
      std::fill(acc, acc + c, 0.0);
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t k = 0; k < c; ++k) e[k] = static_cast<T>(pmath::exp(static_cast<double>(first[j * inner + k] - mx[k])));
        for (int64_t k = 0; k < c; ++k) acc[k] += e[k];
      }
      for (int64_t k = 0; k < c; ++k) acc[k] = log ? static_cast<double>(static_cast<T>(pmath::log(acc[k]))) : acc[k];
      // out may alias x: each element is read before it is written
      for (int64_t j = 0; j < n; ++j) {
        for (int64_t k = 0; k < c; ++k) {
          const T d = first[j * inner + k] - mx[k];
          ofirst[j * inner + k] = log ? d - static_cast<T>(acc[k])
                                      : static_cast<T>(pmath::exp(static_cast<double>(d))) / static_cast<T>(acc[k]);
        }
      }
    }
  }
}

// inner == 1: each row is contiguous; its sum takes the 16-lane order of sum_row.
template <class T>
void softmax_contiguous(const T* x, T* out, int64_t outer, int64_t n, bool log) {
  constexpr int64_t kChunk = 256;
  T e[kChunk];
  for (int64_t o = 0; o < outer; ++o) {
    const T* xr = x + o * n;
    T* orow = out + o * n;
    const T m = extreme_row<true>(xr, n);
    // sum_row's order across chunks (kChunk is a multiple of kLanes): 16 lanes, then the tail
    double lane[kLanes] = {};
    double tail = 0;
    for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
      const int64_t c = std::min(kChunk, n - i0);
      for (int64_t k = 0; k < c; ++k) e[k] = static_cast<T>(pmath::exp(static_cast<double>(xr[i0 + k] - m)));
      int64_t k = 0;
      for (; k + kLanes <= c; k += kLanes)
        for (int j = 0; j < kLanes; ++j) lane[j] += e[k + j];
      for (; k < c; ++k) tail += e[k];
    }
    double s = tail;
    for (int j = 0; j < kLanes; ++j) s += lane[j];
    if (log) {
      const T lse = static_cast<T>(pmath::log(s));
      for (int64_t i = 0; i < n; ++i) orow[i] = (xr[i] - m) - lse;
    } else {
      const T st = static_cast<T>(s);
      for (int64_t i = 0; i < n; ++i) orow[i] = static_cast<T>(pmath::exp(static_cast<double>(xr[i] - m))) / st;
    }
  }
}

}  // namespace

bool portable_unary(Unary op, const Tensor& x, Tensor& out, double a, double) {
  switch (dtype(x)) {
    case Dtype::f32:
      return unary_typed<float>(op, x, out, a);
    case Dtype::f64:
      return unary_typed<double>(op, x, out, a);
    case Dtype::i64:
      return false;  // integer arithmetic is exact
  }
  return false;
}

bool portable_binary(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  if (op != Binary::pow || numel(out) == 0) return false;  // the other binary ops are IEEE-exact
  switch (dtype(out)) {
    case Dtype::f32:
      return pow_broadcast<float>(a, b, out), true;
    case Dtype::f64:
      return pow_broadcast<double>(a, b, out), true;
    case Dtype::i64:
      return false;
  }
  return false;
}

void portable_softmax(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log) {
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if (inner == 1) return softmax_contiguous(data<const T>(x), data<T>(out), outer, n, log);
      softmax_rows(data<const T>(x), data<T>(out), outer, n, inner, log);
    }
  });
}

}  // namespace xgrad::kernels::cpu_detail
