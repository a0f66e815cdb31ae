// Notebook 004's optimizer paths (cells 14-21): gradient descent, classical momentum and Nesterov
// momentum on f(x, y) = x^2 + |0.1 y|, each from (-1, 1) for 10 steps, in the notebook's seven
// runs. The gradient comes from autograd; the update rules are the notebook's, written out:
//   gradient descent    p' = p - eta g(p)
//   classical momentum  v' = mu v - eta g(p),          p' = p + v'
//   Nesterov momentum   v' = mu v - eta g(p + mu v),   p' = p + v'
// Beside each, optim::SGD (momentum, nesterov) runs on a parameter from the same start. For
// gradient descent and classical momentum its parameter follows p itself (its buffer b is
// -v / eta). PyTorch's Nesterov form, which optim::SGD follows, steps the look-ahead point
// instead: its parameter is w = p + mu v (w' = w + mu^2 v - (1 + mu) eta g(w)), so it is the
// point where the notebook evaluates the gradient, not the point it plots. The example prints
// every point, the largest distance between SGD's parameter and p (or p + mu v) over the steps,
// and writes one SVG per run: the heat map of f with its contours at 0, 0.5, 1, 1.5 and an arrow
// per step, as the notebook's figures.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"

using namespace xgrad;

namespace {

using Point = std::pair<double, double>;

// The notebook's f, on a tensor p = (x, y).
Tensor f(const Tensor& p) { return p.select(0, 0).pow(2.0) + (p.select(0, 1) * 0.1).abs(); }

// g(p) by autograd, in float64 on `dev`.
Point gradient(Point p, Device dev) {
  Tensor t = tensor({p.first, p.second}, TensorOptions{kFloat64, dev}).requires_grad_();
  f(t).backward();
  std::vector<double> g = t.grad().cpu().to_vector<double>();
  return {g[0], g[1]};
}

struct Run {
  std::string name, title;
  double eta, mu;
  bool nesterov;
};

// The notebook's points p_0 .. p_steps, and SGD's largest distance from p (or p + mu v).
struct Path {
  std::vector<Point> points;
  double sgd_distance = 0;
};

Path follow(const Run& r, Point start, int64_t steps, Device dev) {
  Path path{{start}};
  Point p = start, v = {0, 0};
  Tensor w = tensor({start.first, start.second}, TensorOptions{kFloat64, dev}).requires_grad_();
  optim::SGD sgd({w}, {.lr = r.eta, .momentum = r.mu, .nesterov = r.nesterov});
  for (int64_t t = 0; t < steps; ++t) {
    // The notebook's rule.
    Point at = r.nesterov ? Point{p.first + r.mu * v.first, p.second + r.mu * v.second} : p;
    Point g = gradient(at, dev);
    v = {r.mu * v.first - r.eta * g.first, r.mu * v.second - r.eta * g.second};
    p = {p.first + v.first, p.second + v.second};
    path.points.push_back(p);
    // optim::SGD's step, and where its parameter should be.
    sgd.zero_grad();
    f(w).backward();
    sgd.step();
    std::vector<double> wv = w.detach().cpu().to_vector<double>();
    Point expected = r.nesterov ? Point{p.first + r.mu * v.first, p.second + r.mu * v.second} : p;
    path.sgd_distance =
        std::max(path.sgd_distance, std::hypot(wv[0] - expected.first, wv[1] - expected.second));
  }
  return path;
}

// f on a grid of cells over [-2, 2]^2, the notebook's plotf (40 x 40, step 0.1).
plot::Field field() {
  plot::Field z{.x0 = -2, .x1 = 2, .y0 = -2, .y1 = 2};
  for (int r = 0; r < 40; ++r) {
    z.z.emplace_back();
    for (int c = 0; c < 40; ++c) {
      double x = -2 + 0.1 * (c + 0.5), y = -2 + 0.1 * (r + 0.5);
      z.z.back().push_back(x * x + std::abs(0.1 * y));
    }
  }
  return z;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t steps = 10;
  double x0 = -1, y0 = 1;
  std::string plots = "optimizer_paths";
  examples::Cli cli("Notebook 004: gradient descent, momentum and Nesterov on x^2 + |0.1 y|");
  cli.option("--steps", steps, "steps per run")->check(examples::at_least(0));
  cli.option("--x0", x0, "start x");
  cli.option("--y0", y0, "start y");
  cli.option("--plots", plots, "SVGs PLOTS_<run>.svg ('' for none)");
  cli.parse(argc, argv);
  try {
    Device dev = cli.common.dev();
    const std::vector<Run> runs = {
        {"gd_0.6", "Gradient Descent (η=0.60)", 0.6, 0, false},
        {"cm_0.6_0.9", "Classical Momentum (η=0.60, μ=0.90)", 0.6, 0.9, false},
        {"nesterov_0.6_0.9", "Nesterov Momentum (η=0.60, μ=0.90)", 0.6, 0.9, true},
        {"nesterov_0.7_0.9", "Nesterov Momentum (η=0.70, μ=0.90)", 0.7, 0.9, true},
        {"gd_0.1", "Gradient Descent (η=0.10)", 0.1, 0, false},
        {"cm_0.1_0.9", "Classical Momentum (η=0.10, μ=0.90)", 0.1, 0.9, false},
        {"nesterov_0.1_0.9", "Nesterov Momentum (η=0.10, μ=0.90)", 0.1, 0.9, true},
    };
    const plot::Field z = plots.empty() ? plot::Field{} : field();
    for (const Run& r : runs) {
      Path path = follow(r, {x0, y0}, steps, dev);
      if (!plots.empty())
        plot::path_over_field(plots + "_" + r.name + ".svg", z, path.points,
                              {.title = r.title, .levels = {0, 0.5, 1.0, 1.5}});
      for (size_t t = 0; t < path.points.size(); ++t)
        std::printf("%s_p%zu %s,%s\n", r.name.c_str(), t, number(path.points[t].first).c_str(),
                    number(path.points[t].second).c_str());
      const Point& last = path.points.back();
      std::printf("%s_f %s\n", r.name.c_str(),
                  number(last.first * last.first + std::abs(0.1 * last.second)).c_str());
      std::printf("%s_sgd_distance %.3g\n", r.name.c_str(), path.sgd_distance);
    }
    if (!plots.empty() && !cli.common.quiet)
      std::printf("wrote %s_<run>.svg for %zu runs\n", plots.c_str(), runs.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optimizer_paths: %s\n", e.what());
    return 1;
  }
}
