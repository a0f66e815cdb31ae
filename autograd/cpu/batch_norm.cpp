#include "autograd/cpu/batch_norm.hpp"

#include <array>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/lanes.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

struct Layout {
  int64_t n, c, s;  // x [N, C, S]
};
Layout layout_of(const Tensor& x) {
  const Shape& sh = x.shape();
  int64_t s = 1;
  for (int64_t i = 2; i < sh.ndim(); ++i) s *= sh[i];
  return {sh[0], sh[1], s};
}

// Calls f(T{}) for float32 (float) or float64 (double): the caller sends floating tensors only.
template <class F>
void floating(Dtype d, F&& f) {
  if (d == kFloat32)
    f(float{});
  else
    f(double{});
}

// Runs f(c) for every channel, on the kernels' threads when x is large.
template <class F>
void each_channel(const Layout& l, F&& f) {
  if (l.n * l.c * l.s < kParallelElements) {
    for (int64_t c = 0; c < l.c; ++c) f(c);
  } else {
    parallel_for(l.c, [&](int64_t c) { f(c); });
  }
}

// The sums over channel c of the K values v(i) gives for each element i (a std::array), in one
// pass, each in kLanes double lanes: lane j takes the elements i = j mod kLanes of each block (one
// image's S values), then the tail.
template <size_t K, class V>
std::array<double, K> channel_sums(const Layout& l, int64_t c, V&& v) {
  double lane[K][kLanes] = {};
  std::array<double, K> total{};
  for (int64_t n = 0; n < l.n; ++n) {
    const int64_t off = (n * l.c + c) * l.s;
    int64_t i = 0;
    for (; i + kLanes <= l.s; i += kLanes)
      for (int j = 0; j < kLanes; ++j) {
        const std::array<double, K> e = v(off + i + j);
        for (size_t k = 0; k < K; ++k) lane[k][j] += e[k];
      }
    for (; i < l.s; ++i) {
      const std::array<double, K> e = v(off + i);
      for (size_t k = 0; k < K; ++k) total[k] += e[k];
    }
  }
  for (size_t k = 0; k < K; ++k)
    for (int j = 0; j < kLanes; ++j) total[k] += lane[k][j];
  return total;
}

// Calls f(i) for every element i of channel c, image by image.
template <class F>
void channel_elements(const Layout& l, int64_t c, F&& f) {
  for (int64_t n = 0; n < l.n; ++n) {
    const int64_t off = (n * l.c + c) * l.s;
    for (int64_t i = off; i < off + l.s; ++i) f(i);
  }
}

}  // namespace

void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var) {
  const Layout l = layout_of(x);
  const double count = double(l.n * l.s);
  floating(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    T* pm = data<T>(mean);
    T* pv = data<T>(var);
    each_channel(l, [&](int64_t c) {
      const double m = channel_sums<1>(l, c, [&](int64_t i) { return std::array{double(px[i])}; })[0] / count;
      const double v = channel_sums<1>(l, c, [&](int64_t i) {
        const double d = double(px[i]) - m;
        return std::array{d * d};
      })[0];
      pm[c] = static_cast<T>(m);
      pv[c] = static_cast<T>(v / count);
    });
  });
}

void batch_norm_apply(const Tensor& x, const Tensor& scale, const Tensor& shift, Tensor& y) {
  const Layout l = layout_of(x);
  floating(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    const T* ps = data<const T>(scale);
    const T* pb = data<const T>(shift);
    T* py = data<T>(y);
    each_channel(l, [&](int64_t c) {
      const T s = ps[c], b = pb[c];
      channel_elements(l, c, [&](int64_t i) { py[i] = px[i] * s + b; });
    });
  });
}

void batch_norm_grad_sums(const Tensor& x, const Tensor& g, const Tensor& mean, Tensor& gsum, Tensor& gxc) {
  const Layout l = layout_of(x);
  floating(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    const T* pg = data<const T>(g);
    const T* pm = data<const T>(mean);
    T* ps = data<T>(gsum);
    T* pc = data<T>(gxc);
    each_channel(l, [&](int64_t c) {
      const T m = pm[c];
      const std::array<double, 2> sums = channel_sums<2>(
          l, c, [&](int64_t i) { return std::array{double(pg[i]), double(pg[i] * (px[i] - m))}; });
      ps[c] = static_cast<T>(sums[0]);
      pc[c] = static_cast<T>(sums[1]);
    });
  });
}

void batch_norm_grad_input(const Tensor& x, const Tensor& g, const Tensor& mean, const Tensor& scale,
                           const Tensor& a, const Tensor& b, Tensor& dx) {
  const Layout l = layout_of(x);
  floating(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    const T* pg = data<const T>(g);
    T* pd = data<T>(dx);
    const T *pm = data<const T>(mean), *ps = data<const T>(scale), *pa = data<const T>(a),
            *pb = data<const T>(b);
    each_channel(l, [&](int64_t c) {
      const T m = pm[c], s = ps[c], ca = pa[c], cb = pb[c];
      channel_elements(l, c, [&](int64_t i) { pd[i] = pg[i] * s + (px[i] - m) * ca + cb; });
    });
  });
}

}  // namespace xgrad::kernels::cpu_detail
