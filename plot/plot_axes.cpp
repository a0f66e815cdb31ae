#include "plot/plot_axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace xgrad::plot::detail {

std::string viridis(double t) {
  static const char* stops[] = {"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"};
  t = std::clamp(t, 0.0, 1.0) * 4;
  int i = std::min(static_cast<int>(t), 3);
  return mix(stops[i], stops[i + 1], t - i);
}

double Frame::py(double y) const {
  double v = log_y ? std::log10(y) : y;
  return top + (1.0 - (v - y0) / (y1 - y0)) * height;
}

namespace {

double nice_step(double raw) {
  double e = std::floor(std::log10(raw));
  double base = std::pow(10.0, e), f = raw / base;
  double m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return m * base;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  double step = nice_step((hi - lo) / std::max(target - 1, 1));
  double eps = step * 1e-9;
  for (double t = std::ceil((lo - eps) / step) * step; t <= hi + eps; t += step)
    ticks.push_back(std::abs(t) < eps ? 0.0 : t);
  return ticks;
}

std::vector<double> log_ticks(double lo_exp, double hi_exp) {
  std::vector<double> ticks;
  bool fine = hi_exp - lo_exp < 3;
  for (double e = std::floor(lo_exp); e <= std::ceil(hi_exp); e += 1) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m != 1.0 && !fine) continue;
      double v = m * std::pow(10.0, e), le = std::log10(v);
      if (le >= lo_exp - 1e-9 && le <= hi_exp + 1e-9) ticks.push_back(v);
    }
  }
  return ticks;
}

void nice_range(double& lo, double& hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = 0;
    hi = 1;
    return;
  }
  if (hi - lo <= 1e-12 * std::max(1.0, std::abs(lo))) {
    double pad = lo == 0 ? 0.5 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double step = nice_step((hi - lo) / 5);
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
}

std::string tick_label(double v, double step) {
  char buf[32];
  double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-4 || step < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
  }
  int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  // A step like 0.25 needs one digit more than its order of magnitude.
  double scaled = step * std::pow(10.0, decimals);
  if (std::abs(scaled - std::round(scaled)) > 1e-6) ++decimals;
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 8), v);
  std::string s = buf;
  return s == "-0" ? "0" : s;
}

void draw_axes(Svg& svg, const Frame& f, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks, const std::string& title,
               const std::string& xlabel, const std::string& ylabel) {
  const Stroke grid{"#e3e3e3", 1};
  const Stroke axis{"#444444", 1};
  const TextStyle tick_x{.size = 11, .anchor = "middle", .color = "#444444"};
  const TextStyle tick_y{.size = 11, .anchor = "end", .color = "#444444"};
  svg.begin_group("axes");
  double x_step = x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1;
  double y_step = y_ticks.size() > 1 ? y_ticks[1] - y_ticks[0] : 1;
  for (double t : x_ticks) {
    double x = f.px(t);
    svg.line(x, f.top, x, f.top + f.height, grid);
    svg.line(x, f.top + f.height, x, f.top + f.height + 5, axis);
    svg.text(x, f.top + f.height + 18, tick_label(t, x_step), tick_x);
  }
  for (double t : y_ticks) {
    double y = f.py(t);
    svg.line(f.left, y, f.left + f.width, y, grid);
    svg.line(f.left - 5, y, f.left, y, axis);
    std::string label;
    if (f.log_y) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", t);
      label = buf;
    } else {
      label = tick_label(t, y_step);
    }
    svg.text(f.left - 8, y + 4, label, tick_y);
  }
  svg.rect(f.left, f.top, f.width, f.height, "none", &axis);
  if (!xlabel.empty())
    svg.text(f.left + f.width / 2, f.top + f.height + 38, xlabel, {.size = 13, .anchor = "middle"});
  if (!ylabel.empty())
    svg.text(f.left - 48, f.top + f.height / 2, ylabel,
             {.size = 13, .anchor = "middle", .rotate = -90});
  if (!title.empty())
    svg.text(f.left + f.width / 2, f.top - 12, title,
             {.size = 14, .anchor = "middle", .bold = true});
  svg.end_group();
}

}  // namespace xgrad::plot::detail
