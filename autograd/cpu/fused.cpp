// Fused backward primitives on floats (tanh, sigmoid, threshold), with NumPy broadcasting: one
// pass over memory where the composed ops would take three.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// a = incoming gradient, b = the forward output (tanh, sigmoid) or input (threshold).
struct TanhBackward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a * (T(1) - b * b);
  }
};
struct SigmoidBackward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a * b * (T(1) - b);
  }
};
struct ThresholdBackward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T& slope) {
    return xt::where(xt::greater(b, T(0)), a, slope * a);
  }
};

template <class T>
void fused(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  switch (op) {
    case Binary::tanh_backward:
      return binary_rows<TanhBackward, T>(a, b, out, T{});
    case Binary::sigmoid_backward:
      return binary_rows<SigmoidBackward, T>(a, b, out, T{});
    case Binary::threshold_backward:
      return binary_rows<ThresholdBackward, T>(a, b, out, static_cast<T>(alpha));
    default:
      break;
  }
}

}  // namespace

void binary_fused(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  if (dtype(out) == Dtype::f32) return fused<float>(op, a, b, out, alpha);
  fused<double>(op, a, b, out, alpha);
}

}  // namespace xgrad::kernels::cpu_detail
