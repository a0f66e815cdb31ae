/// \file
/// DistributedSampler: which samples each rank of a data-parallel job trains on, as PyTorch's
/// torch.utils.data.DistributedSampler. Every epoch has one seeded permutation (the same on every
/// rank); rank r takes its elements r, r + R, r + 2R, ... (R = num_replicas). data/ does not know
/// about distributed/: pass the rank and world size (distributed::rank(), world_size()).
///
/// \code{.cpp}
///   data::DistributedSampler sampler(train.size(), distributed::world_size(), distributed::rank());
///   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
///     sampler.set_epoch(epoch);
///     for (auto [x, y] : data::DataLoader(train.subset(sampler.indices()), {.batch_size = 50})) ...
///   }
/// \endcode
#pragma once

#include <cstdint>
#include <vector>

namespace xgrad::data {

/// Options of DistributedSampler (defaults as PyTorch's).
struct DistributedSamplerOptions {
  bool shuffle = true;  ///< a permutation per epoch; false: 0, 1, 2, ... every epoch
  uint64_t seed = 0;    ///< epoch e's permutation is randperm(n) after manual_seed(seed + e)
  bool drop_last =
      false;  ///< drop the tail that does not divide evenly (else pad, repeating the start)
};

/// This rank's share of a data set, epoch by epoch (see the file's description).
class DistributedSampler {
 public:
  /// A sampler over `dataset_size` samples for rank `rank` of `num_replicas`; throws xgrad::Error
  /// for a negative size, fewer than one replica, or a rank outside [0, num_replicas).
  DistributedSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank,
                     DistributedSamplerOptions options = {});

  void set_epoch(int64_t epoch);  ///< call before each epoch so that each epoch gets its own order
  /// The epoch set last (0 at first).
  int64_t epoch() const { return epoch_; }
  /// This rank's sample indices for the current epoch (size() of them).
  std::vector<int64_t> indices() const;
  /// Samples per rank: ceil(n / R), or floor(n / R) with drop_last. Without drop_last the
  /// permutation is padded by repeating its start so that every rank gets as many.
  int64_t size() const { return num_samples_; }
  /// Samples over all ranks: size() * num_replicas().
  int64_t total_size() const { return num_samples_ * num_replicas_; }
  /// Number of ranks R.
  int64_t num_replicas() const { return num_replicas_; }
  /// This rank.
  int64_t rank() const { return rank_; }

 private:
  int64_t dataset_size_, num_replicas_, rank_;
  DistributedSamplerOptions options_;
  int64_t num_samples_ = 0;
  int64_t epoch_ = 0;
};

}  // namespace xgrad::data
