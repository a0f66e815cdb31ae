// path_over_field: a function of (x, y) as a heat map with contour lines, and a path of points
// joined by arrows over it (notebook 004's gradient-descent figures).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "xgrad/autograd/core.hpp"
#include "xgrad/plot/plot.hpp"
#include "plot/plot_axes.hpp"

namespace xgrad::plot {

using detail::Frame;

namespace {

constexpr double kLeft = 56, kTop = 40, kBottom = 52, kBarGap = 20, kBarWidth = 16, kBarLabels = 56;

// matplotlib's Set2, the notebook's contour colors.
const char* const kSet2[] = {"#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3",
                             "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"};

using Point = std::pair<double, double>;

void check_field(const Field& f) {
  const size_t rows = f.z.size(), cols = rows ? f.z[0].size() : 0;
  if (rows < 2 || cols < 2)
    throw Error("plot: path_over_field needs a field of at least 2 x 2 values");
  for (size_t r = 0; r < rows; ++r)
    if (f.z[r].size() != cols)
      throw Error("plot: path_over_field: field row " + std::to_string(r) + " has " +
                  std::to_string(f.z[r].size()) + " values, row 0 has " + std::to_string(cols));
  if (!(std::isfinite(f.x0) && std::isfinite(f.x1) && std::isfinite(f.y0) && std::isfinite(f.y1) &&
        f.x1 > f.x0 && f.y1 > f.y0))
    throw Error(
        "plot: path_over_field: the field's extent must be finite with x1 > x0 and y1 > y0");
}

// Marching squares over the cell centers: the segments where the field crosses `level`.
std::vector<std::pair<Point, Point>> contour(const Field& f, double level) {
  const size_t rows = f.z.size(), cols = f.z[0].size();
  const double dx = (f.x1 - f.x0) / static_cast<double>(cols),
               dy = (f.y1 - f.y0) / static_cast<double>(rows);
  auto at = [&](size_t r, size_t c) {
    return Point{f.x0 + (static_cast<double>(c) + 0.5) * dx,
                 f.y0 + (static_cast<double>(r) + 0.5) * dy};
  };
  auto cross = [&](Point a, double va, Point b, double vb) {
    double t = (level - va) / (vb - va);
    return Point{a.first + t * (b.first - a.first), a.second + t * (b.second - a.second)};
  };
  std::vector<std::pair<Point, Point>> segments;
  for (size_t r = 0; r + 1 < rows; ++r)
    for (size_t c = 0; c + 1 < cols; ++c) {
      // Corners counter-clockwise from bottom left, and the four edges between them.
      Point p[4] = {at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)};
      double v[4] = {f.z[r][c], f.z[r][c + 1], f.z[r + 1][c + 1], f.z[r + 1][c]};
      if (!std::all_of(v, v + 4, [](double x) { return std::isfinite(x); })) continue;
      std::vector<Point> hits;
      for (int e = 0; e < 4; ++e) {
        int a = e, b = (e + 1) % 4;
        if ((v[a] < level) != (v[b] < level)) hits.push_back(cross(p[a], v[a], p[b], v[b]));
      }
      if (hits.size() == 2) {
        segments.emplace_back(hits[0], hits[1]);
      } else if (hits.size() == 4) {  // a saddle: pair the crossings by the center's side
        bool center_above = (v[0] + v[1] + v[2] + v[3]) / 4 >= level;
        bool corner0_above = v[0] >= level;
        if (center_above == corner0_above) {
          segments.emplace_back(hits[0], hits[1]);
          segments.emplace_back(hits[2], hits[3]);
        } else {
          segments.emplace_back(hits[3], hits[0]);
          segments.emplace_back(hits[1], hits[2]);
        }
      }
    }
  return segments;
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace

void path_over_field(const std::string& path, const Field& field, const std::vector<Point>& points,
                     const FieldOptions& opt) {
  check_field(field);
  if (!(opt.size >= 50 && opt.size <= 10000))
    throw Error("plot: path_over_field size must be 50..10000 pixels, got " +
                std::to_string(opt.size));
  for (const Point& p : points)
    if (!std::isfinite(p.first) || !std::isfinite(p.second))
      throw Error("plot: path_over_field: the path's points must be finite");
  const size_t rows = field.z.size(), cols = field.z[0].size();
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& row : field.z)
    for (double v : row)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);

  // Equal scales on both axes, the longer side `size` pixels.
  const double xr = field.x1 - field.x0, yr = field.y1 - field.y0;
  const double width = xr >= yr ? opt.size : opt.size * xr / yr;
  const double height = yr >= xr ? opt.size : opt.size * yr / xr;
  Frame f{kLeft, kTop, width, height, field.x0, field.x1, field.y0, field.y1};
  const double bar_x = kLeft + width + kBarGap;
  Svg svg(bar_x + kBarWidth + kBarLabels, kTop + height + kBottom);

  detail::draw_axes(svg, f, detail::nice_ticks(f.x0, f.x1), detail::nice_ticks(f.y0, f.y1),
                    opt.title, opt.xlabel, opt.ylabel);
  svg.begin_group("cells");  // over the axes' grid lines, as imshow
  const double cw = width / static_cast<double>(cols), ch = height / static_cast<double>(rows);
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      double v = field.z[r][c];
      std::string fill =
          !std::isfinite(v) ? "#bdbdbd" : detail::viridis(hi > lo ? (v - lo) / (hi - lo) : 0.5);
      // A hair larger than the cell so that anti-aliasing leaves no seams.
      svg.rect(kLeft + cw * static_cast<double>(c), kTop + height - ch * static_cast<double>(r + 1),
               cw + 0.3, ch + 0.3, fill);
    }
  svg.end_group();

  svg.begin_clipped_group("contours", kLeft, kTop, width, height);
  for (size_t i = 0; i < opt.levels.size(); ++i) {
    double level = opt.levels[i];
    size_t k = opt.levels.size() == 1 ? 0 : i * 7 / (opt.levels.size() - 1);
    Stroke stroke{kSet2[k], 2};
    auto segments = contour(field, level);
    for (const auto& [a, b] : segments)
      svg.line(f.px(a.first), f.py(a.second), f.px(b.first), f.py(b.second), stroke);
    if (!segments.empty()) {  // the label, as clabel: the level's value on its line
      const auto& [a, b] = segments[segments.size() / 2];
      svg.text((f.px(a.first) + f.px(b.first)) / 2, (f.py(a.second) + f.py(b.second)) / 2 + 4,
               short_number(level),
               {.size = 10, .anchor = "middle", .color = kSet2[k], .bold = true});
    }
  }
  svg.end_group();

  svg.begin_clipped_group("path", kLeft, kTop, width, height);
  const Stroke arrow{"#ffffff", 1.5};
  const Stroke edge{"#333333", 0.6};
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    double x0 = f.px(points[i].first), y0 = f.py(points[i].second);
    double x1 = f.px(points[i + 1].first), y1 = f.py(points[i + 1].second);
    svg.circle(x0, y0, 4, "#ffffff", &edge);
    double len = std::hypot(x1 - x0, y1 - y0);
    if (len < 1e-6) continue;
    svg.line(x0, y0, x1, y1, arrow);
    // An open head ('->'): two strokes back from the tip at +-25 degrees.
    double head = std::min(10.0, 0.4 * len), ux = (x0 - x1) / len, uy = (y0 - y1) / len;
    for (double s : {-1.0, 1.0}) {
      double a = s * 25.0 * 3.14159265358979323846 / 180.0;
      svg.line(x1, y1, x1 + head * (ux * std::cos(a) - uy * std::sin(a)),
               y1 + head * (ux * std::sin(a) + uy * std::cos(a)), arrow);
    }
  }
  svg.end_group();

  const Stroke frame{"#444444", 1};
  svg.rect(kLeft, kTop, width, height, "none", &frame);  // the axes' box, over the cells' edges

  svg.begin_group("colorbar");
  const int steps = 40;
  const double step_h = height / steps;
  for (int i = 0; i < steps; ++i)
    svg.rect(bar_x, kTop + step_h * i, kBarWidth, step_h + 0.3,
             detail::viridis(1.0 - (i + 0.5) / steps));
  if (hi > lo) {
    std::vector<double> ticks = detail::nice_ticks(lo, hi, 5);
    double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1;
    for (double t : ticks) {
      double y = kTop + (1.0 - (t - lo) / (hi - lo)) * height;
      svg.line(bar_x + kBarWidth, y, bar_x + kBarWidth + 4, y, {"#444444", 1});
      svg.text(bar_x + kBarWidth + 7, y + 4, detail::tick_label(t, step),
               {.size = 11, .color = "#444444"});
    }
  }
  svg.end_group();
  svg.save(path);
}

}  // namespace xgrad::plot
