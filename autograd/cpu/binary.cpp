// Binary arithmetic on floats (add, sub, mul, div, pow, maximum, minimum, add_scaled) with NumPy
// broadcasting, and the `binary` entry that routes every Binary op to its file.
#include "autograd/cpu/elementwise.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// Every arithmetic op keeps the row-scalar fast path (x * s, s - x are common in losses);
// kPlainScalars marks the ops whose apply() also works on plain numbers (tiny tensors).
struct Add {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  using Swapped = Add;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a + b;
  }
};
struct Sub {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a - b;
  }
};
struct Mul {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  using Swapped = Mul;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a * b;
  }
};
struct Div {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return a / b;
  }
};
struct Pow {
  static constexpr bool kScalarPaths = true;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::pow(a, b);
  }
};
struct Maximum {
  static constexpr bool kScalarPaths = true;
  using Swapped = Maximum;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::maximum(a, b);
  }
};
struct Minimum {
  static constexpr bool kScalarPaths = true;
  using Swapped = Minimum;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T&) {
    return xt::minimum(a, b);
  }
};
struct AddScaled {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  template <class A, class B, class T>
  static auto apply(const A& a, const B& b, const T& alpha) {
    return a + alpha * b;
  }
};

template <class T>
void arith(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  switch (op) {
    case Binary::add:
      return binary_rows<Add, T>(a, b, out, T{});
    case Binary::sub:
      return binary_rows<Sub, T>(a, b, out, T{});
    case Binary::mul:
      return binary_rows<Mul, T>(a, b, out, T{});
    case Binary::div:
      return binary_rows<Div, T>(a, b, out, T{});
    case Binary::pow:
      return binary_rows<Pow, T>(a, b, out, T{});
    case Binary::maximum:
      return binary_rows<Maximum, T>(a, b, out, T{});
    case Binary::minimum:
      return binary_rows<Minimum, T>(a, b, out, T{});
    case Binary::add_scaled:
      return binary_rows<AddScaled, T>(a, b, out, static_cast<T>(alpha));
    default:
      break;
  }
}

}  // namespace

void binary_arith(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  if (dtype(out) == Dtype::f32) return arith<float>(op, a, b, out, alpha);
  arith<double>(op, a, b, out, alpha);
}

void binary(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  if (is_deterministic() && portable_binary(op, a, b, out)) return;
  if (dtype(a) == Dtype::i64) return binary_int64(op, a, b, out, alpha);
  switch (op) {
    case Binary::eq:
    case Binary::ne:
    case Binary::lt:
    case Binary::le:
    case Binary::gt:
    case Binary::ge:
      return binary_compare(op, a, b, out);
    case Binary::tanh_backward:
    case Binary::sigmoid_backward:
    case Binary::threshold_backward:
      return binary_fused(op, a, b, out, alpha);
    default:
      return binary_arith(op, a, b, out, alpha);
  }
}

}  // namespace xgrad::kernels::cpu_detail
