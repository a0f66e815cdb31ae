/// \file
/// Turning raw columns into what a network wants: one-hot targets, standardized or min-max scaled
/// features (fitted on the training part, applied unchanged to the test part).
#pragma once

#include <cstdint>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data {

/// int64 class labels [n] -> [n, num_classes] rows of 0 and 1 in `dtype` (float32 by default,
/// ready for a loss). num_classes -1: max label + 1.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1, Dtype dtype = kFloat32);

/// (x - mean) / std per column (dim 0), with the population std (ddof 0) as scikit-learn's
/// StandardScaler; a constant column gets scale 1. No graph is recorded.
class StandardScaler {
 public:
  /// Learns each column's mean and scale from x [samples, features] (floating); throws xgrad::Error
  /// for another shape or no samples.
  StandardScaler& fit(const Tensor& x);
  /// (x - mean) / scale; throws xgrad::Error before fit() or for another number of features.
  Tensor transform(const Tensor& x) const;
  /// fit(x), then transform(x).
  Tensor fit_transform(const Tensor& x) { return fit(x).transform(x); }
  /// z * scale + mean: undoes transform().
  Tensor inverse_transform(const Tensor& z) const;
  /// The fitted column means.
  const Tensor& mean() const { return mean_; }    // [1, features]
  /// The fitted column scales (standard deviations; 1 for a constant column).
  const Tensor& scale() const { return scale_; }  // [1, features]

 private:
  Tensor mean_, scale_;
};

/// (x - min) / (max - min) * (high - low) + low per column, as scikit-learn's MinMaxScaler; a
/// constant column gets range 1. No graph is recorded.
class MinMaxScaler {
 public:
  /// Scales into [low, high]; throws xgrad::Error unless low < high.
  explicit MinMaxScaler(double low = 0.0, double high = 1.0);
  /// Learns each column's min and max from x [samples, features] (floating); throws xgrad::Error
  /// for another shape or no samples.
  MinMaxScaler& fit(const Tensor& x);
  /// Scales x into [low, high] by the fitted ranges; throws xgrad::Error before fit() or for
  /// another number of features.
  Tensor transform(const Tensor& x) const;
  /// fit(x), then transform(x).
  Tensor fit_transform(const Tensor& x) { return fit(x).transform(x); }
  /// Undoes transform().
  Tensor inverse_transform(const Tensor& z) const;
  /// The fitted column minimums.
  const Tensor& data_min() const { return min_; }  // [1, features]
  /// The fitted column maximums.
  const Tensor& data_max() const { return max_; }  // [1, features]

 private:
  double low_, high_;
  Tensor min_, max_, range_;
};

}  // namespace xgrad::data
