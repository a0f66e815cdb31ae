// Internal to the CPU kernels: one function per table entry (defined across this folder's files,
// declared here from the X-macro so signatures cannot drift) and the helpers they share.
// No xtensor here, so the files that do not need it compile fast.
#pragma once

#include <cstddef>
#include <cstdint>

#include "autograd/kernels.hpp"

namespace xgrad::kernels::cpu_detail {

#define XGRAD_CPU_DECLARE(name, ret, params) ret name params;
XGRAD_KERNELS(XGRAD_CPU_DECLARE)
#undef XGRAD_CPU_DECLARE

// The float form of each op of XGRAD_BINARY_OPS is a functor named after it, defined in the file
// of its group (binary.cpp: arithmetic; compare.cpp: masks; fused.cpp: backward primitives), which
// instantiates binary_float for it (XGRAD_CPU_BINARY_OP): a missing one fails to link, naming the
// op. The groups keep xtensor's compile units small.
namespace binary_fn {
#define XGRAD_CPU_DECLARE_FN(name, int64, scalars) struct name;
XGRAD_BINARY_OPS(XGRAD_CPU_DECLARE_FN)
#undef XGRAD_CPU_DECLARE_FN
}  // namespace binary_fn
template <class F>
void binary_float(const Tensor& a, const Tensor& b, Tensor& out, double alpha);
#define XGRAD_CPU_EXTERN_FN(name, int64, scalars) \
  extern template void binary_float<binary_fn::name>(const Tensor&, const Tensor&, Tensor&, double);
XGRAD_BINARY_OPS(XGRAD_CPU_EXTERN_FN)
#undef XGRAD_CPU_EXTERN_FN

// int64 (labels, indices): plain loops over int64_math.hpp (int64.cpp).
void binary_int64(Binary op, const Tensor& a, const Tensor& b, Tensor& out, double alpha);
void unary_int64(Unary op, const Tensor& x, Tensor& out, double a, double b);

// Deterministic mode (is_deterministic()): kernels on portable_math.hpp and xgrad's own GEMM in
// place of xsimd's math and OpenBLAS, whose results follow the CPU. Elementwise ops with a
// `portable` form in their functor run it (unary.cpp, elementwise.hpp); the others round once.
void portable_softmax(const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner, bool log);
void portable_gemm(const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch, int64_t m,
                   int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, double beta);

// What the caching allocator holds; tests and benchmarks read it.
struct AllocatorStats {
  size_t allocated_bytes = 0;  // handed out now (rounded sizes)
  size_t cached_bytes = 0;     // free, kept for reuse
  size_t system_allocs = 0;    // calls to the system allocator so far
  size_t cache_limit = 0;      // most free bytes kept; 0 under ASan or XGRAD_CPU_CACHE_MB=0
};
AllocatorStats allocator_stats();
void empty_cache();  // returns every cached block to the system

// Raw access without the checks of Tensor::data<T>(): kernels trust their arguments.
template <class T>
inline T* data(const Tensor& t) {
  return static_cast<T*>(t.impl()->data());
}
inline int64_t numel(const Tensor& t) { return t.impl()->numel; }
inline Dtype dtype(const Tensor& t) { return t.impl()->dtype; }
inline const Shape& shape(const Tensor& t) { return t.impl()->shape; }

// Calls f(T{}) with T the C++ type of d.
template <class F>
decltype(auto) dispatch(Dtype d, F&& f) {
  switch (d) {
    case Dtype::f32:
      return f(float{});
    case Dtype::f64:
      return f(double{});
    case Dtype::i64:
      break;
  }
  return f(int64_t{});
}

// Calls f(E{}) with E an unsigned integer of the element's width: for kernels that only move data.
template <class F>
decltype(auto) dispatch_bytes(Dtype d, F&& f) {
  if (element_size(d) == 4) return f(uint32_t{});
  return f(uint64_t{});
}

// Throws "<kernel>: int64 is not supported; cast to a floating dtype first".
[[noreturn]] void int64_unsupported(const char* kernel);

}  // namespace xgrad::kernels::cpu_detail
