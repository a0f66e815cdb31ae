// A small SVG writer: shapes and text appended to a document, serialized as well-formed XML
// (every attribute and text escaped), saved atomically. The plots in data/plot.hpp draw with it.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xgrad::plot {

// Text and attribute values with &, <, >, " and ' escaped (control characters dropped).
std::string xml_escape(std::string_view s);

struct Stroke {
  std::string color = "#000000";
  double width = 1.0;
  std::string dash = {};  // e.g. "6 4"; empty: solid
};

struct TextStyle {
  double size = 12;
  std::string anchor = "start";  // start | middle | end
  double rotate = 0;             // degrees, about the anchor point
  std::string color = "#222222";
  bool bold = false;
};

class Svg {
 public:
  Svg(double width, double height);

  double width() const { return width_; }
  double height() const { return height_; }

  void rect(double x, double y, double w, double h, const std::string& fill,
            const Stroke* stroke = nullptr);
  void line(double x1, double y1, double x2, double y2, const Stroke& stroke);
  void polyline(const std::vector<std::pair<double, double>>& points, const Stroke& stroke);
  void circle(double cx, double cy, double r, const std::string& fill,
              const Stroke* stroke = nullptr);
  void text(double x, double y, std::string_view s, const TextStyle& style = {});
  // A <g> holding what is drawn until end_group(); `css_class` names it (tests look for it).
  void begin_group(std::string_view css_class);
  // A group like begin_group's whose drawing is clipped to the rectangle (x, y, w, h).
  void begin_clipped_group(std::string_view css_class, double x, double y, double w, double h);
  void end_group();

  std::string str() const;                   // the document; open groups are closed
  void save(const std::string& path) const;  // atomic (temporary file, then rename)

 private:
  double width_, height_;
  std::string body_;
  int open_groups_ = 0;
  int clips_ = 0;  // clip paths defined so far: their ids
};

// "#rrggbb" from components in [0, 1] (clamped).
std::string rgb(double r, double g, double b);
// Linear mix of two "#rrggbb" colors: t = 0 gives a, 1 gives b.
std::string mix(const std::string& a, const std::string& b, double t);
// A number short enough for an attribute: at most 2 decimals, no trailing zeros.
std::string num(double v);

}  // namespace xgrad::plot
