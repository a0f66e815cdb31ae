// Binary arithmetic on floats (add, sub, mul, div, pow, maximum, minimum, add_scaled) with NumPy
// broadcasting, and the `binary` entry, whose switch is generated from XGRAD_BINARY_OPS.
#include "autograd/cpu/elementwise.hpp"
#include "autograd/portable_math.hpp"

namespace xgrad::kernels::cpu_detail {

// Every arithmetic op keeps the row-scalar fast path (x * s, s - x are common in losses);
// kPlainScalars marks the ops whose apply() also works on plain numbers (tiny tensors).
namespace binary_fn {
struct add {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  using Swapped = add;
  static auto apply(const auto& a, const auto& b, const auto&) { return a + b; }
};
struct sub {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  static auto apply(const auto& a, const auto& b, const auto&) { return a - b; }
};
struct mul {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  using Swapped = mul;
  static auto apply(const auto& a, const auto& b, const auto&) { return a * b; }
};
struct div {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  static auto apply(const auto& a, const auto& b, const auto&) { return a / b; }
};
struct pow {
  static constexpr bool kScalarPaths = true;
  static auto apply(const auto& a, const auto& b, const auto&) { return xt::pow(a, b); }
  static double portable(double a, double b, double) { return pmath::pow(a, b); }
};
struct maximum {
  static constexpr bool kScalarPaths = true;
  using Swapped = maximum;
  static auto apply(const auto& a, const auto& b, const auto&) { return xt::maximum(a, b); }
};
struct minimum {
  static constexpr bool kScalarPaths = true;
  using Swapped = minimum;
  static auto apply(const auto& a, const auto& b, const auto&) { return xt::minimum(a, b); }
};
struct add_scaled {
  static constexpr bool kScalarPaths = true;
  static constexpr bool kPlainScalars = true;
  static auto apply(const auto& a, const auto& b, const auto& alpha) { return a + alpha * b; }
};
}  // namespace binary_fn

XGRAD_CPU_BINARY_OP(add)
XGRAD_CPU_BINARY_OP(sub)
XGRAD_CPU_BINARY_OP(mul)
XGRAD_CPU_BINARY_OP(div)
XGRAD_CPU_BINARY_OP(pow)
XGRAD_CPU_BINARY_OP(maximum)
XGRAD_CPU_BINARY_OP(minimum)
XGRAD_CPU_BINARY_OP(add_scaled)

void binary(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  if (dtype(a) == Dtype::i64) return binary_int64(op, a, b, out, alpha);
  switch (op) {
#define XGRAD_CPU_BINARY_CASE(name, int64, scalars) \
  case Binary::name:                                \
    return binary_float<binary_fn::name>(a, b, out, alpha);
    XGRAD_BINARY_OPS(XGRAD_CPU_BINARY_CASE)
#undef XGRAD_CPU_BINARY_CASE
  }
}

}  // namespace xgrad::kernels::cpu_detail
