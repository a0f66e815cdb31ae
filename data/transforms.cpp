#include "xgrad/data/transforms.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::data::transforms {

namespace {

// The batch as N images of `planes` H x W planes each.
struct Layout {
  int64_t n, planes, h, w;
};

Layout layout_of(const Tensor& images, const char* op) {
  if (!images.defined()) throw Error(std::string(op) + ": images are undefined");
  const Shape& s = images.shape();
  if (s.ndim() == 3) return {s[0], 1, s[1], s[2]};
  if (s.ndim() == 4) return {s[0], s[1], s[2], s[3]};
  if (s.ndim() == 2) {
    auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(s[1]))));
    if (side * side == s[1]) return {s[0], 1, side, side};
  }
  throw Error(std::string(op) + ": expected images [N, H, W], [N, C, H, W] or [N, D] with D a " +
              "square, got shape " + s.str());
}

Tensor rebuild(const std::vector<double>& values, const Tensor& like) {
  return tensor(values, like.shape(),
                TensorOptions(like.dtype(), like.device()));
}

}  // namespace

Tensor shift(const Tensor& images, const std::vector<int64_t>& dx, const std::vector<int64_t>& dy) {
  Layout l = layout_of(images, "shift");
  if (static_cast<int64_t>(dx.size()) != l.n || static_cast<int64_t>(dy.size()) != l.n)
    throw Error("shift: " + std::to_string(l.n) + " images but " + std::to_string(dx.size()) +
                " dx and " + std::to_string(dy.size()) + " dy values");
  NoGradGuard no_grad;
  std::vector<double> in = images.detach().cpu().to_vector<double>();
  std::vector<double> out(in.size(), 0.0);
  const int64_t plane = l.h * l.w;
  for (int64_t i = 0; i < l.n; ++i)
    for (int64_t c = 0; c < l.planes; ++c) {
      const int64_t base = (i * l.planes + c) * plane;
      for (int64_t r = 0; r < l.h; ++r) {
        int64_t src_r = r - dy[i];
        if (src_r < 0 || src_r >= l.h) continue;
        for (int64_t col = 0; col < l.w; ++col) {
          int64_t src_c = col - dx[i];
          if (src_c >= 0 && src_c < l.w) out[base + r * l.w + col] = in[base + src_r * l.w + src_c];
        }
      }
    }
  return rebuild(out, images);
}

Tensor horizontal_flip(const Tensor& images, const std::vector<bool>& flip) {
  Layout l = layout_of(images, "horizontal_flip");
  if (static_cast<int64_t>(flip.size()) != l.n)
    throw Error("horizontal_flip: " + std::to_string(l.n) + " images but " +
                std::to_string(flip.size()) + " flags");
  NoGradGuard no_grad;
  std::vector<double> v = images.detach().cpu().to_vector<double>();
  const int64_t plane = l.h * l.w;
  for (int64_t i = 0; i < l.n; ++i) {
    if (!flip[i]) continue;
    for (int64_t c = 0; c < l.planes; ++c)
      for (int64_t r = 0; r < l.h; ++r) {
        double* row = v.data() + (i * l.planes + c) * plane + r * l.w;
        std::reverse(row, row + l.w);
      }
  }
  return rebuild(v, images);
}

Tensor RandomShift::operator()(const Tensor& images) const {
  Layout l = layout_of(images, "RandomShift");
  if (max_shift < 0)
    throw Error("RandomShift: max_shift must be >= 0, got " + std::to_string(max_shift));
  if (l.n == 0) return images;
  std::vector<int64_t> d = randint(-max_shift, max_shift + 1, {2, l.n}).to_vector<int64_t>();
  return shift(images, {d.begin(), d.begin() + l.n}, {d.begin() + l.n, d.end()});
}

Tensor RandomHorizontalFlip::operator()(const Tensor& images) const {
  Layout l = layout_of(images, "RandomHorizontalFlip");
  if (!(p >= 0 && p <= 1)) throw Error("RandomHorizontalFlip: p must be in [0, 1]");
  if (l.n == 0) return images;
  std::vector<double> u = rand({l.n}, kFloat64).to_vector<double>();
  std::vector<bool> flip(static_cast<size_t>(l.n));
  for (int64_t i = 0; i < l.n; ++i) flip[i] = u[i] < p;
  return horizontal_flip(images, flip);
}

Tensor Compose::operator()(const Tensor& images) const {
  Tensor x = images;
  for (const auto& t : transforms_) x = t(x);
  return x;
}

}  // namespace xgrad::data::transforms
