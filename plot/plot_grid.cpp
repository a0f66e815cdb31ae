// Plots over a grid of cells: scatter / decision_boundary of 2-D classifiers, and heat maps.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/plot/plot.hpp"
#include "plot/plot_axes.hpp"

namespace xgrad::plot {

using detail::Frame;

namespace {

constexpr double kLeft = 64, kRight = 20, kTop = 40, kBottom = 52;

// The notebooks' points: class 0 red, class 1 blue (ListedColormap(["#FF0000", "#0000FF"])).
std::string class_color(int64_t c) {
  if (c == 0) return "#ff0000";
  if (c == 1) return "#0000ff";
  return detail::kPalette[static_cast<size_t>(c) % detail::kPalette.size()];
}

struct Points {
  std::vector<double> xy;  // [n, 2] row-major
  std::vector<int64_t> label;
};

Points read_points(const Tensor& x, const Tensor& y) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != 2)
    throw Error("plot: expected points x of shape [n, 2], got " +
                (x.defined() ? x.shape().str() : std::string("an undefined tensor")));
  if (!y.defined() || y.numel() != x.size(0))
    throw Error("plot: expected one class label per point (" + std::to_string(x.size(0)) +
                "), got " + (y.defined() ? y.shape().str() : std::string("an undefined tensor")));
  Points p{x.detach().cpu().to_vector<double>(),
           y.detach().cpu().reshape({-1}).to_vector<int64_t>()};
  for (int64_t c : p.label)
    if (c < 0) throw Error("plot: class labels must be >= 0, got " + std::to_string(c));
  return p;
}

// The padded data range, the frame, and the axes drawn.
Frame layout(const Points& p, const BoundaryOptions& opt) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (size_t i = 0; i < p.label.size(); ++i) {
    xlo = std::min(xlo, p.xy[2 * i]);
    xhi = std::max(xhi, p.xy[2 * i]);
    ylo = std::min(ylo, p.xy[2 * i + 1]);
    yhi = std::max(yhi, p.xy[2 * i + 1]);
  }
  if (!std::isfinite(xlo) || !std::isfinite(xhi) || !std::isfinite(ylo) || !std::isfinite(yhi))
    throw Error("plot: the points must be finite (and at least one)");
  return {kLeft,
          kTop,
          opt.size - kLeft - kRight,
          opt.size - kTop - kBottom,
          xlo - opt.padding,
          xhi + opt.padding,
          ylo - opt.padding,
          yhi + opt.padding};
}

void draw_frame_and_points(Svg& svg, const Frame& f, const Points& p, const BoundaryOptions& opt) {
  detail::draw_axes(svg, f, detail::nice_ticks(f.x0, f.x1), detail::nice_ticks(f.y0, f.y1),
                    opt.title, "", "");
  svg.begin_group("points");
  Stroke edge{"#ffffff", 0.8};
  for (size_t i = 0; i < p.label.size(); ++i)
    svg.circle(f.px(p.xy[2 * i]), f.py(p.xy[2 * i + 1]), 3.5, class_color(p.label[i]), &edge);
  svg.end_group();
}

// Binary shades as a filled contour plot with levels 0, 0.1, ..., 1: red (p = 0) through white
// to blue (p = 1), light enough for the points to show.
std::string probability_color(double p) {
  double level = (std::floor(std::clamp(p, 0.0, 0.999999) * 10) + 0.5) / 10;
  return level < 0.5 ? mix("#f4a3a3", "#ffffff", level / 0.5)
                     : mix("#ffffff", "#a3b8f4", (level - 0.5) / 0.5);
}

}  // namespace

void scatter(const std::string& path, const Tensor& x, const Tensor& y,
             const BoundaryOptions& options) {
  Points p = read_points(x, y);
  Svg svg(options.size, options.size);
  Frame f = layout(p, options);
  draw_frame_and_points(svg, f, p, options);
  svg.save(path);
}

void decision_boundary(const std::string& path, const std::function<Tensor(const Tensor&)>& predict,
                       const Tensor& x, const Tensor& y, const BoundaryOptions& options) {
  if (options.grid < 2 || options.grid > 1000)
    throw Error("plot: decision_boundary grid must be 2..1000 cells per side, got " +
                std::to_string(options.grid));
  Points p = read_points(x, y);
  Svg svg(options.size, options.size);
  Frame f = layout(p, options);
  const int64_t g = options.grid, m = g * g;
  const double cw = (f.x1 - f.x0) / static_cast<double>(g),
               ch = (f.y1 - f.y0) / static_cast<double>(g);
  std::vector<float> centers(static_cast<size_t>(2 * m));
  for (int64_t r = 0; r < g; ++r)
    for (int64_t c = 0; c < g; ++c) {
      centers[2 * (r * g + c)] = static_cast<float>(f.x0 + (static_cast<double>(c) + 0.5) * cw);
      centers[2 * (r * g + c) + 1] = static_cast<float>(f.y0 + (static_cast<double>(r) + 0.5) * ch);
    }
  Tensor out;
  {
    NoGradGuard no_grad;
    out = predict(from_vector(centers, Shape{m, 2}, kFloat32)).detach().cpu();
  }
  if (!out.defined() || out.numel() % m != 0 || out.size(0) != m)
    throw Error("plot: decision_boundary's predictor returned shape " +
                (out.defined() ? out.shape().str() : std::string("undefined")) + " for " +
                std::to_string(m) + " grid points; expected [" + std::to_string(m) + "], [" +
                std::to_string(m) + ", 1] or [" + std::to_string(m) + ", classes]");
  const int64_t classes = out.numel() / m;
  std::vector<double> prob;
  std::vector<int64_t> cls;
  if (classes == 1) {
    prob = out.to(kFloat64).to_vector<double>();
  } else {
    if (!is_floating(out.dtype()))
      throw Error("plot: decision_boundary's predictor must return floating scores");
    cls = argmax(out.reshape({m, classes}), 1).to_vector<int64_t>();
  }
  svg.begin_group("cells");
  for (int64_t r = 0; r < g; ++r)
    for (int64_t c = 0; c < g; ++c) {
      int64_t i = r * g + c;
      std::string fill =
          classes == 1 ? probability_color(prob[i]) : mix(class_color(cls[i]), "#ffffff", 0.65);
      double left = f.px(f.x0 + static_cast<double>(c) * cw);
      double top = f.py(f.y0 + static_cast<double>(r + 1) * ch);
      // A hair wider than the cell so that anti-aliasing leaves no seams.
      svg.rect(left, top, f.width / static_cast<double>(g) + 0.3,
               f.height / static_cast<double>(g) + 0.3, fill);
    }
  svg.end_group();
  draw_frame_and_points(svg, f, p, options);
  svg.save(path);
}

namespace {

// The cell format goes to snprintf with one double: allow exactly one %f/%e/%g conversion.
void check_format(const std::string& format) {
  int conversions = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    if (i + 1 < format.size() && format[i + 1] == '%') {
      ++i;
      continue;
    }
    size_t j = format.find_first_not_of("0123456789.+- #", i + 1);
    if (j == std::string::npos || std::string("eEfFgG").find(format[j]) == std::string::npos)
      throw Error("plot: heatmap format '" + format + "' must use %f, %e or %g for the value");
    ++conversions;
    i = j;
  }
  if (conversions != 1)
    throw Error("plot: heatmap format '" + format + "' must hold exactly one conversion");
}

}  // namespace

void heatmap(const std::string& path, const std::vector<std::vector<double>>& values,
             const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
             const HeatmapOptions& opt) {
  const size_t rows = values.size(), cols = rows ? values[0].size() : 0;
  if (rows == 0 || cols == 0) throw Error("plot: heatmap needs at least one cell");
  for (size_t r = 0; r < rows; ++r)
    if (values[r].size() != cols)
      throw Error("plot: heatmap row " + std::to_string(r) + " has " +
                  std::to_string(values[r].size()) + " values, row 0 has " + std::to_string(cols));
  if (row_labels.size() != rows || col_labels.size() != cols)
    throw Error("plot: heatmap of " + std::to_string(rows) + "x" + std::to_string(cols) +
                " cells got " + std::to_string(row_labels.size()) + " row and " +
                std::to_string(col_labels.size()) + " column labels");
  check_format(opt.format);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& row : values)
    for (double v : row)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);

  size_t longest = 0;
  for (const auto& l : row_labels) longest = std::max(longest, l.size());
  const double cell = opt.cell;
  const double left = 40 + 7.0 * static_cast<double>(longest) + (opt.ylabel.empty() ? 0 : 24);
  const double top = opt.title.empty() ? 20 : 44;
  const double grid_w = cell * static_cast<double>(cols), grid_h = cell * static_cast<double>(rows);
  const double bar_x = left + grid_w + 24;
  Svg svg(bar_x + 90, top + grid_h + 70);

  svg.begin_group("cells");
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      double v = values[r][c], x = left + cell * static_cast<double>(c),
             y = top + cell * static_cast<double>(r);
      Stroke sep{"#ffffff", 1};
      if (!std::isfinite(v)) {
        svg.rect(x, y, cell, cell, "#bdbdbd", &sep);
        svg.text(x + cell / 2, y + cell / 2 + 4, "diverged",
                 {.size = std::min(12.0, cell / 5), .anchor = "middle", .color = "#444444"});
        continue;
      }
      double t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      svg.rect(x, y, cell, cell, detail::viridis(t), &sep);
      char buf[64];
      std::snprintf(buf, sizeof buf, opt.format.c_str(), v);
      svg.text(x + cell / 2, y + cell / 2 + 4, buf,
               {.size = std::min(12.0, cell / 5),
                .anchor = "middle",
                .color = t < 0.6 ? "#ffffff" : "#111111"});
    }
  svg.end_group();

  svg.begin_group("labels");
  for (size_t r = 0; r < rows; ++r)
    svg.text(left - 8, top + cell * (static_cast<double>(r) + 0.5) + 4, row_labels[r],
             {.size = 11, .anchor = "end"});
  for (size_t c = 0; c < cols; ++c)
    svg.text(left + cell * (static_cast<double>(c) + 0.5), top + grid_h + 18, col_labels[c],
             {.size = 11, .anchor = "middle"});
  if (!opt.xlabel.empty())
    svg.text(left + grid_w / 2, top + grid_h + 44, opt.xlabel, {.size = 13, .anchor = "middle"});
  if (!opt.ylabel.empty())
    svg.text(16, top + grid_h / 2, opt.ylabel, {.size = 13, .anchor = "middle", .rotate = -90});
  if (!opt.title.empty())
    svg.text(left + grid_w / 2, 26, opt.title, {.size = 14, .anchor = "middle", .bold = true});
  svg.end_group();

  // Color bar: the value range, and the gray of diverged cells.
  svg.begin_group("colorbar");
  const int steps = 20;
  const double bar_h = std::min(grid_h, 240.0), step_h = bar_h / steps;
  for (int i = 0; i < steps; ++i)
    svg.rect(bar_x, top + step_h * i, 16, step_h + 0.3, detail::viridis(1.0 - (i + 0.5) / steps));
  char buf[64];
  if (std::isfinite(lo)) {
    std::snprintf(buf, sizeof buf, opt.format.c_str(), hi);
    svg.text(bar_x + 22, top + 10, buf, {.size = 11});
    std::snprintf(buf, sizeof buf, opt.format.c_str(), lo);
    svg.text(bar_x + 22, top + bar_h, buf, {.size = 11});
  }
  svg.rect(bar_x, top + bar_h + 14, 16, 16, "#bdbdbd");
  svg.text(bar_x + 22, top + bar_h + 26, "diverged", {.size = 11});
  svg.end_group();
  svg.save(path);
}

}  // namespace xgrad::plot
