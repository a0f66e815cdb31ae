// Float comparisons with NumPy broadcasting: masks of 0/1 in the inputs' dtype. Comparisons
// with a double go through unary *_scalar, so no row-scalar fast path here.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

struct Eq {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::equal(a, b));
  }
};
struct Ne {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::not_equal(a, b));
  }
};
struct Lt {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::less(a, b));
  }
};
struct Le {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::less_equal(a, b));
  }
};
struct Gt {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::greater(a, b));
  }
};
struct Ge {
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::cast<T>(xt::greater_equal(a, b));
  }
};

template <class T>
void compare(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  switch (op) {
    case Binary::eq:
      return binary_rows<Eq, T>(a, b, out, T{});
    case Binary::ne:
      return binary_rows<Ne, T>(a, b, out, T{});
    case Binary::lt:
      return binary_rows<Lt, T>(a, b, out, T{});
    case Binary::le:
      return binary_rows<Le, T>(a, b, out, T{});
    case Binary::gt:
      return binary_rows<Gt, T>(a, b, out, T{});
    case Binary::ge:
      return binary_rows<Ge, T>(a, b, out, T{});
    default:
      break;
  }
}

}  // namespace

void binary_compare(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  if (dtype(out) == Dtype::f32) return compare<float>(op, a, b, out);
  compare<double>(op, a, b, out);
}

}  // namespace xgrad::kernels::cpu_detail
