/// \file
/// A small SVG writer: shapes and text appended to a document, serialized as well-formed XML
/// (every attribute and text escaped), saved atomically. The plots in plot/plot.hpp draw with it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xgrad::plot {

/// Text and attribute values with &, <, >, " and ' escaped (control characters dropped).
std::string xml_escape(std::string_view s);

/// How a line or outline is drawn.
struct Stroke {
  std::string color = "#000000";  ///< "#rrggbb".
  double width = 1.0;  ///< In pixels.
  std::string dash = {};  ///< e.g. "6 4"; empty: solid
};

/// How text is drawn.
struct TextStyle {
  double size = 12;  ///< Font size in pixels.
  std::string anchor = "start";  ///< start | middle | end
  double rotate = 0;             ///< degrees, about the anchor point
  std::string color = "#222222";  ///< "#rrggbb".
  bool bold = false;  ///< Bold text.
};

/// An SVG document being drawn (see the file's description); y grows downwards, in pixels.
class Svg {
 public:
  /// An empty width x height document; throws xgrad::Error unless both are positive.
  Svg(double width, double height);

  /// The document's width in pixels.
  double width() const { return width_; }
  /// The document's height in pixels.
  double height() const { return height_; }

  /// A rectangle with top-left corner (x, y), filled with `fill` ("#rrggbb" or "none"), outlined
  /// when `stroke` is given.
  void rect(double x, double y, double w, double h, const std::string& fill,
            const Stroke* stroke = nullptr);
  /// A line from (x1, y1) to (x2, y2).
  void line(double x1, double y1, double x2, double y2, const Stroke& stroke);
  /// An open line through `points`, unfilled.
  void polyline(const std::vector<std::pair<double, double>>& points, const Stroke& stroke);
  /// A circle of radius r around (cx, cy), filled with `fill`, outlined when `stroke` is given.
  void circle(double cx, double cy, double r, const std::string& fill,
              const Stroke* stroke = nullptr);
  /// The text `s` (escaped) at (x, y).
  void text(double x, double y, std::string_view s, const TextStyle& style = {});
  /// A `<g>` holding what is drawn until end_group(); `css_class` names it (tests look for it).
  void begin_group(std::string_view css_class);
  /// A group like begin_group's whose drawing is clipped to the rectangle (x, y, w, h).
  void begin_clipped_group(std::string_view css_class, double x, double y, double w, double h);
  /// Closes the innermost group; throws xgrad::Error when none is open.
  void end_group();

  std::string str() const;                   ///< the document; open groups are closed
  void save(const std::string& path) const;  ///< atomic (temporary file, then rename)

 private:
  double width_, height_;
  std::string body_;
  int open_groups_ = 0;
  int clips_ = 0;  ///< clip paths defined so far: their ids
};

/// "#rrggbb" from components in [0, 1] (clamped).
std::string rgb(double r, double g, double b);
/// Linear mix of two "#rrggbb" colors: t = 0 gives a, 1 gives b.
std::string mix(const std::string& a, const std::string& b, double t);
/// A number short enough for an attribute: at most 2 decimals, no trailing zeros.
std::string num(double v);

}  // namespace xgrad::plot
