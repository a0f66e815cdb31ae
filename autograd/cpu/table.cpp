// The CPU kernel table: every entry points at a function of this folder.
#include <string>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels {

namespace cpu_detail {

void int64_unsupported(const char* kernel) {
  throw Error(std::string(kernel) + ": int64 is not supported; cast to a floating dtype first");
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
