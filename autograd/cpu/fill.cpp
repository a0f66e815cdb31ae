// Kernels that write a whole tensor: fill, arange, and cast between dtypes.
#include <algorithm>
#include <cstring>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class To, class From>
void convert(const From* x, To* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<To>(x[i]);
}

}  // namespace

void cast(const Tensor& x, Tensor& out) {
  int64_t n = numel(x);
  if (dtype(x) == dtype(out)) {
    copy(data<void>(out), data<void>(x), n * element_size(dtype(x)));
    return;
  }
  dispatch(dtype(x), [&](auto from) {
    using From = decltype(from);
    dispatch(dtype(out), [&](auto to) {
      using To = decltype(to);
      convert(data<const From>(x), data<To>(out), n);
    });
  });
}

void fill(Tensor& out, double value) {
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    T* o = data<T>(out);
    std::fill(o, o + numel(out), static_cast<T>(value));
  });
}

void arange(Tensor& out, double start, double step) {
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    T* o = data<T>(out);
    // Computed in double from the index, not by repeated addition, so error does not accumulate.
    for (int64_t i = 0, n = numel(out); i < n; ++i) o[i] = static_cast<T>(start + i * step);
  });
}

}  // namespace xgrad::kernels::cpu_detail
