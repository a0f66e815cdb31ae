// Elementwise unary kernels (x and out have one shape): math, scalar arithmetic, masks.
// float32/float64 compute in T with the scalars as T. int64 follows the CPU kernels: integral
// scalars act as integers, others go through double; clamp bounds round inwards; masks compare
// in double; division by zero is an error; transcendental functions are refused.
#include <cmath>
#include <limits>

#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

template <class T>
struct FloatFn {
  Unary op;
  T a, b;

  __device__ __forceinline__ T operator()(T x) const {
    switch (op) {
      case Unary::neg:
        return -x;
      case Unary::exp:
        return math::exp(x);
      case Unary::log:
        return math::log(x);
      case Unary::sqrt:
        return math::sqrt(x);
      case Unary::abs:
        return math::fabs(x);
      case Unary::sign:
        return static_cast<T>((x > T(0)) - (x < T(0)));
      case Unary::tanh:
        return math::tanh(x);
      case Unary::sigmoid:
        return T(1) / (T(1) + math::exp(-x));
      case Unary::relu:
        return x > T(0) ? x : T(0);
      case Unary::softplus:  // max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|
        return (x > T(0) ? x : T(0)) + math::log1p(math::exp(-math::fabs(x)));
      case Unary::add_scalar:
        return x + a;
      case Unary::mul_scalar:
        return x * a;
      case Unary::rsub_scalar:
        return a - x;
      case Unary::rdiv_scalar:
        return a / x;
      case Unary::pow_scalar:
        return math::pow(x, a);
      case Unary::rpow_scalar:
        return math::pow(a, x);
      case Unary::leaky_relu:
        return x > T(0) ? x : a * x;
      case Unary::clamp: {
        T y = x < a ? a : x;
        return y > b ? b : y;
      }
      case Unary::eq_scalar:
        return static_cast<T>(x == a);
      case Unary::ne_scalar:
        return static_cast<T>(x != a);
      case Unary::lt_scalar:
        return static_cast<T>(x < a);
      case Unary::le_scalar:
        return static_cast<T>(x <= a);
      case Unary::gt_scalar:
        return static_cast<T>(x > a);
      case Unary::ge_scalar:
        return static_cast<T>(x >= a);
    }
    return x;
  }
};

using I = int64_t;

// INT64_MIN / -1 would trap on the CPU: both devices negate with wrap-around instead.
__device__ __forceinline__ I idiv(I x, I y) {
  return y == -1 ? static_cast<I>(0 - static_cast<uint64_t>(x)) : x / y;
}

struct Int64Fn {
  Unary op;
  double a;
  bool integral;  // a has no fraction: use ia
  I ia;
  I lo, hi;  // clamp bounds

  __device__ __forceinline__ I operator()(I x) const {
    double dx = static_cast<double>(x);
    switch (op) {
      case Unary::neg:
        return -x;
      case Unary::abs:
        return x < 0 ? -x : x;
      case Unary::sign:
        return I{x > 0} - I{x < 0};
      case Unary::relu:
        return x > 0 ? x : 0;
      case Unary::add_scalar:
        return integral ? x + ia : static_cast<I>(dx + a);
      case Unary::mul_scalar:
        return integral ? x * ia : static_cast<I>(dx * a);
      case Unary::rsub_scalar:
        return integral ? ia - x : static_cast<I>(a - dx);
      case Unary::rdiv_scalar:
        return integral ? idiv(ia, x) : static_cast<I>(a / dx);
      case Unary::pow_scalar:
        return a == 2 ? x * x : static_cast<I>(::pow(dx, a));
      case Unary::rpow_scalar:
        return static_cast<I>(::pow(a, dx));
      case Unary::leaky_relu:
        return x > 0 ? x : static_cast<I>(a * dx);
      case Unary::clamp:
        return x < lo ? lo : (x > hi ? hi : x);
      case Unary::eq_scalar:
        return I{dx == a};
      case Unary::ne_scalar:
        return I{dx != a};
      case Unary::lt_scalar:
        return I{dx < a};
      case Unary::le_scalar:
        return I{dx <= a};
      case Unary::gt_scalar:
        return I{dx > a};
      case Unary::ge_scalar:
        return I{dx >= a};
      default:
        return x;  // transcendental: refused on the host
    }
  }
};

template <class T, class F>
__global__ void unary_kernel(F fn, const T* x, T* out, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = fn(x[i]);
}

// A double clamp bound as an int64 bound, rounded inwards and saturating (as the CPU does).
I to_bound(double v, bool lower) {
  if (std::isnan(v)) return lower ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
  double r = lower ? std::ceil(v) : std::floor(v);
  if (r <= -9.2233720368547758e18) return std::numeric_limits<I>::min();
  if (r >= 9.2233720368547758e18) return std::numeric_limits<I>::max();
  return static_cast<I>(r);
}

const char* transcendental_name(Unary op) {
  switch (op) {
    case Unary::exp:
      return "exp";
    case Unary::log:
      return "log";
    case Unary::sqrt:
      return "sqrt";
    case Unary::tanh:
      return "tanh";
    case Unary::sigmoid:
      return "sigmoid";
    case Unary::softplus:
      return "softplus";
    default:
      return nullptr;
  }
}

void unary_int64(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (const char* name = transcendental_name(op)) int64_unsupported(name);
  if (op == Unary::rdiv_scalar) check_no_zero_divisor(x, "rdiv");
  bool integral = a == std::trunc(a) && std::abs(a) < 9.2e18;
  Int64Fn fn{
      op, a, integral, integral ? static_cast<I>(a) : 0, to_bound(a, true), to_bound(b, false)};
  int64_t n = out.numel();
  launch("unary", unary_kernel<I, Int64Fn>, grid_for(n), kThreads, fn, data_of<I>(x),
         data_of<I>(out), n);
}

}  // namespace

void unary(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  int64_t n = out.numel();
  if (n == 0) return;
  switch (out.dtype()) {
    case Dtype::f32:
      launch("unary", unary_kernel<float, FloatFn<float>>, grid_for(n), kThreads,
             FloatFn<float>{op, static_cast<float>(a), static_cast<float>(b)}, data_of<float>(x),
             data_of<float>(out), n);
      break;
    case Dtype::f64:
      launch("unary", unary_kernel<double, FloatFn<double>>, grid_for(n), kThreads,
             FloatFn<double>{op, a, b}, data_of<double>(x), data_of<double>(out), n);
      break;
    case Dtype::i64:
      unary_int64(op, x, out, a, b);
      break;
  }
}

}  // namespace xgrad::cuda::kernels
