// Convolution and pooling over images [N, C, H, W]. Two primitives carry the windows: im2col
// (each window as a column) and col2im (its adjoint, the backward of im2col and the other way
// round). Everything else is written with differentiable ops on top, so second derivatives come
// for free: conv2d is im2col then one GEMM per image and group (the kernel table's GEMM, so
// deterministic mode holds), max_pool2d a gather at the window maxima, avg_pool2d a mean over the columns,
// adaptive_avg_pool2d two small matrix products.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "xgrad/autograd/grad_mode.hpp"
#include "autograd/cpu/parallel.hpp"
#include "autograd/op.hpp"

namespace xgrad {
namespace {

using kernels::Window2d;

// Built with += : GCC 12 warns (-Wrestrict, a false positive) on "(" + std::string&&.
std::string pair_str(int64_t h, int64_t w) {
  std::string s = "(";
  s += std::to_string(h);
  s += ", ";
  s += std::to_string(w);
  return s + ")";
}

// cols [C kh kw, N out_h out_w] (w.by_image: [N, C kh kw, out_h out_w]) from x [N, C, H, W];
// positions outside x read `pad`.
Tensor col2im(const char* op, const Tensor& cols, const Window2d& w);
Tensor im2col(const char* op, const Tensor& x, const Window2d& w, double pad) {
  const int64_t rows = w.channels * w.kh * w.kw, L = w.out_h * w.out_w;
  Tensor out = make_tensor(w.by_image ? Shape{w.batch, rows, L} : Shape{rows, w.batch * L},
                           x.dtype(), x.device());
  if (out.numel()) kernels_for(x, op).im2col(x, out, w, pad);
  if (Recorder r{op, out, {&x}}) r.backward([op, w](Grads& g) { g[0] = col2im(op, g.out, w); });
  return out;
}
Tensor col2im(const char* op, const Tensor& cols, const Window2d& w) {
  Tensor out = make_tensor({w.batch, w.channels, w.height, w.width}, cols.dtype(), cols.device());
  if (out.numel()) {
    if (cols.numel())
      kernels_for(cols, op).col2im(cols, out, w);
    else
      out.fill_(0.0);
  }
  if (Recorder r{op, out, {&cols}})
    r.backward([op, w](Grads& g) { g[0] = im2col(op, g.out, w, 0.0); });
  return out;
}

void check_image(const char* op, const Tensor& x) {
  check_defined(op, x);
  check_floating(op, x);
  if (x.dim() != 4)
    fail(op, "expected input [N, C, H, W] (or [C, H, W]), got shape " + x.shape().str());
}

// The window geometry, checked: positive kernel, stride and dilation, padding in [0, ...], and a
// kernel that fits the padded input. `same` sets the output size to the input's.
Window2d window(const char* op, const Shape& s, Int2 k, Int2 stride, Int2 pad, Int2 dil,
                bool same = false) {
  if (k.h <= 0 || k.w <= 0) fail(op, "kernel size must be positive, got " + pair_str(k.h, k.w));
  if (stride.h <= 0 || stride.w <= 0)
    fail(op, "stride must be positive, got " + pair_str(stride.h, stride.w));
  if (dil.h <= 0 || dil.w <= 0)
    fail(op, "dilation must be positive, got " + pair_str(dil.h, dil.w));
  if (pad.h < 0 || pad.w < 0)
    fail(op, "padding must be non-negative, got " + pair_str(pad.h, pad.w));
  Window2d w{s[0],     s[1],  s[2],  s[3],  k.h,   k.w, stride.h,
             stride.w, pad.h, pad.w, dil.h, dil.w, 0,   0};
  int64_t span_h = dil.h * (k.h - 1) + 1, span_w = dil.w * (k.w - 1) + 1;
  if (same) {
    w.out_h = w.height;
    w.out_w = w.width;
    return w;
  }
  if (w.height + 2 * pad.h < span_h || w.width + 2 * pad.w < span_w)
    fail(op, "input of shape " + s.str() + " with padding " + pair_str(pad.h, pad.w) +
                 " is smaller than the kernel " + pair_str(span_h, span_w) + " (with dilation)");
  w.out_h = (w.height + 2 * pad.h - span_h) / stride.h + 1;
  w.out_w = (w.width + 2 * pad.w - span_w) / stride.w + 1;
  return w;
}

// An unbatched image [C, H, W] runs as a batch of one; `out` drops that dim again.
struct Batched {
  Tensor x;
  bool unbatched;
  Tensor out(const Tensor& y) const { return unbatched ? squeeze(y, 0) : y; }
};
Batched batched(const char* op, const Tensor& x) {
  check_defined(op, x);
  Batched b{x.dim() == 3 ? unsqueeze(x, 0) : x, x.dim() == 3};
  check_image(op, b.x);
  return b;
}

// Pooling checks the PyTorch ones too: padding at most half the kernel.
void check_pool_padding(const char* op, Int2 k, Int2 pad) {
  if (pad.h > k.h / 2 || pad.w > k.w / 2)
    fail(op, "padding " + pair_str(pad.h, pad.w) + " must be at most half the kernel size " +
                 pair_str(k.h, k.w));
}

// A max-pool window that covers only padding has no maximum (PyTorch returns -inf there, with an
// index outside the input): refused, naming the first such output position.
void check_pool_windows(const char* op, const Window2d& w) {
  auto first_empty = [](int64_t out, int64_t s, int64_t p, int64_t d, int64_t k, int64_t size) {
    for (int64_t o = 0; o < out; ++o) {
      bool any = false;
      for (int64_t j = 0; j < k && !any; ++j) any = o * s - p + j * d >= 0 && o * s - p + j * d < size;
      if (!any) return o;
    }
    return int64_t{-1};
  };
  const int64_t y = first_empty(w.out_h, w.sh, w.ph, w.dh, w.kh, w.height);
  const int64_t x = first_empty(w.out_w, w.sw, w.pw, w.dw, w.kw, w.width);
  if (y >= 0 || x >= 0)
    fail(op, "the window at output " + std::string(y >= 0 ? "row " : "column ") +
                 std::to_string(y >= 0 ? y : x) + " covers only padding (kernel " +
                 pair_str(w.kh, w.kw) + ", dilation " + pair_str(w.dh, w.dw) + ", padding " +
                 pair_str(w.ph, w.pw) + ", input " + pair_str(w.height, w.width) + ")");
}

Tensor conv2d_impl(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias,
                   Int2 stride, const Padding2d& padding, Int2 dilation, int64_t groups) {
  Batched b = batched(op, input);
  const Tensor& x = b.x;
  check_image(op, x);
  check_defined(op, weight);
  check_same_dtype(op, x, weight);
  check_same_device(op, x, weight);
  if (weight.dim() != 4)
    fail(op, "expected weight [C_out, C_in / groups, kh, kw], got shape " + weight.shape().str());
  if (groups <= 0) fail(op, "groups must be positive, got " + std::to_string(groups));
  const Shape& s = x.shape();
  const Shape& ws = weight.shape();
  int64_t C = s[1], O = ws[0], Cg = ws[1];
  if (C % groups != 0 || O % groups != 0)
    fail(op, "input channels " + std::to_string(C) + " and output channels " + std::to_string(O) +
                 " must both be divisible by groups " + std::to_string(groups));
  if (Cg * groups != C)
    fail(op, "weight of shape " + ws.str() + " expects " + std::to_string(Cg * groups) +
                 " input channels (groups " + std::to_string(groups) + "), got input of shape " +
                 s.str());
  if (bias.defined()) {
    check_same_dtype(op, x, bias);
    check_same_device(op, x, bias);
    if (bias.dim() != 1 || bias.shape()[0] != O)
      fail(op, "bias of shape " + bias.shape().str() + " does not match weight of shape " +
                   ws.str() + " (expected [" + std::to_string(O) + "])");
  }
  Int2 k(ws[2], ws[3]);
  Int2 pad = padding.size;
  bool same = false;
  if (padding.mode == "same") {
    if (stride.h != 1 || stride.w != 1)
      fail(op, "padding \"same\" needs stride 1, got stride " + pair_str(stride.h, stride.w));
    same = true;
    pad = Int2(dilation.h * (k.h - 1) / 2,
               dilation.w * (k.w - 1) / 2);  // the odd one goes at the end
  } else if (padding.mode == "valid") {
    pad = Int2(0);
  } else if (!padding.mode.empty()) {
    fail(op, "padding must be a size, \"same\" or \"valid\", got \"" + padding.mode + "\"");
  }
  Window2d w = window(op, s, k, stride, pad, dilation, same);
  w.by_image = true;
  int64_t N = s[0], L = w.out_h * w.out_w, K = Cg * k.h * k.w;
  // [N, C kh kw, L], group g's rows one block in each image: one GEMM per image (and group) writes
  // y in its own layout, with no copy to reorder it.
  Tensor cols = im2col(op, x, w, 0.0);
  Tensor y = groups == 1 ? mm(reshape(weight, {O, K}), cols)
                         : matmul(reshape(weight, {groups, O / groups, K}),
                                  reshape(cols, {N, groups, K, L}));
  y = reshape(y, {N, O, w.out_h, w.out_w});
  if (bias.defined()) y = add(y, reshape(bias, {1, O, 1, 1}));
  return b.out(y);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Int2 stride,
              Padding2d padding, Int2 dilation, int64_t groups, Where loc) {
  CallSite site(loc);
  return conv2d_impl("conv2d", x, weight, bias, stride, padding, dilation, groups);
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride,
              Padding2d padding, int64_t dilation, int64_t groups, Where loc) {
  CallSite site(loc);
  const char* op = "conv1d";
  check_defined(op, x);
  check_defined(op, weight);
  if (x.dim() != 2 && x.dim() != 3)
    fail(op, "expected input [N, C, L] (or [C, L]), got shape " + x.shape().str());
  if (weight.dim() != 3)
    fail(op, "expected weight [C_out, C_in / groups, k], got shape " + weight.shape().str());
  if (padding.mode.empty() && padding.size.h != padding.size.w)
    fail(op, "padding is one number for a 1-D convolution, got " +
                 pair_str(padding.size.h, padding.size.w));
  Padding2d pad = padding.mode.empty() ? Padding2d(0, padding.size.w) : padding;
  Tensor y = conv2d_impl(op, unsqueeze(x, -2), unsqueeze(weight, -2), bias, Int2(1, stride), pad,
                         Int2(1, dilation), groups);
  return squeeze(y, -2);
}

namespace {

// max_pool2d's gather: out[r, j] = x[r, index[r, j]] for x [R, H W] and index [R, L] from the
// pool's own forward, in range by construction, so no range scan (gather's check read every index
// on every step). Its backward scatters into fresh zeros (no copy of a zero tensor), and that
// scatter's backward is this gather again, so second derivatives hold.
Tensor pool_scatter(const Tensor& grad, const Tensor& index, const Shape& shape);
Tensor pool_gather(const Tensor& x, const Tensor& index) {
  const char* op = "max_pool2d";
  Tensor out = make_tensor(index.shape(), x.dtype(), x.device());
  if (out.numel())
    kernels_for(x, op).gather(x, index, out, x.shape()[0], x.shape()[1], index.shape()[1], 1);
  if (Recorder r{op, out, {&x}})
    r.backward([index = r.save(index), shape = x.shape()](Grads& g) {
      g[0] = pool_scatter(g.out, g(index), shape);
    });
  return out;
}
Tensor pool_scatter(const Tensor& grad, const Tensor& index, const Shape& shape) {
  const char* op = "max_pool2d_backward";
  Tensor out = zeros(shape, TensorOptions{grad.dtype(), grad.device()});
  if (grad.numel())
    kernels_for(grad, op).scatter_add(grad, index, out, shape[0], shape[1], index.shape()[1], 1);
  if (Recorder r{op, out, {&grad}})
    r.backward([index = r.save(index)](Grads& g) { g[0] = pool_gather(g.out, g(index)); });
  return out;
}

// On the CPU, the window maxima's positions in one pass over x: for each window the first valid
// position of its maximum, a NaN counting as the maximum (PyTorch's rule, and the composite's
// below wherever the window holds a number above -inf). planes = N C images of H x W.
//
// Which entry wins is data, so there is no branch on it (one per entry mispredicted, and a scalar
// select chain took a quarter of a small CNN's training step). Each plane is copied into a buffer
// whose rows are padded left and right and split by column phase (column c of a padded row goes
// to phase c mod stride, slot c / stride), with a mask of which padded columns are the image's.
// Then, for each output row and window entry, one loop of compares and selects runs over a whole
// row of outputs, a multiple of 16 long, reading both arrays contiguously: the compiler vectorizes
// it with no gather, no strided load and no scalar remainder. Pos is int32_t where every position
// fits, so positions and values share SIMD lanes.
template <class T, class Pos>
void pool_indices(const T* x, int64_t* out, const Window2d& w, int64_t planes) {
  const int64_t H = w.height, W = w.width, OH = w.out_h, OW = w.out_w, L = OH * OW;
  const int64_t kh = w.kh, kw = w.kw, sh = w.sh, sw = w.sw, ph = w.ph, pw = w.pw, dh = w.dh,
                dw = w.dw;
  const int64_t OWp = (OW + 15) / 16 * 16;
  // Slots per phase: output ox's entry j reads slot ox + (j dw) / sw of phase (j dw) mod sw.
  const int64_t Q = std::max(OWp + (kw - 1) * dw / sw + 1, (pw + W + sw - 1) / sw);
  const int64_t row_len = sw * Q;  // one padded row, all its phases
  std::vector<Pos> inside(static_cast<size_t>(row_len), Pos(0));
  std::vector<int64_t> slot(static_cast<size_t>(W));  // image column -> place in a padded row
  for (int64_t c = 0; c < W; ++c) {
    const int64_t padded = c + pw;
    slot[c] = (padded % sw) * Q + padded / sw;
    inside[slot[c]] = Pos(1);
  }
  const int64_t groups = std::min<int64_t>(planes, 32);  // a task per plane: a hand-off per 49 outputs
  kernels::cpu_detail::parallel_for(groups, [&](int64_t g) {
    std::vector<T> buf(static_cast<size_t>(H * row_len), T(0)), best(static_cast<size_t>(OWp));
    // A plane's positions, a padded row per output row, copied out once the plane is done: read
    // back right after its vector stores, a position stalled on store forwarding.
    std::vector<Pos> at(static_cast<size_t>(OH * OWp));
    T* bv = best.data();
    for (int64_t p = planes * g / groups; p < planes * (g + 1) / groups; ++p) {
      const T* img = x + p * H * W;
      for (int64_t r = 0; r < H; ++r) {
        T* dst_row = buf.data() + r * row_len;
        for (int64_t c = 0; c < W; ++c) dst_row[slot[c]] = img[r * W + c];
      }
      int64_t* dst = out + p * L;
      for (int64_t oy = 0; oy < OH; ++oy) {
        Pos* av = at.data() + oy * OWp;
        std::fill(av, av + OWp, Pos(-1));
        std::fill(bv, bv + OWp, T(0));
        for (int64_t i = 0; i < kh; ++i) {
          const int64_t iy = oy * sh - ph + i * dh;
          if (iy < 0 || iy >= H) continue;  // geometry only: predictable
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t c0 = j * dw, first = (c0 % sw) * Q + c0 / sw;
            const T* src = buf.data() + iy * row_len + first;
            const Pos* in = inside.data() + first;
            const Pos base = static_cast<Pos>(iy * W + c0 - pw), step = static_cast<Pos>(sw);
            for (int64_t ox = 0; ox < OWp; ++ox) {
              const T v = src[ox], b = bv[ox];
              const Pos a = av[ox];
              const bool take = (in[ox] != 0) & ((a < 0) | (v > b) | ((v != v) & (b == b)));
              bv[ox] = take ? v : b;
              av[ox] = take ? static_cast<Pos>(base + static_cast<Pos>(ox) * step) : a;
            }
          }
        }
      }
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) dst[oy * OW + ox] = at[oy * OWp + ox];
    }
  });
}

template <class T>
void pool_indices_cpu(const T* x, int64_t* out, const Window2d& w, int64_t planes) {
  // The largest position computed: the last padded row's reach, in image coordinates.
  const int64_t reach = (w.height + 1) * (w.width + w.pw + w.kw * w.dw + 16 * w.sw);
  if (reach < (int64_t{1} << 31))
    pool_indices<T, int32_t>(x, out, w, planes);
  else
    pool_indices<T, int64_t>(x, out, w, planes);
}

}  // namespace

ValuesIndices max_pool2d_with_indices(const Tensor& input, Int2 k, std::optional<Int2> stride,
                                      Int2 pad, Int2 dil, Where loc) {
  CallSite site(loc);
  const char* op = "max_pool2d";
  Batched b = batched(op, input);
  const Tensor& x = b.x;
  check_pool_padding(op, k, pad);
  Window2d w = window(op, x.shape(), k, stride.value_or(k), pad, dil);
  check_pool_windows(op, w);
  const int64_t N = w.batch, C = w.channels, H = w.height, W = w.width, L = w.out_h * w.out_w;
  Window2d plane = w;  // every channel of every image as one single-channel image
  plane.batch = N * C;
  plane.channels = 1;
  TensorOptions ints{kInt64, x.device()};
  Tensor indices;
  const Tensor planes = reshape(x, {N * C, H * W});
  if (x.device().is_cpu() && x.numel()) {
    indices = make_tensor({N * C, L}, kInt64, x.device());
    if (x.dtype() == kFloat32)
      pool_indices_cpu(static_cast<const float*>(x.data_ptr()), static_cast<int64_t*>(indices.data_ptr()), w, N * C);
    else
      pool_indices_cpu(static_cast<const double*>(x.data_ptr()), static_cast<int64_t*>(indices.data_ptr()), w, N * C);
    Tensor values = pool_gather(planes, indices);  // in range by construction
    Shape out_shape{N, C, w.out_h, w.out_w};
    return {b.out(reshape(values, out_shape)), b.out(reshape(indices, out_shape))};
  }
  {
    NoGradGuard no_grad;
    Tensor cols =
        im2col(op, x.detach(), plane, -std::numeric_limits<double>::infinity());  // [kh kw, N C L]
    Tensor which = argmax(cols, 0);                                               // [N C L]
    // input position = (window origin) + (offset of the window entry)
    std::vector<double> offset(k.h * k.w), origin(L);
    for (int64_t i = 0; i < k.h; ++i)
      for (int64_t j = 0; j < k.w; ++j) offset[i * k.w + j] = double(i * w.dh * W + j * w.dw);
    for (int64_t y = 0; y < w.out_h; ++y)
      for (int64_t xx = 0; xx < w.out_w; ++xx)
        origin[y * w.out_w + xx] = double((y * w.sh - w.ph) * W + xx * w.sw - w.pw);
    indices = add(reshape(index_select(tensor(offset, ints), 0, which), {N * C, L}),
                  tensor(origin, ints));
  }
  // Range-checked: a window whose numbers are all -inf picks its first entry, which may be padding.
  Tensor values = gather(planes, 1, indices);
  Shape out_shape{N, C, w.out_h, w.out_w};
  return {b.out(reshape(values, out_shape)), b.out(reshape(indices, out_shape))};
}

Tensor max_pool2d(const Tensor& x, Int2 k, std::optional<Int2> stride, Int2 pad, Int2 dil,
                  Where loc) {
  CallSite site(loc);
  return max_pool2d_with_indices(x, k, stride, pad, dil).values;
}

Tensor avg_pool2d(const Tensor& input, Int2 k, std::optional<Int2> stride, Int2 pad, Where loc) {
  CallSite site(loc);
  const char* op = "avg_pool2d";
  Batched b = batched(op, input);
  const Tensor& x = b.x;
  check_pool_padding(op, k, pad);
  Window2d w = window(op, x.shape(), k, stride.value_or(k), pad, 1);
  Window2d plane = w;
  plane.batch = w.batch * w.channels;
  plane.channels = 1;
  Tensor cols = im2col(op, reshape(x, {plane.batch, 1, w.height, w.width}), plane, 0.0);
  return b.out(reshape(mean(cols, {0}), {w.batch, w.channels, w.out_h, w.out_w}));
}

Tensor adaptive_avg_pool2d(const Tensor& input, Int2 size, Where loc) {
  CallSite site(loc);
  const char* op = "adaptive_avg_pool2d";
  Batched b = batched(op, input);
  const Tensor& x = b.x;
  if (size.h <= 0 || size.w <= 0)
    fail(op, "output size must be positive, got " + pair_str(size.h, size.w));
  const Shape& s = x.shape();
  if (s[2] == 0 || s[3] == 0) fail(op, "input of shape " + s.str() + " has an empty plane");
  // P [out, in]: row i averages PyTorch's window [floor(i in / out), ceil((i + 1) in / out)).
  auto averaging = [&](int64_t out, int64_t in) {
    std::vector<double> p(out * in, 0.0);
    for (int64_t i = 0; i < out; ++i) {
      int64_t lo = i * in / out, hi = ((i + 1) * in + out - 1) / out;
      for (int64_t j = lo; j < hi; ++j) p[i * in + j] = 1.0 / double(hi - lo);
    }
    return tensor(p, {out, in}, TensorOptions{x.dtype(), x.device()});
  };
  Tensor ph = averaging(size.h, s[2]), pw = averaging(size.w, s[3]);
  Tensor rows = mm(reshape(x, {s[0] * s[1], s[2], s[3]}), pw, false, true);  // [N C, H, out_w]
  return b.out(reshape(mm(ph, rows), {s[0], s[1], size.h, size.w}));
}

}  // namespace xgrad
