/// \file
/// Plots written as self-contained SVG files: line plots (loss and accuracy curves, the notebooks'
/// plot_loss_acc), 2-D scatter over a classifier's decision regions, labelled heat maps, a
/// function of two variables with a path over it (an optimizer's steps), and grids of grayscale
/// images with captions. Every plot is one file, written atomically.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::plot {

// ---- line plots

/// One line of a line plot.
struct Series {
  std::string label = {};      ///< shown in the legend (no legend entry when empty)
  std::vector<double> x = {};  ///< empty: 1, 2, ..., y.size() (epochs)
  std::vector<double> y = {};  ///< non-finite values are left out of the line
  std::string color = {};      ///< "#rrggbb"; empty: the next palette color
  bool dashed = false;  ///< A dashed line instead of a solid one.
  bool markers = false;  ///< a dot at every point
};

/// Titles, scale, limits and size of a line plot.
struct LineOptions {
  /// The plot's title and its axes' labels (empty: none).
  ///@{
  std::string title = {}, xlabel = {}, ylabel = {};
  ///@}
  bool log_y = false;                            ///< non-positive values are left out
  /// The y axis' lower and upper limits.
  ///@{
  std::optional<double> y_min = {}, y_max = {};  ///< fixed limits (else from the data)
  ///@}
  /// Width and height, in pixels.
  ///@{
  double width = 720, height = 440;              ///< of one panel
  ///@}
};

/// Several series on one pair of axes, with ticks, grid, legend and title.
void line_plot(const std::string& path, const std::vector<Series>& series,
               const LineOptions& options = {});

/// One plot of line_plots: its series and options.
struct Panel {
  std::vector<Series> series;  ///< The lines.
  LineOptions options;  ///< Titles, scale, limits and size.
};
/// Panels in a grid of `columns` columns, in one file.
void line_plots(const std::string& path, const std::vector<Panel>& panels, int columns = 1);

/// Per-epoch values by name, as Keras' History: "loss", "val_loss", "accuracy", "val_accuracy".
struct History {
  std::map<std::string, std::vector<double>> values;  ///< The values, by name, one per epoch.
  /// Appends `v` to the values of `name`.
  void add(const std::string& name, double v);
  const std::vector<double>& operator[](const std::string& name) const;  ///< empty when absent
  /// True when values of `name` were added.
  bool has(const std::string& name) const { return values.count(name) > 0; }
};

/// The notebooks' plot_loss_acc: training (and validation, when present) loss above, accuracy
/// below, each titled with its final values.
void plot_loss_acc(const std::string& path, const History& history);

// ---- 2-D classifiers

/// Title, grid and size of scatter and decision_boundary.
struct BoundaryOptions {
  std::string title = {};  ///< The plot's title (empty: none).
  int grid = 80;         ///< cells per side
  double padding = 0.5;  ///< around the data, in data units (the notebook's 0.5)
  double size = 560;     ///< width and height in pixels
};

/// Points of x [n, 2] as circles colored by their class y [n] (int64 or 0/1 floating).
void scatter(const std::string& path, const Tensor& x, const Tensor& y,
             const BoundaryOptions& options = {});

/// The same points over the classifier's regions: `predict` gets grid points [m, 2] (float32,
/// CPU) and returns P(class 1) as [m] or [m, 1], or class scores [m, C]; each grid cell is
/// filled by its prediction (binary: shades from red through white to blue in steps of 0.1,
/// as a filled contour plot). Runs without recording a graph.
void decision_boundary(const std::string& path, const std::function<Tensor(const Tensor&)>& predict,
                       const Tensor& x, const Tensor& y, const BoundaryOptions& options = {});

// ---- heat maps

/// Titles, number format and cell size of heatmap.
struct HeatmapOptions {
  /// The plot's title and its axes' labels (empty: none).
  ///@{
  std::string title = {}, xlabel = {}, ylabel = {};
  ///@}
  std::string format = "%.3f";  ///< printf format of the value written in each cell
  double cell = 72;             ///< cell size in pixels
};

/// values[r][c] with row and column labels (e.g. eta by lambda accuracies). A NaN or infinite
/// cell is marked "diverged" in gray.
void heatmap(const std::string& path, const std::vector<std::vector<double>>& values,
             const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
             const HeatmapOptions& options = {});

// ---- a function of (x, y) with a path over it

/// f's values at the centers of a regular grid of cells covering [x0, x1] x [y0, y1]:
/// z[r][c] at x0 + (c + 0.5) (x1 - x0) / columns, y0 + (r + 0.5) (y1 - y0) / rows (row 0 at the
/// bottom, as imshow(origin='lower')).
struct Field {
  std::vector<std::vector<double>> z = {};  ///< The values, z[row][column], row 0 at the bottom.
  /// The rectangle [x0, x1] x [y0, y1] the grid covers.
  ///@{
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  ///@}
};

/// Titles, contour levels and size of path_over_field.
struct FieldOptions {
  /// The plot's title and its axes' labels (empty: none).
  ///@{
  std::string title = {}, xlabel = {}, ylabel = {};
  ///@}
  std::vector<double> levels = {};  ///< contour lines, each labelled with its value
  double size = 480;                ///< width and height of the plotting area, pixels
};

/// Notebook 004's plotf and plotpt: the field as a heat map (viridis, with a color bar), its
/// contour lines at `levels`, and the path: a white dot at each point but the last, and a white
/// arrow from each point to the next. Points outside the field are drawn clipped to its frame.
void path_over_field(const std::string& path, const Field& field,
                     const std::vector<std::pair<double, double>>& points,
                     const FieldOptions& options = {});

// ---- images

/// Title, layout, size and colors of image_grid.
struct ImageGridOptions {
  std::string title = {};  ///< The plot's title (empty: none).
  int columns = 5;     ///< images per row
  double cell = 96;    ///< pixels per image side
  bool invert = true;  ///< dark ink on white (matplotlib's gray_r / binary); false: white on black
};

/// Grayscale images [n, h, w] (any dtype; [n, h * w] with h = w also works), each scaled to its
/// own min..max as imshow does, in rows of `columns`, each under its caption (`captions` empty, or
/// one per image). The notebooks' digit grids: "Label: 6", "It's a 7".
void image_grid(const std::string& path, const Tensor& images,
                const std::vector<std::string>& captions, const ImageGridOptions& options = {});

}  // namespace xgrad::plot
