#include "data/synthetic.hpp"

#include <cmath>
#include <numbers>
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

}  // namespace xgrad::data
