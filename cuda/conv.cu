// Sliding-window kernels for convolution and pooling (the same layout as autograd/cpu/conv.cpp):
// im2col writes one column entry per thread; col2im gives each pixel one thread that adds up the
// entries read from it in a fixed order, so it needs no atomics and gives the same bits each run.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

// Where the entry of row `row` (c kh kw + i kw + j), image b and output position p (oy out_w + ox)
// lies in the columns: [channels kh kw, batch, L], or by image [batch, channels kh kw, L].
__device__ inline int64_t column_entry(const Window2d& w, int64_t row, int64_t b, int64_t p) {
  const int64_t L = w.out_h * w.out_w;
  return (w.by_image ? b * w.channels * w.kh * w.kw + row : row * w.batch + b) * L + p;
}

// out as column_entry lays it out; entry e = (row, image, position) in that order, or by image
// (image, row, position).
template <class T>
__global__ void im2col_kernel(const T* x, T* out, Window2d w, T pad, int64_t total) {
  const int64_t L = w.out_h * w.out_w, rows = w.channels * w.kh * w.kw, kk = w.kh * w.kw;
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t p = e % L, row, b;
    if (w.by_image) {
      row = e / L % rows;
      b = e / L / rows;
    } else {
      b = e / L % w.batch;
      row = e / L / w.batch;
    }
    int64_t c = row / kk, i = row / w.kw % w.kh, j = row % w.kw;
    int64_t oy = p / w.out_w, ox = p % w.out_w;
    int64_t iy = oy * w.sh - w.ph + i * w.dh, ix = ox * w.sw - w.pw + j * w.dw;
    bool inside = iy >= 0 && iy < w.height && ix >= 0 && ix < w.width;
    out[e] = inside ? x[((b * w.channels + c) * w.height + iy) * w.width + ix] : pad;
  }
}

// out [batch, channels, height, width]: pixel e sums the column entries that im2col read from it.
template <class T>
__global__ void col2im_kernel(const T* cols, T* out, Window2d w, int64_t total) {
  const int64_t kk = w.kh * w.kw;
  for (int64_t e = thread_index(); e < total; e += thread_stride()) {
    int64_t ix = e % w.width, iy = e / w.width % w.height,
            c = e / (w.width * w.height) % w.channels, b = e / (w.width * w.height * w.channels);
    T sum = T(0);
    for (int64_t i = 0; i < w.kh; ++i) {
      int64_t ty = iy + w.ph - i * w.dh;
      if (ty < 0 || ty % w.sh != 0 || ty / w.sh >= w.out_h) continue;
      for (int64_t j = 0; j < w.kw; ++j) {
        int64_t tx = ix + w.pw - j * w.dw;
        if (tx < 0 || tx % w.sw != 0 || tx / w.sw >= w.out_w) continue;
        sum += cols[column_entry(w, c * kk + i * w.kw + j, b, ty / w.sh * w.out_w + tx / w.sw)];
      }
    }
    out[e] = sum;
  }
}

}  // namespace

void im2col(const Tensor& x, Tensor& out, const Window2d& w, double pad_value) {
  int64_t total = out.numel();
  if (total == 0) return;
  dispatch_floating("im2col", x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("im2col", im2col_kernel<T>, grid_for(total), kThreads, data_of<T>(x), data_of<T>(out), w,
           static_cast<T>(pad_value), total);
  });
}

void col2im(const Tensor& cols, Tensor& out, const Window2d& w) {
  int64_t total = out.numel();
  if (total == 0) return;
  dispatch_floating("col2im", cols.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("col2im", col2im_kernel<T>, grid_for(total), kThreads, data_of<T>(cols), data_of<T>(out),
           w, total);
  });
}

}  // namespace xgrad::cuda::kernels
