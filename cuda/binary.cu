// Elementwise binary kernels and where, with NumPy broadcasting of the inputs to out's shape.
// The op switches are generated from XGRAD_BINARY_OPS. float32/float64 compute in T (alpha as T);
// int64 runs int64_math.hpp, as the CPU does; integer division by zero is an error.
#include <cmath>

#include "autograd/int64_math.hpp"

#include "cuda/allocator.hpp"
#include "cuda/kernels.hpp"
#include "cuda/strided.cuh"

namespace xgrad::cuda {
namespace {

__global__ void find_zero_kernel(const int64_t* x, int64_t n, int* found) {
  for (int64_t i = thread_index(); i < n; i += thread_stride())
    if (x[i] == 0) *found = 1;
}

}  // namespace

void check_no_zero_divisor(const Tensor& divisor, const char* op) {
  int64_t n = divisor.numel();
  if (n == 0) return;
  DeviceBuffer flag(sizeof(int), op);
  int found = 0;
  XGRAD_CUDA_CHECK(op, cudaMemset, flag.get(), 0, sizeof(int));
  launch(op, find_zero_kernel, grid_for(n), kThreads, data_of<int64_t>(divisor), n,
         static_cast<int*>(flag.get()));
  XGRAD_CUDA_CHECK(op, cudaMemcpy, &found, flag.get(), sizeof(int), cudaMemcpyDeviceToHost);
  if (found) throw Error(std::string(op) + ": integer division by zero");
}

}  // namespace xgrad::cuda

namespace xgrad::cuda::kernels {
namespace {

// The CUDA form of each op of XGRAD_BINARY_OPS (kernels.hpp) on floats: a device function named
// after it, with alpha as T.
namespace fn {
template <class T>
__device__ __forceinline__ T add(T a, T b, T) { return a + b; }
template <class T>
__device__ __forceinline__ T sub(T a, T b, T) { return a - b; }
template <class T>
__device__ __forceinline__ T mul(T a, T b, T) { return a * b; }
template <class T>
__device__ __forceinline__ T div(T a, T b, T) { return a / b; }
template <class T>
__device__ __forceinline__ T pow(T a, T b, T) { return math::pow(a, b); }
template <class T>
__device__ __forceinline__ T maximum(T a, T b, T) { return a < b ? b : a; }
template <class T>
__device__ __forceinline__ T minimum(T a, T b, T) { return b < a ? b : a; }
template <class T>
__device__ __forceinline__ T eq(T a, T b, T) { return static_cast<T>(a == b); }
template <class T>
__device__ __forceinline__ T ne(T a, T b, T) { return static_cast<T>(a != b); }
template <class T>
__device__ __forceinline__ T lt(T a, T b, T) { return static_cast<T>(a < b); }
template <class T>
__device__ __forceinline__ T le(T a, T b, T) { return static_cast<T>(a <= b); }
template <class T>
__device__ __forceinline__ T gt(T a, T b, T) { return static_cast<T>(a > b); }
template <class T>
__device__ __forceinline__ T ge(T a, T b, T) { return static_cast<T>(a >= b); }
template <class T>
__device__ __forceinline__ T add_scaled(T a, T b, T alpha) { return a + alpha * b; }
template <class T>  // a = grad, b = tanh's output
__device__ __forceinline__ T tanh_backward(T a, T b, T) { return a * (T(1) - b * b); }
template <class T>  // a = grad, b = sigmoid's output
__device__ __forceinline__ T sigmoid_backward(T a, T b, T) { return a * b * (T(1) - b); }
template <class T>  // a = grad, b = the input
__device__ __forceinline__ T threshold_backward(T a, T b, T alpha) { return b > T(0) ? a : alpha * a; }
}  // namespace fn

template <class T>
__device__ __forceinline__ T float_value(Binary op, T a, T b, T alpha) {
  switch (op) {
#define XGRAD_CUDA_BINARY_CASE(name, int64, scalars) \
  case Binary::name:                                 \
    return fn::name(a, b, alpha);
    XGRAD_BINARY_OPS(XGRAD_CUDA_BINARY_CASE)
#undef XGRAD_CUDA_BINARY_CASE
  }
  return a;
}

using I = int64_t;

// int64: the op's int64_math.hpp form (shared with the CPU); floats-only ops are refused on the
// host before launching.
#define XGRAD_CUDA_INT64_any(name) \
  case Binary::name:               \
    return int64_math::binary::name(a, b, s);
#define XGRAD_CUDA_INT64_floats(name) \
  case Binary::name:                  \
    break;
#define XGRAD_CUDA_INT64_CASE(name, int64, scalars) XGRAD_CUDA_INT64_##int64(name)

__device__ __forceinline__ I int64_value(Binary op, I a, I b, const int64_math::Scalars& s) {
  switch (op) { XGRAD_BINARY_OPS(XGRAD_CUDA_INT64_CASE) }
  return a;
}

template <class T>
struct FloatFn {
  Binary op;
  const T* a;
  const T* b;
  T* out;
  T alpha;
  template <class Idx>
  __device__ __forceinline__ void operator()(Idx i, const Idx (&off)[2]) const {
    out[i] = float_value(op, a[off[0]], b[off[1]], alpha);
  }
};

struct Int64Fn {
  Binary op;
  const I* a;
  const I* b;
  I* out;
  int64_math::Scalars alpha;
  template <class Idx>
  __device__ __forceinline__ void operator()(Idx i, const Idx (&off)[2]) const {
    out[i] = int64_value(op, a[off[0]], b[off[1]], alpha);
  }
};

template <class C, class T>
struct WhereFn {
  const C* cond;
  const T* a;
  const T* b;
  T* out;
  template <class Idx>
  __device__ __forceinline__ void operator()(Idx i, const Idx (&off)[3]) const {
    out[i] = cond[off[0]] != C(0) ? a[off[1]] : b[off[2]];
  }
};

}  // namespace

void binary(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  auto s = broadcast_strides<2>(out.shape(), {&a.shape(), &b.shape()});
  switch (out.dtype()) {
    case Dtype::f32:
      launch_strided("binary", s, out.numel(),
                     FloatFn<float>{op, data_of<float>(a), data_of<float>(b), data_of<float>(out),
                                    static_cast<float>(alpha)});
      break;
    case Dtype::f64:
      launch_strided(
          "binary", s, out.numel(),
          FloatFn<double>{op, data_of<double>(a), data_of<double>(b), data_of<double>(out), alpha});
      break;
    case Dtype::i64: {
      if (!on_int64(op)) int64_unsupported(name(op));
      if (op == Binary::div) check_no_zero_divisor(b, "div");
      launch_strided("binary", s, out.numel(),
                     Int64Fn{op, data_of<I>(a), data_of<I>(b), data_of<I>(out), int64_math::scalars(alpha, 0)});
      break;
    }
  }
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  auto s = broadcast_strides<3>(out.shape(), {&cond.shape(), &a.shape(), &b.shape()});
  dispatch(cond.dtype(), [&](auto cond_tag) {
    using C = decltype(cond_tag);
    dispatch_bits(out.dtype(), [&](auto tag) {  // the choice only moves elements
      using W = decltype(tag);
      WhereFn<C, W> fn{data_of<C>(cond), data_of<W>(a), data_of<W>(b), data_of<W>(out)};
      launch_strided("where", s, out.numel(), fn);
    });
  });
}

}  // namespace xgrad::cuda::kernels
