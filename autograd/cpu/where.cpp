// where(cond, a, b) with NumPy broadcasting of all three: cond of any dtype (nonzero takes a).
// Plain loops: the choice only moves elements, so they work on element widths, and the compiler
// turns the contiguous case into vector blends.
#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class C, class E>
void select(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const int64_t total = numel(out);
  const C* pc = data<const C>(cond);
  const E* pa = data<const E>(a);
  const E* pb = data<const E>(b);
  E* po = data<E>(out);
  if (numel(cond) == total && numel(a) == total && numel(b) == total) {
    for (int64_t i = 0; i < total; ++i) po[i] = pc[i] != C(0) ? pa[i] : pb[i];
    return;
  }
  const Shape* shapes[3] = {&shape(cond), &shape(a), &shape(b)};
  Broadcast<3> plan = broadcast(shape(out), shapes);
  const int64_t sc = plan.inner_stride(0), sa = plan.inner_stride(1), sb = plan.inner_stride(2);
  for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
    const C* rc = pc + off[0];
    const E* ra = pa + off[1];
    const E* rb = pb + off[2];
    for (int64_t i = 0; i < n; ++i) po[o + i] = rc[i * sc] != C(0) ? ra[i * sa] : rb[i * sb];
  });
}

}  // namespace

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  if (numel(out) == 0) return;
  dispatch(dtype(cond), [&](auto ctag) {
    dispatch_bytes(dtype(out),
                   [&](auto etag) { select<decltype(ctag), decltype(etag)>(cond, a, b, out); });
  });
}

}  // namespace xgrad::kernels::cpu_detail
