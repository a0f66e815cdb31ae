// Toy 2-D classification sets with scikit-learn's geometry: two interleaving half circles
// (make_moons) and two concentric circles (make_circles). x float32 [n, 2], y int64 [n].
#pragma once

#include <cstdint>
#include <optional>

#include "data/dataset.hpp"

namespace xgrad::data {

// Outer moon: n / 2 points (cos t, sin t), t in [0, pi], label 0; inner moon: the rest,
// (1 - cos t, 0.5 - sin t), label 1. Then the rows are shuffled (randperm) and Gaussian noise of
// standard deviation `noise` is added (randn), both from xgrad's generator; a given seed first
// calls manual_seed(seed).
TensorDataset make_moons(int64_t n = 100, double noise = 0.0, std::optional<uint64_t> seed = {},
                         bool shuffle = true);

// Outer circle: n / 2 points at angles 2 pi k / (n / 2), label 0; inner circle (radius `factor`,
// 0 <= factor < 1): the rest, label 1. Shuffled and noised as make_moons.
TensorDataset make_circles(int64_t n = 100, double noise = 0.0, double factor = 0.8,
                           std::optional<uint64_t> seed = {}, bool shuffle = true);

}  // namespace xgrad::data
