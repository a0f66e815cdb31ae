// Data movement between layouts: permute and expand (one strided copy) and slice. These only move
// elements, so they dispatch on the element width, not the dtype.
#include "cuda/kernels.hpp"
#include "cuda/strided.cuh"

namespace xgrad::cuda::kernels {
namespace {

template <class W>
struct CopyFn {
  const W* x;
  W* out;
  template <class I>
  __device__ __forceinline__ void operator()(I i, const I (&off)[1]) const {
    out[i] = x[off[0]];
  }
};

template <class W>
void strided_copy(const char* kernel, const Strided<1>& s, const Tensor& x, Tensor& out) {
  launch_strided(kernel, s, out.numel(), CopyFn<W>{data_of<W>(x), data_of<W>(out)});
}

// Walks [outer, count, inner] of the tensor being moved; `from` and `to` have `from_n` and `to_n`
// rows in the middle dim, and the moved block starts at row `from_offset` / `to_offset`.
template <class W>
__global__ void slice_kernel(const W* from, W* to, int64_t count, int64_t inner, int64_t from_n,
                             int64_t to_n, int64_t from_offset, int64_t to_offset, int64_t total) {
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t i = e % inner, j = e / inner % count, o = e / (inner * count);
    to[(o * to_n + to_offset + j) * inner + i] = from[(o * from_n + from_offset + j) * inner + i];
  }
}

}  // namespace

void permute(const Tensor& x, Tensor& out, const Shape& perm) {
  const Shape& in = x.shape();
  int64_t in_stride[Shape::kMaxDims];
  for (int64_t d = in.ndim() - 1, s = 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= in[d];
  }
  Strided<1> s;
  s.ndim = static_cast<int>(perm.ndim());
  for (int d = 0; d < s.ndim; ++d) {
    s.size[d] = in[perm[d]];
    s.stride[0][d] = in_stride[perm[d]];
  }
  s.coalesce();
  dispatch_bits(x.dtype(), [&](auto tag) { strided_copy<decltype(tag)>("permute", s, x, out); });
}

void expand(const Tensor& x, Tensor& out) {
  auto s = broadcast_strides<1>(out.shape(), {&x.shape()});
  dispatch_bits(x.dtype(), [&](auto tag) { strided_copy<decltype(tag)>("expand", s, x, out); });
}

void slice(const Tensor& src, Tensor& dst, int64_t outer, int64_t src_n, int64_t dst_n,
           int64_t inner, int64_t offset, bool into) {
  int64_t count = into ? src_n : dst_n;
  int64_t total = outer * count * inner;
  if (total == 0) return;
  dispatch_bits(src.dtype(), [&](auto tag) {
    using W = decltype(tag);
    launch("slice", slice_kernel<W>, grid_for(total), kThreads, data_of<W>(src), data_of<W>(dst),
           count, inner, src_n, dst_n, into ? 0 : offset, into ? offset : 0, total);
  });
}

}  // namespace xgrad::cuda::kernels
