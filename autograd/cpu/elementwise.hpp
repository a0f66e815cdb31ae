// xtensor views of raw rows and the broadcasting driver of the binary kernels. Included only by
// the elementwise kernel files: xtensor is expensive to compile.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <utility>

// GCC 12 warns falsely on _mm512_undefined_* inside the AVX-512 intrinsics xsimd inlines (GCC
// bug 105593); the pragma covers those headers only, which are first included here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>
#pragma GCC diagnostic pop

#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {

// A 1-D xtensor view of n contiguous elements: no copy, no allocation; assignments use xsimd.
template <class T>
auto xrow(T* p, int64_t n) {
  const size_t len = static_cast<size_t>(n);
  return xt::adapt(p, len, xt::no_ownership(), std::array<size_t, 1>{len});
}

// out[0, n) = f(xrow(in, n)...), every element computed on SIMD lanes. xtensor's own assignment
// computes a row's head (up to out's first aligned element) and its tail with scalar functions
// (std::exp) and the rest with xsimd's (xsimd::exp), which round differently: an element's bits
// then depended on its place in the row and on where the buffer sits (a sample's softmax on its row
// in the batch; a stack buffer on the process, which broke bitwise DataParallel under ASan). Here
// the head and the tail are padded to one aligned batch each, so an element's bits depend on its
// inputs only. `in` may alias `out`.
template <class T, class F, class... In>
void assign_lanes(T* out, int64_t n, F&& f, const In*... in) {
  constexpr int64_t kWidth = static_cast<int64_t>(xsimd::batch<T>::size);
  const auto first = static_cast<int64_t>(reinterpret_cast<uintptr_t>(out) / sizeof(T) % kWidth);
  const int64_t head = std::min(n, (kWidth - first) % kWidth);
  const int64_t body = (n - head) / kWidth * kWidth;
  auto padded = [&](int64_t begin, int64_t c) {
    if (c == 0) return;
    alignas(64) T o[kWidth];
    alignas(64) T rows[sizeof...(In)][kWidth];
    [&]<size_t... I>(std::index_sequence<I...>) {
      // Each input's c values, then its first value repeated: lanes that compute nothing odd.
      ((std::fill(std::copy(in + begin, in + begin + c, rows[I]), rows[I] + kWidth, in[begin])), ...);
      auto ro = xrow(o, kWidth);
      xt::noalias(ro) = f(xrow(static_cast<const T*>(rows[I]), kWidth)...);
    }(std::index_sequence_for<In...>{});
    std::copy(o, o + c, out + begin);
  };
  padded(0, head);
  if (body > 0) {
    auto ro = xrow(out + head, body);
    xt::noalias(ro) = f(xrow(in + head, body)...);
  }
  padded(head + body, n - head - body);
}

inline constexpr int64_t kBlock = 1024;  // elements per gathered block (stack buffers)

// Copies n elements read with stride s (1, or 0 for a repeated value) to dst.
template <class T>
void gather_row(const T* src, int64_t s, T* dst, int64_t n) {
  if (s == 0) {
    std::fill(dst, dst + n, *src);
  } else {
    std::copy(src, src + n, dst);
  }
}

// Evaluates out = Op(a, b) with a and b broadcast to out's shape (NumPy rules).
// Op::apply(a, b, alpha) builds an xtensor expression from two rows, or a row and a scalar. It
// takes scalars by reference: xtensor keeps lvalue scalars by reference, so a by-value
// parameter would dangle once apply returns.
// Op::kScalarPaths adds row-scalar assignments for a one-element operand (x * s); ops without it
// instantiate the row-row assignment only. Op::Swapped, where declared, computes Op with its
// operands exchanged (add: add), so a scalar on the left reuses the row-scalar assignment.
template <class Op, class T>
void binary_rows(const Tensor& a, const Tensor& b, Tensor& out, T alpha) {
  constexpr bool kScalarPaths = requires { Op::kScalarPaths; };
  const int64_t total = numel(out);
  if (total == 0) return;
  const T* pa = data<const T>(a);
  const T* pb = data<const T>(b);
  T* po = data<T>(out);
  // Ops of kPlainScalars are one or two IEEE operations per element, so an element's bits do not
  // depend on the lane it is computed in: a plain loop, which the compiler vectorizes, costs no
  // xtensor expression per row (a batch norm's [N, C, H, W] * [1, C, 1, 1] is N C rows).
  constexpr bool kPlain = requires { Op::kPlainScalars; };
  auto vv = [&](const T* x, const T* y, T* o, int64_t n) {
    if constexpr (kPlain) {
      for (int64_t i = 0; i < n; ++i) o[i] = Op::apply(x[i], y[i], alpha);
    } else {
      assign_lanes(o, n, [&](const auto& rx, const auto& ry) { return Op::apply(rx, ry, alpha); }, x, y);
    }
  };
  // Generic lambdas: instantiated only where called, i.e. for ops with kScalarPaths.
  auto vs = [&](const T* x, const auto& y, T* o, int64_t n) {
    if constexpr (kPlain) {
      const T s = y;
      for (int64_t i = 0; i < n; ++i) o[i] = Op::apply(x[i], s, alpha);
    } else {
      assign_lanes(o, n, [&](const auto& rx) { return Op::apply(rx, y, alpha); }, x);
    }
  };
  auto sv = [&](const auto& x, const T* y, T* o, int64_t n) {
    if constexpr (kPlain) {
      const T s = x;
      for (int64_t i = 0; i < n; ++i) o[i] = Op::apply(s, y[i], alpha);
    } else if constexpr (requires { typename Op::Swapped; }) {
      assign_lanes(o, n, [&](const auto& ry) { return Op::Swapped::apply(ry, x, alpha); }, y);
    } else {
      assign_lanes(o, n, [&](const auto& ry) { return Op::apply(x, ry, alpha); }, y);
    }
  };
  const int64_t na = numel(a), nb = numel(b);
  if (na == total && nb == total) {
    return parallel_range(total, [&](int64_t i, int64_t n) { vv(pa + i, pb + i, po + i, n); });
  }
  if constexpr (kScalarPaths) {
    if (na == total && nb == 1)
      return parallel_range(total, [&](int64_t i, int64_t n) { vs(pa + i, *pb, po + i, n); });
    if (na == 1 && nb == total)
      return parallel_range(total, [&](int64_t i, int64_t n) { sv(*pa, pb + i, po + i, n); });
  }

  // Broadcasting, over out's rows in order. Inner strides are 1 (a row) or 0 (a repeated value).
  const Shape* shapes[2] = {&shape(a), &shape(b)};
  const Broadcast<2> plan = broadcast(shape(out), shapes);
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  T ba[kBlock], bb[kBlock];
  if (plan.inner() >= kBlock / 4) {
    // Long rows: each row (in pieces of kBlock) is one assignment; repeated values use the
    // row-scalar assignment where the op has one, else are filled into a buffer.
    for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
      for (int64_t p = 0; p < n; p += kBlock) {
        const int64_t len = std::min(kBlock, n - p);
        const T* x = pa + off[0] + p * sa;
        const T* y = pb + off[1] + p * sb;
        if (sa != 0 && sb != 0) {
          vv(x, y, po + o + p, len);
          continue;
        }
        if constexpr (kScalarPaths) {
          if (sa != 0) {
            vs(x, *y, po + o + p, len);
            continue;
          }
          if (sb != 0) {
            sv(*x, y, po + o + p, len);
            continue;
          }
        }
        if (sa == 0) std::fill(ba, ba + len, *x);
        if (sb == 0) std::fill(bb, bb + len, *y);
        vv(sa == 0 ? ba : x, sb == 0 ? bb : y, po + o + p, len);
      }
    });
    return;
  }
  // Short rows (a bias of 10): one assignment per row would cost more than its arithmetic, so
  // rows are gathered into blocks; an operand laid out as out is read in place.
  const bool a_full = na == total, b_full = nb == total;
  int64_t filled = 0, start = 0;
  auto flush = [&] {
    vv(a_full ? pa + start : ba, b_full ? pb + start : bb, po + start, filled);
    filled = 0;
  };
  for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
    if (filled + n > kBlock) flush();
    if (filled == 0) start = o;
    if (!a_full) gather_row(pa + off[0], sa, ba + filled, n);
    if (!b_full) gather_row(pb + off[1], sb, bb + filled, n);
    filled += n;
  });
  if (filled > 0) flush();
}

// Deterministic mode's form of a binary op with F::portable (pow): in double on portable_math.hpp,
// rounded once, over out's rows with broadcasting.
template <class F, class T>
void portable_rows(const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  const T* pa = data<const T>(a);
  const T* pb = data<const T>(b);
  T* po = data<T>(out);
  const Shape* shapes[2] = {&shape(a), &shape(b)};
  const Broadcast<2> plan = broadcast(shape(out), shapes);
  const int64_t sa = plan.inner_stride(0), sb = plan.inner_stride(1);
  for_each_row(plan, [&](const int64_t* off, int64_t o, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
      po[o + i] = static_cast<T>(
          F::portable(static_cast<double>(pa[off[0] + i * sa]), static_cast<double>(pb[off[1] + i * sb]), alpha));
  });
}

template <class F>
void binary_float(const Tensor& a, const Tensor& b, Tensor& out, double alpha) {
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      if constexpr (requires { F::portable(0.0, 0.0, 0.0); }) {
        if (is_deterministic() && numel(out) > 0) return portable_rows<F, T>(a, b, out, alpha);
      }
      binary_rows<F, T>(a, b, out, static_cast<T>(alpha));
    }
  });
}

// Instantiates binary_float for the functor binary_fn::name (one line beside each functor).
#define XGRAD_CPU_BINARY_OP(name) \
  template void binary_float<binary_fn::name>(const Tensor&, const Tensor&, Tensor&, double);

}  // namespace xgrad::kernels::cpu_detail
