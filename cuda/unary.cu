// Elementwise unary kernels (x and out have one shape), one per dtype, switching on the op per
// element: the switch is generated from XGRAD_UNARY_OPS. float32/float64 compute in T with the
// scalars as T; int64 runs int64_math.hpp, as the CPU does; integer division by zero is an error.
#include <cmath>

#include "autograd/int64_math.hpp"

#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

// The CUDA form of each op of XGRAD_UNARY_OPS (kernels.hpp) on floats: a device function named
// after it. x is the input, a and b the scalars as T.
namespace fn {
template <class T>
__device__ __forceinline__ T neg(T x, T, T) { return -x; }
template <class T>
__device__ __forceinline__ T exp(T x, T, T) { return math::exp(x); }
template <class T>
__device__ __forceinline__ T expm1(T x, T, T) { return math::expm1(x); }
template <class T>
__device__ __forceinline__ T log(T x, T, T) { return math::log(x); }
template <class T>
__device__ __forceinline__ T log1p(T x, T, T) { return math::log1p(x); }
template <class T>
__device__ __forceinline__ T sqrt(T x, T, T) { return math::sqrt(x); }
template <class T>
__device__ __forceinline__ T abs(T x, T, T) { return math::fabs(x); }
template <class T>
__device__ __forceinline__ T sign(T x, T, T) { return static_cast<T>((x > T(0)) - (x < T(0))); }
template <class T>
__device__ __forceinline__ T sin(T x, T, T) { return math::sin(x); }
template <class T>
__device__ __forceinline__ T cos(T x, T, T) { return math::cos(x); }
template <class T>
__device__ __forceinline__ T erf(T x, T, T) { return math::erf(x); }
template <class T>
__device__ __forceinline__ T tanh(T x, T, T) { return math::tanh(x); }
template <class T>
__device__ __forceinline__ T sigmoid(T x, T, T) { return T(1) / (T(1) + math::exp(-x)); }
template <class T>
__device__ __forceinline__ T relu(T x, T, T) { return x > T(0) ? x : T(0); }
template <class T>  // max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|
__device__ __forceinline__ T softplus(T x, T, T) {
  return (x > T(0) ? x : T(0)) + math::log1p(math::exp(-math::fabs(x)));
}
template <class T>  // x Phi(x)
__device__ __forceinline__ T gelu(T x, T, T) { return T(0.5) * x * (T(1) + math::erf(x * T(M_SQRT1_2))); }
template <class T>  // x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) / 2
__device__ __forceinline__ T gelu_tanh(T x, T, T) {
  constexpr T kBeta = T(M_SQRT2 * M_2_SQRTPI * 0.5), kKappa = T(0.044715);
  return T(0.5) * x * (T(1) + math::tanh(kBeta * (x + kKappa * x * x * x)));
}
template <class T>
__device__ __forceinline__ T silu(T x, T, T) { return x / (T(1) + math::exp(-x)); }
template <class T>  // x > 0 ? x : a (e^x - 1)
__device__ __forceinline__ T elu(T x, T a, T) { return x > T(0) ? x : a * math::expm1(x); }
template <class T>
__device__ __forceinline__ T add_scalar(T x, T a, T) { return x + a; }
template <class T>
__device__ __forceinline__ T mul_scalar(T x, T a, T) { return x * a; }
template <class T>
__device__ __forceinline__ T rsub_scalar(T x, T a, T) { return a - x; }
template <class T>
__device__ __forceinline__ T rdiv_scalar(T x, T a, T) { return a / x; }
template <class T>
__device__ __forceinline__ T pow_scalar(T x, T a, T) { return math::pow(x, a); }
template <class T>
__device__ __forceinline__ T rpow_scalar(T x, T a, T) { return math::pow(a, x); }
template <class T>
__device__ __forceinline__ T leaky_relu(T x, T a, T) { return x > T(0) ? x : a * x; }
template <class T>
__device__ __forceinline__ T clamp(T x, T a, T b) {
  T y = x < a ? a : x;
  return y > b ? b : y;
}
template <class T>
__device__ __forceinline__ T eq_scalar(T x, T a, T) { return static_cast<T>(x == a); }
template <class T>
__device__ __forceinline__ T ne_scalar(T x, T a, T) { return static_cast<T>(x != a); }
template <class T>
__device__ __forceinline__ T lt_scalar(T x, T a, T) { return static_cast<T>(x < a); }
template <class T>
__device__ __forceinline__ T le_scalar(T x, T a, T) { return static_cast<T>(x <= a); }
template <class T>
__device__ __forceinline__ T gt_scalar(T x, T a, T) { return static_cast<T>(x > a); }
template <class T>
__device__ __forceinline__ T ge_scalar(T x, T a, T) { return static_cast<T>(x >= a); }
}  // namespace fn

template <class T>
struct FloatFn {
  Unary op;
  T a, b;

  __device__ __forceinline__ T operator()(T x) const {
    switch (op) {
#define XGRAD_CUDA_UNARY_CASE(name, int64, scalars) \
  case Unary::name:                                 \
    return fn::name(x, a, b);
      XGRAD_UNARY_OPS(XGRAD_CUDA_UNARY_CASE)
#undef XGRAD_CUDA_UNARY_CASE
    }
    return x;
  }
};

using I = int64_t;

// int64: the op's int64_math.hpp form (shared with the CPU); the floats-only ops are refused on the
// host before launching.
#define XGRAD_CUDA_INT64_any(name) \
  case Unary::name:                \
    return int64_math::unary::name(x, s);
#define XGRAD_CUDA_INT64_floats(name) \
  case Unary::name:                   \
    break;
#define XGRAD_CUDA_INT64_CASE(name, int64, scalars) XGRAD_CUDA_INT64_##int64(name)

struct Int64Fn {
  Unary op;
  int64_math::Scalars s;

  __device__ __forceinline__ I operator()(I x) const {
    switch (op) { XGRAD_UNARY_OPS(XGRAD_CUDA_INT64_CASE) }
    return x;
  }
};

template <class T, class F>
__global__ void unary_kernel(F fn, const T* x, T* out, int64_t n) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) out[i] = fn(x[i]);
}

void unary_int64(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  if (!on_int64(op)) int64_unsupported(name(op));
  if (op == Unary::rdiv_scalar) check_no_zero_divisor(x, "rdiv");
  int64_t n = out.numel();
  launch("unary", unary_kernel<I, Int64Fn>, grid_for(n), kThreads, Int64Fn{op, int64_math::scalars(a, b)},
         data_of<I>(x), data_of<I>(out), n);
}

}  // namespace

void unary(Unary op, const Tensor& x, Tensor& out, double a, double b) {
  int64_t n = out.numel();
  if (n == 0) return;
  switch (out.dtype()) {
    case kFloat32:
      launch("unary", unary_kernel<float, FloatFn<float>>, grid_for(n), kThreads,
             FloatFn<float>{op, static_cast<float>(a), static_cast<float>(b)}, data_of<float>(x),
             data_of<float>(out), n);
      break;
    case kFloat64:
      launch("unary", unary_kernel<double, FloatFn<double>>, grid_for(n), kThreads,
             FloatFn<double>{op, a, b}, data_of<double>(x), data_of<double>(out), n);
      break;
    case kInt64:
      unary_int64(op, x, out, a, b);
      break;
  }
}

}  // namespace xgrad::cuda::kernels
