// Kernels that only move elements: permute, expand (broadcast copy) and slice. They work on
// element widths (4 or 8 bytes), not dtypes.
#include <algorithm>
#include <cstring>

#include "autograd/cpu/broadcast.hpp"
#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

constexpr int64_t kTile = 32;

// dst[r, c] = src[r * sr + c * sc] for an R x C block, in tiles so that both sides stay in cache.
template <class E>
void copy_tiled(const E* src, E* dst, int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    const int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) dst[r * cols + c] = src[r * sr + c * sc];
    }
  }
}

// Writes the contiguous dst of plan p's shape from src read with p's strides.
template <class E>
void copy_strided(const E* src, E* dst, const Broadcast<1>& p) {
  const int64_t s = p.inner_stride(0);
  if (s == 0 || s == 1 || p.nd == 1) {
    for_each_row(p, [&](const int64_t* off, int64_t o, int64_t n) {
      const E* in = src + off[0];
      E* out = dst + o;
      if (s == 1) {
        std::copy(in, in + n, out);
      } else if (s == 0) {
        std::fill(out, out + n, *in);
      } else {
        for (int64_t i = 0; i < n; ++i) out[i] = in[i * s];
      }
    });
    return;
  }
  // Neither side contiguous along the last dim (a transpose): tile the last two dims.
  Broadcast<1> outer = p;
  --outer.nd;
  const int64_t cols = p.inner(), sr = p.stride[0][p.nd - 2];
  for_each_row(outer, [&](const int64_t* off, int64_t o, int64_t rows) {
    copy_tiled(src + off[0], dst + o * cols, rows, cols, sr, s);
  });
}

}  // namespace

void permute(const Tensor& x, Tensor& out, const Shape& perm) {
  if (numel(out) == 0) return;
  const Shape& xs = shape(x);
  const int nd = static_cast<int>(xs.ndim());
  int64_t xstride[Shape::kMaxDims];
  for (int64_t d = nd - 1, step = 1; d >= 0; --d) {
    xstride[d] = step;
    step *= xs[d];
  }
  int64_t size[Shape::kMaxDims];
  int64_t stride[1][Shape::kMaxDims];
  for (int i = 0; i < nd; ++i) {
    size[i] = xs[perm[i]];
    stride[0][i] = xstride[perm[i]];
  }
  Broadcast<1> plan = collapse<1>(nd, size, stride);
  dispatch_bytes(dtype(x), [&](auto tag) {
    using E = decltype(tag);
    copy_strided(data<const E>(x), data<E>(out), plan);
  });
}

void expand(const Tensor& x, Tensor& out) {
  if (numel(out) == 0) return;
  const Shape* shapes[1] = {&shape(x)};
  Broadcast<1> plan = broadcast(shape(out), shapes);
  dispatch_bytes(dtype(x), [&](auto tag) {
    using E = decltype(tag);
    copy_strided(data<const E>(x), data<E>(out), plan);
  });
}

void slice(const Tensor& src, Tensor& dst, int64_t outer, int64_t src_n, int64_t dst_n,
           int64_t inner, int64_t offset, bool into) {
  const size_t esize = element_size(dtype(src));
  const char* s = data<const char>(src);
  char* d = data<char>(dst);
  // Each outer index moves one contiguous block of (the smaller n) x inner elements.
  const int64_t block = (into ? src_n : dst_n) * inner;
  if (block == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    const int64_t from = into ? o * src_n * inner : (o * src_n + offset) * inner;
    const int64_t to = into ? (o * dst_n + offset) * inner : o * dst_n * inner;
    std::memcpy(d + to * esize, s + from * esize, block * esize);
  }
}

}  // namespace xgrad::kernels::cpu_detail
