// Internal to the plots: the mapping from data to pixels, tick positions, axes and palette.
#pragma once

#include <string>
#include <vector>

#include "xgrad/plot/svg.hpp"

namespace xgrad::plot::detail {

// matplotlib's tab10.
inline const std::vector<std::string> kPalette = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};

// viridis at five stops, t in [0, 1] (clamped).
std::string viridis(double t);

// A plotting area in pixels and the data range it shows.
struct Frame {
  double left, top, width, height;  // pixels
  double x0, x1, y0, y1;            // data limits (log10 of the values when log_y)
  bool log_y = false;

  double px(double x) const { return left + (x - x0) / (x1 - x0) * width; }
  double py(double y) const;  // takes the data value (not its log)
};

// Round tick values covering [lo, hi], about `target` of them (steps 1, 2, 2.5, 5 x 10^k).
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// Powers of ten (and 2, 5 times them when the range is short) in [10^lo, 10^hi].
std::vector<double> log_ticks(double lo_exp, double hi_exp);
// Widens [lo, hi] to tick boundaries (and a degenerate range to a small one).
void nice_range(double& lo, double& hi);
// Tick label: as few digits as the tick spacing needs.
std::string tick_label(double v, double step);

// Axes box, grid lines, tick labels, axis labels and title around `f`.
void draw_axes(Svg& svg, const Frame& f, const std::vector<double>& x_ticks,
               const std::vector<double>& y_ticks, const std::string& title,
               const std::string& xlabel, const std::string& ylabel);

}  // namespace xgrad::plot::detail
