// Line plots: line_plot, line_plots and plot_loss_acc.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "xgrad/autograd/core.hpp"
#include "xgrad/plot/plot.hpp"
#include "plot/plot_axes.hpp"

namespace xgrad::plot {

using detail::Frame;

void History::add(const std::string& name, double v) { values[name].push_back(v); }

const std::vector<double>& History::operator[](const std::string& name) const {
  static const std::vector<double> empty;
  auto it = values.find(name);
  return it == values.end() ? empty : it->second;
}

namespace {

// Margins of a panel around its plotting area.
constexpr double kLeft = 72, kRight = 24, kTop = 40, kBottom = 56;

double x_of(const Series& s, size_t i) { return s.x.empty() ? static_cast<double>(i + 1) : s.x[i]; }

bool usable(const Series& s, size_t i, bool log_y) {
  double y = s.y[i], x = x_of(s, i);
  return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0);
}

void check(const std::vector<Series>& series) {
  for (const Series& s : series)
    if (!s.x.empty() && s.x.size() != s.y.size())
      throw Error("plot: series '" + s.label + "' has " + std::to_string(s.x.size()) +
                  " x values and " + std::to_string(s.y.size()) + " y values");
}

void draw_panel(Svg& svg, double ox, double oy, const std::vector<Series>& series,
                const LineOptions& opt) {
  check(series);
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : series)
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!usable(s, i, opt.log_y)) continue;
      double y = opt.log_y ? std::log10(s.y[i]) : s.y[i];
      xlo = std::min(xlo, x_of(s, i));
      xhi = std::max(xhi, x_of(s, i));
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1, ylo = 0, yhi = 1;  // nothing to draw: empty axes
  if (opt.y_min) ylo = opt.log_y ? std::log10(*opt.y_min) : *opt.y_min;
  if (opt.y_max) yhi = opt.log_y ? std::log10(*opt.y_max) : *opt.y_max;
  if (xhi <= xlo) xlo -= 0.5, xhi += 0.5;
  std::vector<double> x_ticks = detail::nice_ticks(xlo, xhi);
  std::vector<double> y_ticks;
  if (opt.log_y) {
    if (yhi - ylo < 1e-9) ylo -= 0.5, yhi += 0.5;
    y_ticks = detail::log_ticks(ylo, yhi);
  } else {
    if (!opt.y_min && !opt.y_max) detail::nice_range(ylo, yhi);
    if (yhi <= ylo) yhi = ylo + 1;
    y_ticks = detail::nice_ticks(ylo, yhi);
  }
  Frame f{
      ox + kLeft, oy + kTop, opt.width - kLeft - kRight, opt.height - kTop - kBottom, xlo, xhi, ylo,
      yhi,        opt.log_y};
  detail::draw_axes(svg, f, x_ticks, y_ticks, opt.title, opt.xlabel, opt.ylabel);

  svg.begin_group("series");
  size_t color_i = 0;
  std::vector<std::string> colors;
  std::vector<std::pair<double, double>> drawn;  // every point, for placing the legend
  for (const Series& s : series) {
    std::string color =
        s.color.empty() ? detail::kPalette[color_i++ % detail::kPalette.size()] : s.color;
    colors.push_back(color);
    std::vector<std::pair<double, double>> pts;
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!usable(s, i, opt.log_y)) continue;
      double y = opt.log_y ? s.y[i] : std::clamp(s.y[i], ylo, yhi);
      if (opt.log_y) y = std::clamp(y, std::pow(10.0, ylo), std::pow(10.0, yhi));
      pts.emplace_back(f.px(x_of(s, i)), f.py(y));
    }
    svg.polyline(pts, {color, 2, s.dashed ? "6 4" : ""});
    drawn.insert(drawn.end(), pts.begin(), pts.end());
    if (s.markers)
      for (auto [px, py] : pts) svg.circle(px, py, 2.5, color);
  }
  svg.end_group();

  // Legend in the corner of the plotting area that hides the fewest points (top right first).
  std::vector<size_t> shown;
  for (size_t i = 0; i < series.size(); ++i)
    if (!series[i].label.empty()) shown.push_back(i);
  if (shown.empty()) return;
  size_t longest = 0;
  for (size_t i : shown) longest = std::max(longest, series[i].label.size());
  double w = 40 + 6.8 * static_cast<double>(longest),
         h = 8 + 18 * static_cast<double>(shown.size());
  double lx = 0, ly = 0;
  size_t best = SIZE_MAX;
  for (auto [right, top] : {std::pair{true, true}, std::pair{true, false}, std::pair{false, true},
                            std::pair{false, false}}) {
    double x = right ? f.left + f.width - w - 8 : f.left + 8;
    double y = top ? f.top + 8 : f.top + f.height - h - 8;
    size_t hidden = 0;
    for (auto [px, py] : drawn) hidden += px >= x && px <= x + w && py >= y && py <= y + h;
    if (hidden < best) best = hidden, lx = x, ly = y;
  }
  svg.begin_group("legend");
  Stroke frame{"#bbbbbb", 1};
  svg.rect(lx, ly, w, h, "#ffffff", &frame);
  for (size_t k = 0; k < shown.size(); ++k) {
    const Series& s = series[shown[k]];
    double y = ly + 14 + 18 * static_cast<double>(k);
    svg.line(lx + 8, y - 4, lx + 30, y - 4, {colors[shown[k]], 2, s.dashed ? "6 4" : ""});
    svg.text(lx + 36, y, s.label, {.size = 11});
  }
  svg.end_group();
}

std::string final_value(const char* what, const std::vector<double>& v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s: %.4f", what, v.empty() ? NAN : v.back());
  return buf;
}

}  // namespace

void line_plot(const std::string& path, const std::vector<Series>& series,
               const LineOptions& options) {
  line_plots(path, {{series, options}}, 1);
}

void line_plots(const std::string& path, const std::vector<Panel>& panels, int columns) {
  if (panels.empty()) throw Error("plot: line_plots needs at least one panel");
  if (columns < 1) throw Error("plot: line_plots needs at least one column");
  size_t cols = std::min<size_t>(static_cast<size_t>(columns), panels.size());
  size_t rows = (panels.size() + cols - 1) / cols;
  double cell_w = 0, cell_h = 0;
  for (const Panel& p : panels) {
    cell_w = std::max(cell_w, p.options.width);
    cell_h = std::max(cell_h, p.options.height);
  }
  Svg svg(cell_w * static_cast<double>(cols), cell_h * static_cast<double>(rows));
  for (size_t i = 0; i < panels.size(); ++i)
    draw_panel(svg, cell_w * static_cast<double>(i % cols), cell_h * static_cast<double>(i / cols),
               panels[i].series, panels[i].options);
  svg.save(path);
}

void plot_loss_acc(const std::string& path, const History& h) {
  std::vector<Panel> panels(1);
  Panel& loss = panels[0];
  loss.series.push_back({.label = "Training loss", .y = h["loss"], .markers = true});
  loss.options.title = final_value("Training loss", h["loss"]);
  if (h.has("val_loss")) {
    loss.series.push_back({.label = "Validation loss", .y = h["val_loss"]});
    loss.options.title += ", " + final_value("Validation loss", h["val_loss"]);
  }
  loss.options.ylabel = "Loss";
  loss.options.height = 400;
  if (h.has("accuracy") || h.has("val_accuracy")) {
    Panel acc;
    if (h.has("accuracy")) {
      acc.series.push_back({.label = "Training acc", .y = h["accuracy"], .markers = true});
      acc.options.title = final_value("Training accuracy", h["accuracy"]);
    }
    if (h.has("val_accuracy")) {
      acc.series.push_back({.label = "Validation acc", .y = h["val_accuracy"]});
      if (!acc.options.title.empty()) acc.options.title += ", ";
      acc.options.title += final_value("Validation accuracy", h["val_accuracy"]);
    }
    acc.options.xlabel = "Epochs";
    acc.options.ylabel = "Accuracy";
    acc.options.height = 400;
    panels.push_back(acc);
  } else {
    loss.options.xlabel = "Epochs";
  }
  for (Panel& p : panels) p.options.width = 760;
  line_plots(path, panels, 1);
}

}  // namespace xgrad::plot
