// The CPU kernel table: every entry points at a function of this folder.
#include <iterator>
#include <string>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels {

namespace cpu_detail {

void int64_unsupported(const char* kernel) {
  throw Error(std::string(kernel) + ": int64 is not supported; cast to a floating dtype first");
}

const char* unary_name(Unary op) {
  static constexpr const char* kNames[] = {
      "neg",         "exp",         "log",        "sqrt",        "abs",        "sign",
      "tanh",        "sigmoid",     "relu",       "softplus",    "add_scalar", "mul_scalar",
      "rsub_scalar", "rdiv_scalar", "pow_scalar", "rpow_scalar", "leaky_relu", "clamp",
      "eq_scalar",   "ne_scalar",   "lt_scalar",  "le_scalar",   "gt_scalar",  "ge_scalar"};
  static_assert(std::size(kNames) == static_cast<size_t>(Unary::ge_scalar) + 1);
  return kNames[static_cast<size_t>(op)];
}

const char* binary_name(Binary op) {
  // clang-format off
  static constexpr const char* kNames[] = {
      "add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
      "add_scaled", "tanh_backward", "sigmoid_backward", "threshold_backward"};
  // clang-format on
  static_assert(std::size(kNames) == static_cast<size_t>(Binary::threshold_backward) + 1);
  return kNames[static_cast<size_t>(op)];
}

}  // namespace cpu_detail

namespace {

Table make_cpu_table() {
  Table t;
#define XGRAD_CPU_ENTRY(name, ret, params) t.name = &cpu_detail::name;
  XGRAD_KERNELS(XGRAD_CPU_ENTRY)
#undef XGRAD_CPU_ENTRY
  return t;
}

}  // namespace

const Table& cpu() {
  static const Table table = make_cpu_table();
  return table;
}

std::vector<const char*> missing(const Table& t) {
  std::vector<const char*> names;
#define XGRAD_MISSING_ENTRY(name, ret, params) \
  if (t.name == nullptr) names.push_back(#name);
  XGRAD_KERNELS(XGRAD_MISSING_ENTRY)
#undef XGRAD_MISSING_ENTRY
  return names;
}

}  // namespace xgrad::kernels
