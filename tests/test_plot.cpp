// SVG plots (well-formed XML with the expected elements) and the progress bar.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "data_test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using data_test::contains;
using data_test::error_of;
namespace fs = std::filesystem;

namespace {

// A small XML well-formedness checker: balanced and properly nested tags, quoted attributes,
// escaped text (& only in entities, no raw <). It counts elements by name, and by
// "class/name" for elements inside a <g class="...">.
struct Xml {
  bool ok = true;
  std::string error;
  std::map<std::string, int> count;
  std::string text;  // all text content, unescaped entities left as they are
};

bool valid_entities(const std::string& s) {
  for (size_t i = s.find('&'); i != std::string::npos; i = s.find('&', i + 1)) {
    size_t end = s.find(';', i);
    if (end == std::string::npos) return false;
    std::string e = s.substr(i + 1, end - i - 1);
    if (e != "amp" && e != "lt" && e != "gt" && e != "quot" && e != "apos" &&
        !(e.size() > 1 && e[0] == '#'))
      return false;
  }
  return true;
}

Xml check_xml(const std::string& doc) {
  Xml x;
  auto fail = [&](const std::string& why, size_t at) {
    x.ok = false;
    x.error = why + " at offset " + std::to_string(at);
    return x;
  };
  std::vector<std::pair<std::string, std::string>> stack;  // element name, class of enclosing g
  size_t i = 0;
  int roots = 0;
  while (i < doc.size()) {
    size_t lt = doc.find('<', i);
    std::string text = doc.substr(i, lt == std::string::npos ? std::string::npos : lt - i);
    if (text.find('>') != std::string::npos || !valid_entities(text))
      return fail("bad text '" + text.substr(0, 30) + "'", i);
    if (!stack.empty()) x.text += text;
    if (lt == std::string::npos) break;
    if (doc.compare(lt, 5, "<?xml") == 0) {
      size_t end = doc.find("?>", lt);
      if (end == std::string::npos || lt != 0) return fail("bad declaration", lt);
      i = end + 2;
      continue;
    }
    size_t gt = doc.find('>', lt);
    if (gt == std::string::npos) return fail("unclosed tag", lt);
    std::string tag = doc.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (!tag.empty() && tag[0] == '/') {
      std::string name = tag.substr(1);
      if (stack.empty() || stack.back().first != name)
        return fail("mismatched </" + name + ">", lt);
      stack.pop_back();
      continue;
    }
    bool self_closing = !tag.empty() && tag.back() == '/';
    if (self_closing) tag.pop_back();
    size_t name_end = tag.find_first_of(" \t\n");
    std::string name = tag.substr(0, name_end);
    if (name.empty() || tag.find('<') != std::string::npos) return fail("bad tag", lt);
    // attributes: name="value" pairs
    std::string attrs = name_end == std::string::npos ? "" : tag.substr(name_end);
    std::string css_class;
    size_t a = 0;
    while (true) {
      a = attrs.find_first_not_of(" \t\n", a);
      if (a == std::string::npos) break;
      size_t eq = attrs.find('=', a);
      if (eq == std::string::npos || attrs[eq + 1] != '"')
        return fail("bad attribute in <" + name, lt);
      size_t close = attrs.find('"', eq + 2);
      if (close == std::string::npos) return fail("unterminated attribute", lt);
      std::string key = attrs.substr(a, eq - a), value = attrs.substr(eq + 2, close - eq - 2);
      if (!valid_entities(value)) return fail("bad entity in attribute", lt);
      if (key == "class") css_class = value;
      a = close + 1;
    }
    if (stack.empty() && ++roots > 1) return fail("second root element", lt);
    ++x.count[name];
    for (const auto& [n, cls] : stack)
      if (n == "g" && !cls.empty()) ++x.count[cls + "/" + name];
    if (!self_closing) stack.emplace_back(name, css_class);
  }
  if (!stack.empty()) return fail("unclosed <" + stack.back().first + ">", doc.size());
  if (roots != 1) return fail("no root element", 0);
  return x;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("xgrad_plot_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

TEST_CASE("the XML checker rejects what is not well-formed") {
  CHECK(check_xml("<svg><g></g></svg>").ok);
  CHECK(!check_xml("<svg><g></svg>").ok);
  CHECK(!check_xml("<svg><text>a < b</text></svg>").ok);
  CHECK(!check_xml("<svg><text>a & b</text></svg>").ok);
  CHECK(!check_xml("<svg a=b/>").ok);
}

TEST_CASE("line_plot draws one polyline per series, with axes, legend and escaped title") {
  TempDir dir;
  std::string path = dir / "lines.svg";
  plot::line_plot(path,
                  {{.label = "train <loss>", .y = {1.0, 0.5, 0.25, 0.2}},
                   {.label = "val & co", .y = {1.1, 0.7, NAN, 0.4}, .dashed = true},
                   {.label = "", .x = {1, 2}, .y = {0.3, 0.3}}},
                  {.title = "Loss <per> epoch & more", .xlabel = "Epochs", .ylabel = "Loss"});
  Xml x = check_xml(read(path));
  REQUIRE_MESSAGE(x.ok, x.error);
  CHECK(x.count["svg"] == 1);
  CHECK(x.count["series/polyline"] == 3);
  CHECK(x.count["legend/text"] == 2);  // the unlabeled series has no entry
  CHECK(contains(x.text, "Loss &lt;per&gt; epoch &amp; more"));
  CHECK(contains(x.text, "train &lt;loss&gt;"));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("line_plot handles log scale, empty and constant series") {
  TempDir dir;
  plot::line_plot(dir / "log.svg", {{.label = "lr 0.1", .y = {10, 1, 0.1, 0.0, -1}}},
                  {.log_y = true});
  CHECK(check_xml(read(dir / "log.svg")).ok);
  plot::line_plot(dir / "empty.svg",
                  {{.label = "nothing", .y = {}}, {.label = "flat", .y = {2, 2}}});
  Xml x = check_xml(read(dir / "empty.svg"));
  CHECK(x.ok);
  CHECK(x.count["series/polyline"] == 2);
  CHECK(contains(error_of([&] {
                   plot::line_plot(dir / "bad.svg", {{.x = {1}, .y = {1, 2}}});
                 }),
                 "1 x values"));
}

TEST_CASE("plot_loss_acc draws the loss and accuracy panels of a history") {
  TempDir dir;
  plot::History h;
  for (int e = 0; e < 20; ++e) {
    h.add("loss", 1.0 / (e + 1));
    h.add("val_loss", 1.2 / (e + 1));
    h.add("accuracy", 1 - 0.5 / (e + 1));
    h.add("val_accuracy", 1 - 0.6 / (e + 1));
  }
  plot::plot_loss_acc(dir / "history.svg", h);
  Xml x = check_xml(read(dir / "history.svg"));
  REQUIRE_MESSAGE(x.ok, x.error);
  CHECK(x.count["series/polyline"] == 4);
  CHECK(contains(x.text, "Training loss: 0.0500"));
  CHECK(contains(x.text, "Validation accuracy: 0.9700"));
  plot::History only_loss;
  only_loss.add("loss", 1.0);
  plot::plot_loss_acc(dir / "loss.svg", only_loss);
  CHECK(check_xml(read(dir / "loss.svg")).count["series/polyline"] == 1);
}

TEST_CASE("decision_boundary fills one rect per grid cell and draws one circle per point") {
  TempDir dir;
  auto moons = data::make_moons(40, 0.1, 1);
  // A fixed "classifier": P(class 1) = sigmoid(4 * (0.5 - y)) roughly separates the moons.
  auto predict = [](const Tensor& grid) {
    CHECK(grid.shape() == Shape{30 * 30, 2});
    return sigmoid((0.25 - grid.select(1, 1)) * 4.0);
  };
  plot::decision_boundary(dir / "moons.svg", predict, moons.x, moons.y,
                          {.title = "hidden 3", .grid = 30});
  Xml x = check_xml(read(dir / "moons.svg"));
  REQUIRE_MESSAGE(x.ok, x.error);
  CHECK(x.count["cells/rect"] == 900);
  CHECK(x.count["points/circle"] == 40);
  // Multi-class scores [m, C] are colored by argmax.
  plot::decision_boundary(dir / "multi.svg",
                          [](const Tensor& g) {
                            return cat({g, -g}, 1);
                          },
                          moons.x, moons.y, {.grid = 10});
  CHECK(check_xml(read(dir / "multi.svg")).count["cells/rect"] == 100);
  plot::scatter(dir / "scatter.svg", moons.x, moons.y);
  Xml s = check_xml(read(dir / "scatter.svg"));
  CHECK(s.count["points/circle"] == 40);
  CHECK(s.count["cells/rect"] == 0);
  CHECK(contains(error_of([&] {
                   plot::decision_boundary(
                       dir / "bad.svg", [](const Tensor&) { return zeros({3}); }, moons.x, moons.y);
                 }),
                 "returned shape"));
}

TEST_CASE("heatmap draws one rect per cell and marks non-finite cells as diverged") {
  TempDir dir;
  std::vector<std::vector<double>> acc = {{0.9, 0.95, NAN}, {0.5, INFINITY, 0.97}};
  plot::heatmap(dir / "grid.svg", acc, {"eta 1e-3", "eta 1e-2"}, {"lmbd 0", "lmbd 0.1", "lmbd 1"},
                {.title = "test accuracy", .xlabel = "lambda", .ylabel = "eta"});
  std::string doc = read(dir / "grid.svg");
  Xml x = check_xml(doc);
  REQUIRE_MESSAGE(x.ok, x.error);
  CHECK(x.count["cells/rect"] == 6);
  CHECK(contains(doc, ">diverged</text>"));
  CHECK(contains(x.text, "0.970"));
  CHECK(contains(error_of([&] {
                   plot::heatmap(dir / "bad.svg", acc, {"a"}, {"x", "y", "z"});
                 }),
                 "1 row and 3 column labels"));
  CHECK(
      contains(error_of([&] {
                 plot::heatmap(dir / "bad.svg", acc, {"a", "b"}, {"x", "y", "z"}, {.format = "%s"});
               }),
               "format"));
}

TEST_CASE("path_over_field draws the field, labelled contour lines and an arrow per step") {
  TempDir dir;
  plot::Field field{.x0 = -2, .x1 = 2, .y0 = -2, .y1 = 2};  // notebook 004's plotf of x^2 + |0.1 y|
  for (int r = 0; r < 40; ++r) {
    field.z.emplace_back();
    for (int c = 0; c < 40; ++c) {
      double x = -2 + (c + 0.5) * 0.1, y = -2 + (r + 0.5) * 0.1;
      field.z.back().push_back(x * x + std::abs(0.1 * y));
    }
  }
  std::vector<std::pair<double, double>> path = {
      {-1, 1}, {0.2, 0.94}, {-0.04, 0.88}, {-0.04, 0.88}};
  plot::path_over_field(dir / "path.svg", field, path,
                        {.title = "Gradient descent (eta 0.6)", .levels = {0.5, 1.0, 1.5}});
  std::string doc = read(dir / "path.svg");
  Xml x = check_xml(doc);
  REQUIRE_MESSAGE(x.ok, x.error);
  CHECK(x.count["cells/rect"] == 1600);
  CHECK(x.count["contours/line"] > 20);  // three closed curves of many segments
  CHECK(x.count["contours/text"] == 3);  // one label per level
  CHECK(contains(x.text, "1.5"));
  CHECK(x.count["path/circle"] == 3);  // a dot at each point but the last
  CHECK(x.count["path/line"] == 6);    // a shaft and two head strokes per step that moves
  CHECK(x.count["clipPath"] == 2);     // contours and path stay inside the frame
  CHECK(contains(x.text, "Gradient descent (eta 0.6)"));
  // A path that leaves the field is clipped, not an error.
  plot::path_over_field(dir / "far.svg", field, {{-1, 1}, {30, -40}});
  CHECK(check_xml(read(dir / "far.svg")).count["path/line"] == 3);

  CHECK(contains(error_of([&] {
                   plot::path_over_field(dir / "bad.svg", {.z = {{1, 2}}}, {});
                 }),
                 "at least 2 x 2"));
  plot::Field ragged{.z = {{1, 2}, {3}}};
  CHECK(contains(error_of([&] { plot::path_over_field(dir / "bad.svg", ragged, {}); }),
                 "row 1 has 1 values"));
  plot::Field flat{.z = {{1, 2}, {3, 4}}, .x0 = 1, .x1 = 1};
  CHECK(contains(error_of([&] { plot::path_over_field(dir / "bad.svg", flat, {}); }), "x1 > x0"));
  CHECK(contains(error_of([&] {
                   plot::path_over_field(dir / "bad.svg", field, {{0, NAN}});
                 }),
                 "finite"));
  CHECK(!fs::exists(dir / "bad.svg"));
}

TEST_CASE("image_grid draws each image in its own group, scaled to its range, under its caption") {
  TempDir dir;
  // Three 2 x 2 images: a checkerboard, a constant one, and a ramp with a middle gray.
  Tensor images =
      tensor({0.0, 1.0, 1.0, 0.0, 5.0, 5.0, 5.0, 5.0, 0.0, 0.5, 1.0, 1.0}).reshape({3, 2, 2});
  plot::image_grid(dir / "grid.svg", images, {"Label: 6", "It's a 7", "a & b"},
                   {.title = "digits", .columns = 2});
  std::string doc = read(dir / "grid.svg");
  Xml x = check_xml(doc);
  REQUIRE_MESSAGE(x.ok, x.error);
  // White (0 under the default gray_r) is the frame's fill: a border per image, then one rect per
  // run of equal gray in a row: 2 + 0 + 2 runs.
  CHECK(x.count["image/rect"] == 3 + 4);
  CHECK(contains(doc, "#000000"));
  CHECK(contains(doc, "#808080"));
  CHECK(contains(x.text, "Label: 6"));
  CHECK(contains(x.text, "a &amp; b"));
  CHECK(contains(x.text, "digits"));
  // Rows of h * w pixels work when the images are square; no captions is fine.
  plot::image_grid(dir / "flat.svg", images.reshape({3, 4}), {}, {.invert = false});
  CHECK(check_xml(read(dir / "flat.svg")).count["image/rect"] == 3 + 4);

  CHECK(contains(error_of([&] {
                   plot::image_grid(dir / "bad.svg", zeros({2, 6}), {});
                 }),
                 "not a square image"));
  CHECK(contains(error_of([&] { plot::image_grid(dir / "bad.svg", images, {"one"}); }),
                 "1 captions for 3 images"));
  CHECK(
      contains(error_of([&] { plot::image_grid(dir / "bad.svg", zeros({4}), {}); }), "[n, h, w]"));
  CHECK(contains(error_of([&] { plot::image_grid(dir / "bad.svg", images, {}, {.columns = 0}); }),
                 "columns"));
  CHECK(!fs::exists(dir / "bad.svg"));
}

TEST_CASE("plots are written atomically: a failed write leaves no file behind") {
  TempDir dir;
  std::string path = dir / "missing-folder/plot.svg";
  CHECK(contains(error_of([&] { plot::line_plot(path, {{.y = {1, 2}}}); }), "missing-folder"));
  CHECK(fs::is_empty(dir.path));
  std::string keep = dir / "keep.svg";
  plot::line_plot(keep, {{.y = {1, 2}}});
  auto before = read(keep);
  plot::line_plot(keep, {{.y = {3, 4}}, {.y = {1, 1}}});
  CHECK(read(keep) != before);
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("Progress prints one plain line per epoch when not on a terminal") {
  std::ostringstream out;
  {
    plot::Progress p(3, 2, {.mode = plot::ProgressOptions::Mode::lines, .out = &out});
    CHECK(!p.is_bar());
    for (int e = 0; e < 3; ++e) {
      p.batch(1.0);
      p.batch(0.5);
      p.end_epoch({{"accuracy", 0.5 + e * 0.1}});
    }
  }
  std::string s = out.str();
  CHECK(contains(s, "epoch 1/3  loss 0.7500  accuracy 0.5000"));
  CHECK(contains(s, "epoch 3/3  loss 0.7500  accuracy 0.7000"));
  CHECK(std::count(s.begin(), s.end(), '\n') == 3);
  CHECK(!contains(s, "\r"));
}

TEST_CASE("Progress draws a bar with batch, loss and ETA on a terminal; quiet prints nothing") {
  std::ostringstream out;
  {
    plot::Progress p(2, 4, {.mode = plot::ProgressOptions::Mode::bar, .every = 2, .out = &out});
    for (int b = 0; b < 4; ++b) p.batch(0.25);  // the last batch of an epoch always draws
    CHECK(contains(out.str(), "\r"));
    CHECK(contains(out.str(), "4/4 loss 0.2500"));
    CHECK(contains(out.str(), "eta"));
    p.end_epoch();
    std::string drawn = out.str();
    CHECK(std::count(drawn.begin(), drawn.end(), '\n') == 0);  // every = 2
    p.batch(0.5);
    p.end_epoch();
  }
  CHECK(contains(out.str(), "epoch 2/2  loss 0.5000"));
  std::ostringstream quiet;
  {
    plot::Progress p(2, 1,
                     {.quiet = true, .mode = plot::ProgressOptions::Mode::bar, .out = &quiet});
    p.batch(1.0);
    p.end_epoch();
  }
  CHECK(quiet.str().empty());
  CHECK(plot::format_duration(5.31) == "5.3s");
  CHECK(plot::format_duration(125) == "2:05");
  CHECK(plot::format_duration(3725) == "1:02:05");
}
