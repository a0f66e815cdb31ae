// NumPy broadcasting reduced to rows: out's shape with each input's element strides (0 along
// broadcast dims), size-1 dims dropped and adjacent dims merged, so the innermost dim is a
// contiguous row (stride 1) or a repeated scalar (stride 0) for every input.
#pragma once

#include <cstdint>

#include "xgrad/autograd/core.hpp"

namespace xgrad::kernels::cpu_detail {

template <int N>
struct Broadcast {
  int nd = 0;
  int64_t size[Shape::kMaxDims] = {};
  int64_t stride[N][Shape::kMaxDims] = {};

  int64_t inner() const { return size[nd - 1]; }
  int64_t inner_stride(int k) const { return stride[k][nd - 1]; }
};

// Drops size-1 dims and merges each dim into the one before it where every input's stride allows.
template <int N>
Broadcast<N> collapse(int nd, const int64_t* size, const int64_t (*stride)[Shape::kMaxDims]) {
  Broadcast<N> b;
  for (int d = 0; d < nd; ++d) {
    if (size[d] == 1) continue;
    bool merge = b.nd > 0;
    for (int k = 0; k < N && merge; ++k) merge = b.stride[k][b.nd - 1] == stride[k][d] * size[d];
    if (merge) {
      b.size[b.nd - 1] *= size[d];
      for (int k = 0; k < N; ++k) b.stride[k][b.nd - 1] = stride[k][d];
    } else {
      b.size[b.nd] = size[d];
      for (int k = 0; k < N; ++k) b.stride[k][b.nd] = stride[k][d];
      ++b.nd;
    }
  }
  if (b.nd == 0) b.size[b.nd++] = 1;  // one element: a row of one, strides 0
  return b;
}

// Inputs have at most out's dims and broadcast to it (the ops layer checked).
template <int N>
Broadcast<N> broadcast(const Shape& out, const Shape* const (&in)[N]) {
  const int nd = static_cast<int>(out.ndim());
  int64_t stride[N][Shape::kMaxDims];
  for (int k = 0; k < N; ++k) {
    const Shape& s = *in[k];
    const int shift = nd - static_cast<int>(s.ndim());
    int64_t step = 1;
    for (int d = nd - 1; d >= 0; --d) {
      int64_t extent = d >= shift ? s[d - shift] : 1;
      stride[k][d] = extent == 1 ? 0 : step;
      step *= extent;
    }
  }
  return collapse<N>(nd, out.begin(), stride);
}

// Calls row(offset, out_offset, n) for each innermost row: offset[k] is input k's element offset.
template <int N, class F>
void for_each_row(const Broadcast<N>& b, F&& row) {
  const int64_t n = b.inner();
  int64_t rows = 1;
  for (int d = 0; d + 1 < b.nd; ++d) rows *= b.size[d];
  int64_t index[Shape::kMaxDims] = {};
  int64_t offset[N] = {};
  for (int64_t r = 0; r < rows; ++r) {
    row(static_cast<const int64_t*>(offset), r * n, n);
    for (int d = b.nd - 2; d >= 0; --d) {  // odometer over the outer dims
      if (++index[d] < b.size[d]) {
        for (int k = 0; k < N; ++k) offset[k] += b.stride[k][d];
        break;
      }
      index[d] = 0;
      for (int k = 0; k < N; ++k) offset[k] -= b.stride[k][d] * (b.size[d] - 1);
    }
  }
}

}  // namespace xgrad::kernels::cpu_detail
