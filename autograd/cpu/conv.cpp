// Sliding-window kernels for convolution and pooling: im2col lays each window out as a column so
// that a convolution is one GEMM per image; col2im adds columns back into images (its adjoint).
// im2col splits rows (channel, i, j) over the parallel_for threads, col2im image planes; each
// task writes its own rows or plane, so the sums run in a fixed order on any thread count.
#include <algorithm>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// The output columns x in [lo, hi) whose input column x * sw + off lies inside [0, width).
inline void valid_range(int64_t off, int64_t sw, int64_t width, int64_t out_w, int64_t& lo,
                        int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
  hi = off >= width ? 0 : std::min(out_w, (width - 1 - off) / sw + 1);
  if (hi < lo) hi = lo;
}

// Where row `row`'s columns of image b start, in units of out_h * out_w: the columns of a row are
// one block per image, ordered by row then image, or (by_image) by image then row.
inline int64_t column_block(const Window2d& w, int64_t row, int64_t b) {
  return w.by_image ? b * w.channels * w.kh * w.kw + row : row * w.batch + b;
}

}  // namespace

void im2col(const Tensor& x, Tensor& out, const Window2d& w, double pad_value) {
  const int64_t L = w.out_h * w.out_w, HW = w.height * w.width, kk = w.kh * w.kw;
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    T* po = data<T>(out);
    const T pad = static_cast<T>(pad_value);
    parallel_for(w.channels * kk, [&](int64_t row) {
      const int64_t c = row / kk, i = row / w.kw % w.kh, j = row % w.kw;
      const int64_t xoff = j * w.dw - w.pw;
      int64_t lo, hi;
      valid_range(xoff, w.sw, w.width, w.out_w, lo, hi);
      for (int64_t b = 0; b < w.batch; ++b) {
        const T* img = px + (b * w.channels + c) * HW;
        T* dst = po + column_block(w, row, b) * L;
        for (int64_t y = 0; y < w.out_h; ++y, dst += w.out_w) {
          const int64_t iy = y * w.sh - w.ph + i * w.dh;
          if (iy < 0 || iy >= w.height) {
            std::fill(dst, dst + w.out_w, pad);
            continue;
          }
          const T* src = img + iy * w.width + xoff;
          std::fill(dst, dst + lo, pad);
          if (w.sw == 1)
            std::copy(src + lo, src + hi, dst + lo);
          else
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * w.sw];
          std::fill(dst + hi, dst + w.out_w, pad);
        }
      }
    });
  });
}

void col2im(const Tensor& cols, Tensor& out, const Window2d& w) {
  const int64_t L = w.out_h * w.out_w, HW = w.height * w.width, kk = w.kh * w.kw;
  dispatch(dtype(cols), [&](auto tag) {
    using T = decltype(tag);
    const T* pc = data<const T>(cols);
    T* po = data<T>(out);
    // A task per image plane (b, c): the plane stays in cache while its kh kw rows of columns add
    // into it. Each pixel adds its entries row by row, on any thread count.
    parallel_for(w.batch * w.channels, [&](int64_t plane) {
      const int64_t b = plane / w.channels, c = plane % w.channels;
      T* img = po + plane * HW;
      std::fill_n(img, HW, T(0));
      for (int64_t r = 0; r < kk; ++r) {
        const int64_t row = c * kk + r, i = r / w.kw, j = r % w.kw;
        const int64_t xoff = j * w.dw - w.pw;
        int64_t lo, hi;
        valid_range(xoff, w.sw, w.width, w.out_w, lo, hi);
        const T* src = pc + column_block(w, row, b) * L;
        for (int64_t y = 0; y < w.out_h; ++y, src += w.out_w) {
          const int64_t iy = y * w.sh - w.ph + i * w.dh;
          if (iy < 0 || iy >= w.height) continue;
          T* dst = img + iy * w.width + xoff;
          if (w.sw == 1) {  // contiguous: vectorized
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox] += src[ox];
          } else {
            for (int64_t ox = lo; ox < hi; ++ox) dst[ox * w.sw] += src[ox];
          }
        }
      }
    });
  });
}

}  // namespace xgrad::kernels::cpu_detail
