// image_grid: grayscale images in a grid, each under its caption (the notebooks' digit figures).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "xgrad/autograd/core.hpp"
#include "xgrad/autograd/graph.hpp"
#include "xgrad/plot/plot.hpp"
#include "xgrad/plot/svg.hpp"

namespace xgrad::plot {

void image_grid(const std::string& path, const Tensor& images,
                const std::vector<std::string>& captions, const ImageGridOptions& opt) {
  if (!images.defined() || (images.dim() != 3 && images.dim() != 2))
    throw Error("plot: image_grid expects images [n, h, w] (or [n, h * w] of square images), got " +
                (images.defined() ? images.shape().str() : std::string("an undefined tensor")));
  const int64_t n = images.size(0);
  int64_t h = 0, w = 0;
  if (images.dim() == 3) {
    h = images.size(1), w = images.size(2);
  } else {
    h = w = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(images.size(1)))));
    if (h * w != images.size(1))
      throw Error("plot: image_grid got rows of " + std::to_string(images.size(1)) +
                  " pixels, not a square image; pass [n, h, w]");
  }
  if (n == 0 || h == 0 || w == 0)
    throw Error("plot: image_grid needs at least one non-empty image");
  if (!captions.empty() && static_cast<int64_t>(captions.size()) != n)
    throw Error("plot: image_grid got " + std::to_string(captions.size()) + " captions for " +
                std::to_string(n) + " images (give one per image, or none)");
  if (opt.columns < 1)
    throw Error("plot: image_grid columns must be at least 1, got " + std::to_string(opt.columns));
  if (!(opt.cell >= 8 && opt.cell <= 2000))
    throw Error("plot: image_grid cell must be 8..2000 pixels, got " + std::to_string(opt.cell));

  std::vector<double> px;
  {
    NoGradGuard no_grad;
    px = images.detach().cpu().to(kFloat64).reshape({n, h * w}).to_vector<double>();
  }
  const int64_t columns = std::min<int64_t>(opt.columns, n), rows = (n + columns - 1) / columns;
  const double gap = 10, caption_h = captions.empty() ? 0 : 22, top = opt.title.empty() ? 10 : 40;
  const double cell_w = opt.cell + gap, cell_h = opt.cell + caption_h + gap;
  Svg svg(gap + cell_w * static_cast<double>(columns), top + cell_h * static_cast<double>(rows));
  if (!opt.title.empty())
    svg.text(svg.width() / 2, 26, opt.title, {.size = 14, .anchor = "middle", .bold = true});
  const double pw = opt.cell / static_cast<double>(w), ph = opt.cell / static_cast<double>(h);
  const std::string background = opt.invert ? "#ffffff" : "#000000";
  for (int64_t i = 0; i < n; ++i) {
    const double ox = gap + cell_w * static_cast<double>(i % columns);
    const double oy = top + cell_h * static_cast<double>(i / columns) + caption_h;
    if (!captions.empty())
      svg.text(ox + opt.cell / 2, oy - 6, captions[i], {.size = 13, .anchor = "middle"});
    const double* img = px.data() + i * h * w;
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t k = 0; k < h * w; ++k)
      if (std::isfinite(img[k])) lo = std::min(lo, img[k]), hi = std::max(hi, img[k]);
    // One rect per run of equal gray along a row; the background is the frame's fill.
    auto gray = [&](double v) {
      double t = std::isfinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0.0;
      long level = std::lround((opt.invert ? 1.0 - t : t) * 255);
      char buf[8];
      std::snprintf(buf, sizeof buf, "#%02lx%02lx%02lx", level, level, level);
      return std::string(buf);
    };
    svg.begin_group("image");
    Stroke border{"#999999", 0.5};
    svg.rect(ox, oy, opt.cell, opt.cell, background, &border);
    for (int64_t r = 0; r < h; ++r) {
      for (int64_t c = 0; c < w;) {
        std::string color = gray(img[r * w + c]);
        int64_t end = c + 1;
        while (end < w && gray(img[r * w + end]) == color) ++end;
        if (color != background)
          svg.rect(ox + pw * static_cast<double>(c), oy + ph * static_cast<double>(r),
                   pw * static_cast<double>(end - c) + 0.2, ph + 0.2, color);
        c = end;
      }
    }
    svg.end_group();
  }
  svg.save(path);
}

}  // namespace xgrad::plot
