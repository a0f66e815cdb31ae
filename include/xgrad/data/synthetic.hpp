/// \file
/// Synthetic classification sets with scikit-learn's geometry: two interleaving half circles
/// (make_moons) and two concentric circles (make_circles), x float32 [n, 2]; and
/// make_classification's Gaussian clusters in many dimensions, x float32 [n, features]. y int64
/// [n].
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "xgrad/data/dataset.hpp"

namespace xgrad::data {

/// Outer moon: n / 2 points (cos t, sin t), t in [0, pi], label 0; inner moon: the rest,
/// (1 - cos t, 0.5 - sin t), label 1. Then the rows are shuffled (randperm) and Gaussian noise of
/// standard deviation `noise` is added (randn), both from xgrad's generator; a given seed first
/// calls manual_seed(seed).
TensorDataset make_moons(int64_t n = 100, double noise = 0.0, std::optional<uint64_t> seed = {},
                         bool shuffle = true);

/// Outer circle: n / 2 points at angles 2 pi k / (n / 2), label 0; inner circle (radius `factor`,
/// 0 <= factor < 1): the rest, label 1. Shuffled and noised as make_moons.
TensorDataset make_circles(int64_t n = 100, double noise = 0.0, double factor = 0.8,
                           std::optional<uint64_t> seed = {}, bool shuffle = true);

/// Options of make_classification (defaults as scikit-learn's).
struct ClassificationOptions {
  int64_t n_samples = 100;  ///< Number of rows.
  int64_t n_features = 20;  ///< Number of columns: informative, redundant, repeated, and the rest
                            ///< N(0, 1) noise.
  int64_t n_informative = 2;  ///< columns that carry the classes
  int64_t n_redundant = 2;    ///< random linear combinations of the informative ones
  int64_t n_repeated = 0;     ///< copies of informative or redundant columns
  int64_t n_classes = 2;  ///< Number of classes.
  int64_t n_clusters_per_class = 2;  ///< Gaussian clusters per class.
  std::vector<double> weights = {};  ///< class proportions (n_classes, or n_classes - 1 and the
                                     ///< rest to the last class); empty: balanced
  double flip_y = 0.01;              ///< this fraction of the labels is redrawn at random
  double class_sep = 1.0;            ///< half the hypercube's side
  bool hypercube = true;             ///< clusters on its vertices (else on a random polytope)
  ///@{
  double shift = 0.0, scale = 1.0;   ///< every feature: (x + shift) * scale
  ///@}
  bool shuffle = true;               ///< rows, then columns
};

/// scikit-learn's make_classification, step for step, with xgrad's generator (so not NumPy's
/// numbers): each class gets n_clusters_per_class Gaussian clusters centred on distinct vertices
/// of a hypercube in the n_informative first columns, each cluster with a random covariance
/// (N(0, I) times a U(-1, 1) matrix); then the redundant, repeated and N(0, 1) useless columns;
/// flip_y's labels redrawn; shift and scale; rows and columns shuffled. A given seed first calls
/// manual_seed(seed). Bad sizes raise xgrad::Error naming the option.
TensorDataset make_classification(const ClassificationOptions& options = {},
                                  std::optional<uint64_t> seed = {});

}  // namespace xgrad::data
