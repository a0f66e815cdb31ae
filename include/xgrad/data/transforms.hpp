/// \file
/// Data augmentation of image batches, seeded by xgrad's generator: random shifts and horizontal
/// flips, composed into a pipeline. Images are [N, H, W], [N, C, H, W], or flat [N, D] with D a
/// square (read as [N, sqrt D, sqrt D], e.g. 784 -> 28 x 28); the result has the input's shape,
/// dtype and device and records no graph.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data::transforms {

/// Every image moved right by dx[i] and down by dy[i] pixels (negative: left / up), zero-filled.
Tensor shift(const Tensor& images, const std::vector<int64_t>& dx, const std::vector<int64_t>& dy);
/// Every image mirrored left-right where flip[i] is true.
Tensor horizontal_flip(const Tensor& images, const std::vector<bool>& flip);

/// dx, dy drawn uniformly from [-max_shift, max_shift] per image (randint).
struct RandomShift {
  int64_t max_shift = 2;  ///< The largest shift, in pixels (>= 0, else xgrad::Error).
  /// The images, each shifted at random.
  Tensor operator()(const Tensor& images) const;
};

/// Each image flipped with probability p (rand).
struct RandomHorizontalFlip {
  double p = 0.5;  ///< Probability of flipping each image, in [0, 1] (else xgrad::Error).
  /// The images, each flipped with probability p.
  Tensor operator()(const Tensor& images) const;
};

/// Applies its transforms in order: Compose({RandomShift{2}, RandomHorizontalFlip{}})(x).
class Compose {
 public:
  /// One step: a batch of images in, a batch out.
  using Transform = std::function<Tensor(const Tensor&)>;
  /// The pipeline of `transforms`, applied in order.
  Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {}
  /// The images through every transform in turn.
  Tensor operator()(const Tensor& images) const;

 private:
  std::vector<Transform> transforms_;
};

}  // namespace xgrad::data::transforms
