#include "xgrad/data/synthetic.hpp"

#include <cmath>
#include <numbers>
#include <set>
#include <string>
#include <vector>

#include "autograd/portable_math.hpp"

namespace xgrad::data {

namespace {

// Shuffles the rows, then adds the noise: scikit-learn's order of the two steps.
TensorDataset finish(std::vector<double>& xy, std::vector<int64_t>& labels, double noise,
                     std::optional<uint64_t> seed, bool shuffle, const char* op) {
  const int64_t n = static_cast<int64_t>(labels.size());
  if (noise < 0)
    throw Error(std::string(op) + ": noise must be >= 0, got " + std::to_string(noise));
  if (seed) manual_seed(*seed);
  if (shuffle) {
    std::vector<int64_t> perm = randperm(n).to_vector<int64_t>();
    std::vector<double> xs(xy.size());
    std::vector<int64_t> ys(labels.size());
    for (int64_t i = 0; i < n; ++i) {
      xs[2 * i] = xy[2 * perm[i]];
      xs[2 * i + 1] = xy[2 * perm[i] + 1];
      ys[i] = labels[perm[i]];
    }
    xy.swap(xs);
    labels.swap(ys);
  }
  if (noise > 0) {
    std::vector<double> eps = randn({n, 2}, kFloat64).to_vector<double>();
    for (size_t i = 0; i < xy.size(); ++i) xy[i] += noise * eps[i];
  }
  return {tensor(xy, Shape{n, 2}, kFloat32), from_vector(labels, Shape{n}, kInt64)};
}

void check_n(int64_t n, const char* op) {
  if (n < 2) throw Error(std::string(op) + ": n must be at least 2, got " + std::to_string(n));
}

}  // namespace

TensorDataset make_moons(int64_t n, double noise, std::optional<uint64_t> seed, bool shuffle) {
  check_n(n, "make_moons");
  const double pi = std::numbers::pi;
  const int64_t n_out = n / 2, n_in = n - n_out;
  std::vector<double> xy;
  std::vector<int64_t> y;
  xy.reserve(static_cast<size_t>(2 * n));
  // np.linspace(0, pi, m): endpoints included.
  auto t = [pi](int64_t i, int64_t m) {
    return m == 1 ? 0.0 : pi * i / static_cast<double>(m - 1);
  };
  for (int64_t i = 0; i < n_out; ++i) {
    xy.push_back(pmath::cos(t(i, n_out)));
    xy.push_back(pmath::sin(t(i, n_out)));
    y.push_back(0);
  }
  for (int64_t i = 0; i < n_in; ++i) {
    xy.push_back(1.0 - pmath::cos(t(i, n_in)));
    xy.push_back(1.0 - pmath::sin(t(i, n_in)) - 0.5);
    y.push_back(1);
  }
  return finish(xy, y, noise, seed, shuffle, "make_moons");
}

TensorDataset make_circles(int64_t n, double noise, double factor, std::optional<uint64_t> seed,
                           bool shuffle) {
  check_n(n, "make_circles");
  if (!(factor >= 0 && factor < 1))
    throw Error("make_circles: factor must be in [0, 1), got " + std::to_string(factor));
  const double two_pi = 2 * std::numbers::pi;
  const int64_t n_out = n / 2, n_in = n - n_out;
  std::vector<double> xy;
  std::vector<int64_t> y;
  xy.reserve(static_cast<size_t>(2 * n));
  // np.linspace(0, 2 pi, m, endpoint=False)
  for (int64_t i = 0; i < n_out; ++i) {
    double a = two_pi * i / static_cast<double>(n_out);
    xy.push_back(pmath::cos(a));
    xy.push_back(pmath::sin(a));
    y.push_back(0);
  }
  for (int64_t i = 0; i < n_in; ++i) {
    double a = two_pi * i / static_cast<double>(n_in);
    xy.push_back(factor * pmath::cos(a));
    xy.push_back(factor * pmath::sin(a));
    y.push_back(1);
  }
  return finish(xy, y, noise, seed, shuffle, "make_circles");
}

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw Error("make_classification: " + what);
}

std::vector<double> uniform(int64_t n) { return rand({n}, kFloat64).to_vector<double>(); }
std::vector<double> normal(int64_t n) { return randn({n}, kFloat64).to_vector<double>(); }

// `count` distinct vertices of the unit hypercube in `dims` dimensions, one row each (as
// scikit-learn's _generate_hypercube: random bits beyond 30 dimensions, distinct below).
std::vector<std::vector<double>> hypercube_vertices(int64_t count, int64_t dims) {
  std::vector<std::vector<double>> out(static_cast<size_t>(count));
  int64_t low = std::min<int64_t>(dims, 30);
  if (dims > 30) {
    std::vector<int64_t> bits = randint(0, 2, {count, dims - 30}).to_vector<int64_t>();
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j < dims - 30; ++j)
        out[i].push_back(static_cast<double>(bits[i * (dims - 30) + j]));
  }
  std::set<int64_t> seen;
  for (int64_t i = 0; i < count; ++i) {
    int64_t v = 0;
    do v = randint(0, int64_t{1} << low, {1}).to_vector<int64_t>()[0];
    while (!seen.insert(v).second);
    for (int64_t j = low - 1; j >= 0; --j) out[i].push_back(static_cast<double>((v >> j) & 1));
  }
  return out;
}

}  // namespace

TensorDataset make_classification(const ClassificationOptions& o, std::optional<uint64_t> seed) {
  const int64_t n = o.n_samples, f = o.n_features, ni = o.n_informative, nr = o.n_redundant,
                np_ = o.n_repeated, nc = o.n_classes, per = o.n_clusters_per_class;
  require(n >= 1, "n_samples must be at least 1, got " + std::to_string(n));
  require(ni >= 1 && nr >= 0 && np_ >= 0,
          "n_informative must be at least 1 and n_redundant, n_repeated at least 0");
  require(ni + nr + np_ <= f, "n_informative + n_redundant + n_repeated (" +
                                  std::to_string(ni + nr + np_) + ") must be at most n_features (" +
                                  std::to_string(f) + ")");
  require(nc >= 1 && per >= 1, "n_classes and n_clusters_per_class must be at least 1");
  const int64_t clusters = nc * per;
  require(ni >= 63 || clusters <= (int64_t{1} << ni),
          "n_classes * n_clusters_per_class (" + std::to_string(clusters) +
              ") must be at most 2^n_informative (" + std::to_string(ni) + " informative)");
  require(o.flip_y >= 0 && o.flip_y <= 1,
          "flip_y must be in [0, 1], got " + std::to_string(o.flip_y));
  std::vector<double> w = o.weights;
  if (w.empty()) w.assign(static_cast<size_t>(nc), 1.0 / static_cast<double>(nc));
  double given = 0;
  for (double v : w) given += v;
  if (static_cast<int64_t>(w.size()) == nc - 1) w.push_back(1.0 - given);
  require(
      static_cast<int64_t>(w.size()) == nc,
      "weights needs n_classes or n_classes - 1 values, got " + std::to_string(o.weights.size()));
  for (double v : w) require(v >= 0 && v <= 1, "class weights must be in [0, 1]");
  if (seed) manual_seed(*seed);

  // Samples per cluster by class weight; the remainder one each, round robin.
  std::vector<int64_t> per_cluster(static_cast<size_t>(clusters));
  int64_t assigned = 0;
  for (int64_t k = 0; k < clusters; ++k)
    assigned += per_cluster[k] =
        static_cast<int64_t>(static_cast<double>(n) * w[k % nc] / static_cast<double>(per));
  for (int64_t i = 0; i < n - assigned; ++i) ++per_cluster[i % clusters];

  std::vector<std::vector<double>> centroids = hypercube_vertices(clusters, ni);
  for (auto& c : centroids)
    for (double& v : c) v = v * 2 * o.class_sep - o.class_sep;
  if (!o.hypercube) {
    std::vector<double> a = uniform(clusters), b = uniform(ni);
    for (int64_t k = 0; k < clusters; ++k)
      for (int64_t j = 0; j < ni; ++j) centroids[k][j] *= a[k] * b[j];
  }

  std::vector<double> x(static_cast<size_t>(n * f), 0.0);
  std::vector<int64_t> y(static_cast<size_t>(n), 0);
  std::vector<double> informative = normal(n * ni);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < ni; ++j) x[i * f + j] = informative[i * ni + j];
  int64_t row = 0;
  for (int64_t k = 0; k < clusters; ++k) {
    std::vector<double> a = uniform(ni * ni);  // the cluster's covariance: x_k A, A in U(-1, 1)
    for (double& v : a) v = 2 * v - 1;
    for (int64_t i = row; i < row + per_cluster[k]; ++i) {
      y[i] = k % nc;
      std::vector<double> r(x.begin() + i * f, x.begin() + i * f + ni);
      for (int64_t j = 0; j < ni; ++j) {
        double s = 0;
        for (int64_t m = 0; m < ni; ++m) s += r[m] * a[m * ni + j];
        x[i * f + j] = s + centroids[k][j];
      }
    }
    row += per_cluster[k];
  }
  if (nr > 0) {
    std::vector<double> b = uniform(ni * nr);
    for (double& v : b) v = 2 * v - 1;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < nr; ++j) {
        double s = 0;
        for (int64_t m = 0; m < ni; ++m) s += x[i * f + m] * b[m * nr + j];
        x[i * f + ni + j] = s;
      }
  }
  if (np_ > 0) {
    const int64_t used = ni + nr;
    std::vector<double> u = uniform(np_);
    for (int64_t j = 0; j < np_; ++j) {
      auto from = static_cast<int64_t>(static_cast<double>(used - 1) * u[j] + 0.5);
      for (int64_t i = 0; i < n; ++i) x[i * f + used + j] = x[i * f + from];
    }
  }
  const int64_t useless = f - ni - nr - np_;
  if (useless > 0) {
    std::vector<double> z = normal(n * useless);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < useless; ++j) x[i * f + (f - useless) + j] = z[i * useless + j];
  }
  if (o.flip_y > 0) {
    std::vector<double> u = uniform(n);
    std::vector<int64_t> flipped;
    for (int64_t i = 0; i < n; ++i)
      if (u[i] < o.flip_y) flipped.push_back(i);
    if (!flipped.empty()) {
      std::vector<int64_t> labels =
          randint(0, nc, {static_cast<int64_t>(flipped.size())}).to_vector<int64_t>();
      for (size_t i = 0; i < flipped.size(); ++i) y[flipped[i]] = labels[i];
    }
  }
  for (double& v : x) v = (v + o.shift) * o.scale;

  if (o.shuffle) {
    std::vector<int64_t> rows = randperm(n).to_vector<int64_t>();
    std::vector<int64_t> cols = randperm(f).to_vector<int64_t>();
    std::vector<double> xs(x.size());
    std::vector<int64_t> ys(y.size());
    for (int64_t i = 0; i < n; ++i) {
      ys[i] = y[rows[i]];
      for (int64_t j = 0; j < f; ++j) xs[i * f + j] = x[rows[i] * f + cols[j]];
    }
    x.swap(xs);
    y.swap(ys);
  }
  return {tensor(x, Shape{n, f}, kFloat32), from_vector(y, Shape{n}, kInt64)};
}

}  // namespace xgrad::data
