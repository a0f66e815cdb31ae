// Float comparisons with NumPy broadcasting: masks of 0/1 in the inputs' dtype. Comparisons
// with a double go through unary *_scalar, so no row-scalar fast path here.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {

namespace binary_fn {
struct eq {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::equal(a, b));
  }
};
struct ne {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::not_equal(a, b));
  }
};
struct lt {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::less(a, b));
  }
};
struct le {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::less_equal(a, b));
  }
};
struct gt {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::greater(a, b));
  }
};
struct ge {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::greater_equal(a, b));
  }
};
}  // namespace binary_fn

XGRAD_CPU_BINARY_OP(eq)
XGRAD_CPU_BINARY_OP(ne)
XGRAD_CPU_BINARY_OP(lt)
XGRAD_CPU_BINARY_OP(le)
XGRAD_CPU_BINARY_OP(gt)
XGRAD_CPU_BINARY_OP(ge)

}  // namespace xgrad::kernels::cpu_detail
