#include "xgrad/plot/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "xgrad/autograd/core.hpp"
#include "xgrad/data/files.hpp"

namespace xgrad::plot {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string rgb(double r, double g, double b) {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buf;
}

std::string mix(const std::string& a, const std::string& b, double t) {
  auto comp = [](const std::string& c, int i) {
    if (c.size() != 7 || c[0] != '#') throw Error("plot: color '" + c + "' is not #rrggbb");
    return std::stoi(c.substr(1 + 2 * i, 2), nullptr, 16) / 255.0;
  };
  t = std::clamp(t, 0.0, 1.0);
  double v[3];
  for (int i = 0; i < 3; ++i) v[i] = comp(a, i) * (1 - t) + comp(b, i) * t;
  return rgb(v[0], v[1], v[2]);
}

namespace {

std::string stroke_attrs(const Stroke& s) {
  std::string out = " stroke=\"" + xml_escape(s.color) + "\" stroke-width=\"" + num(s.width) + "\"";
  if (!s.dash.empty()) out += " stroke-dasharray=\"" + xml_escape(s.dash) + "\"";
  return out;
}

}  // namespace

Svg::Svg(double width, double height) : width_(width), height_(height) {
  if (!(width > 0 && height > 0)) throw Error("plot: an SVG needs a positive width and height");
}

void Svg::rect(double x, double y, double w, double h, const std::string& fill,
               const Stroke* stroke) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" +
           num(h) + "\" fill=\"" + xml_escape(fill) + "\"" + (stroke ? stroke_attrs(*stroke) : "") +
           "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const Stroke& stroke) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
           num(y2) + "\"" + stroke_attrs(stroke) + "/>\n";
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const Stroke& stroke) {
  body_ +=
      "<polyline fill=\"none\"" + stroke_attrs(stroke) + " stroke-linejoin=\"round\" points=\"";
  for (size_t i = 0; i < points.size(); ++i) {
    if (i) body_ += ' ';
    body_ += num(points[i].first) + "," + num(points[i].second);
  }
  body_ += "\"/>\n";
}

void Svg::circle(double cx, double cy, double r, const std::string& fill, const Stroke* stroke) {
  body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" +
           xml_escape(fill) + "\"" + (stroke ? stroke_attrs(*stroke) : "") + "/>\n";
}

void Svg::text(double x, double y, std::string_view s, const TextStyle& style) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(style.size) +
           "\" text-anchor=\"" + xml_escape(style.anchor) + "\" fill=\"" + xml_escape(style.color) +
           "\"";
  if (style.bold) body_ += " font-weight=\"bold\"";
  if (style.rotate != 0)
    body_ += " transform=\"rotate(" + num(style.rotate) + " " + num(x) + " " + num(y) + ")\"";
  body_ += '>';
  body_ += xml_escape(s);
  body_ += "</text>\n";
}

void Svg::begin_group(std::string_view css_class) {
  body_ += "<g class=\"" + xml_escape(css_class) + "\">\n";
  ++open_groups_;
}

void Svg::begin_clipped_group(std::string_view css_class, double x, double y, double w, double h) {
  std::string id = "clip" + std::to_string(++clips_);
  body_ += "<clipPath id=\"" + id + "\"><rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" +
           num(w) + "\" height=\"" + num(h) + "\"/></clipPath>\n";
  body_ += "<g class=\"" + xml_escape(css_class) + "\" clip-path=\"url(#" + id + ")\">\n";
  ++open_groups_;
}

void Svg::end_group() {
  if (open_groups_ == 0) throw Error("plot: end_group() without begin_group()");
  body_ += "</g>\n";
  --open_groups_;
}

std::string Svg::str() const {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
      num(width_) + "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " +
      num(height_) + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + num(width_) + "\" height=\"" + num(height_) +
         "\" fill=\"#ffffff\"/>\n";
  out += body_;
  for (int i = 0; i < open_groups_; ++i) out += "</g>\n";
  out += "</svg>\n";
  return out;
}

void Svg::save(const std::string& path) const { data::write_file_atomic(path, str()); }

}  // namespace xgrad::plot
