// Elementwise binary kernels and where, with NumPy broadcasting of the inputs to out's shape.
// float32/float64 compute in T (alpha as T). int64 follows the CPU kernels: division truncates
// and by zero is an error, an integral alpha acts as an integer, the fused backward primitives
// are refused.
#include <cmath>

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

template <class T>
__device__ __forceinline__ T float_value(Binary op, T a, T b, T alpha) {
  switch (op) {
    case Binary::add:
      return a + b;
    case Binary::sub:
      return a - b;
    case Binary::mul:
      return a * b;
    case Binary::div:
      return a / b;
    case Binary::pow:
      return math::pow(a, b);
    case Binary::maximum:
      return a < b ? b : a;
    case Binary::minimum:
      return b < a ? b : a;
    case Binary::eq:
      return static_cast<T>(a == b);
    case Binary::ne:
      return static_cast<T>(a != b);
    case Binary::lt:
      return static_cast<T>(a < b);
    case Binary::le:
      return static_cast<T>(a <= b);
    case Binary::gt:
      return static_cast<T>(a > b);
    case Binary::ge:
      return static_cast<T>(a >= b);
    case Binary::add_scaled:
      return a + alpha * b;
    case Binary::tanh_backward:
      return a * (T(1) - b * b);
    case Binary::sigmoid_backward:
      return a * b * (T(1) - b);
    case Binary::threshold_backward:
      return b > T(0) ? a : alpha * a;
  }
  return a;
}

using I = int64_t;

struct Int64Alpha {
  double alpha;
  bool integral;  // alpha has no fraction: use ialpha
  I ialpha;
};

__device__ __forceinline__ I int64_value(Binary op, I a, I b, Int64Alpha s) {
  switch (op) {
    case Binary::add:
      return a + b;
    case Binary::sub:
      return a - b;
    case Binary::mul:
      return a * b;
    case Binary::div:  // INT64_MIN / -1 wraps, as on the CPU
      return b == -1 ? static_cast<I>(0 - static_cast<uint64_t>(a)) : a / b;
    case Binary::pow:
      return static_cast<I>(::pow(static_cast<double>(a), static_cast<double>(b)));
    case Binary::maximum:
      return a < b ? b : a;
    case Binary::minimum:
      return b < a ? b : a;
    case Binary::eq:
      return I{a == b};
    case Binary::ne:
      return I{a != b};
    case Binary::lt:
      return I{a < b};
    case Binary::le:
      return I{a <= b};
    case Binary::gt:
      return I{a > b};
    case Binary::ge:
      return I{a >= b};
    case Binary::add_scaled:
      return s.integral ? a + s.ialpha * b
                        : static_cast<I>(static_cast<double>(a) + s.alpha * static_cast<double>(b));
    default:
      return a;  // fused backward primitives: refused on the host
  }
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
  Int64Alpha alpha;
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

const char* fused_name(Binary op) {
  switch (op) {
    case Binary::tanh_backward:
      return "tanh_backward";
    case Binary::sigmoid_backward:
      return "sigmoid_backward";
    case Binary::threshold_backward:
      return "threshold_backward";
    default:
      return nullptr;
  }
}

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
      if (const char* name = fused_name(op)) int64_unsupported(name);
      if (op == Binary::div) check_no_zero_divisor(b, "div");
      bool integral = alpha == std::trunc(alpha) && std::abs(alpha) < 9.2e18;
      Int64Alpha s_alpha{alpha, integral, integral ? static_cast<I>(alpha) : 0};
      launch_strided("binary", s, out.numel(),
                     Int64Fn{op, data_of<I>(a), data_of<I>(b), data_of<I>(out), s_alpha});
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
