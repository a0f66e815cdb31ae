// Fused backward primitives on floats (tanh, sigmoid, threshold), with NumPy broadcasting: one
// pass over memory where the composed ops would take three.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {

// a = incoming gradient, b = the forward output (tanh, sigmoid) or input (threshold).
namespace binary_fn {
struct tanh_backward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a * (T(1) - b * b);
  }
};
struct sigmoid_backward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a * b * (T(1) - b);
  }
};
struct threshold_backward {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T& slope) {
    return xt::where(xt::greater(b, T(0)), a, slope * a);
  }
};
}  // namespace binary_fn

XGRAD_CPU_BINARY_OP(tanh_backward)
XGRAD_CPU_BINARY_OP(sigmoid_backward)
XGRAD_CPU_BINARY_OP(threshold_backward)

}  // namespace xgrad::kernels::cpu_detail
