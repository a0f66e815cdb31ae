// DistributedSampler, with PyTorch's sizes and padding.
// philox.hpp first: see autograd/cpu/random.cpp.
#include "autograd/philox.hpp"
// (keeps the include order)
#include <algorithm>
#include <string>

#include "xgrad/autograd/core.hpp"
#include "xgrad/data/sampler.hpp"

namespace xgrad::data {

DistributedSampler::DistributedSampler(int64_t dataset_size, int64_t num_replicas, int64_t rank,
                                       DistributedSamplerOptions options)
    : dataset_size_(dataset_size), num_replicas_(num_replicas), rank_(rank), options_(options) {
  if (dataset_size < 0)
    throw Error("DistributedSampler: dataset_size must be >= 0, got " +
                std::to_string(dataset_size));
  if (num_replicas < 1)
    throw Error("DistributedSampler: num_replicas must be >= 1, got " +
                std::to_string(num_replicas));
  if (rank < 0 || rank >= num_replicas)
    throw Error("DistributedSampler: rank " + std::to_string(rank) + " is not in [0, " +
                std::to_string(num_replicas) + ")");
  if (options.drop_last && dataset_size % num_replicas != 0)
    num_samples_ = dataset_size / num_replicas;  // PyTorch: ceil((n - R) / R)
  else
    num_samples_ = (dataset_size + num_replicas - 1) / num_replicas;
}

void DistributedSampler::set_epoch(int64_t epoch) {
  if (epoch < 0)
    throw Error("DistributedSampler::set_epoch: epoch must be >= 0, got " + std::to_string(epoch));
  epoch_ = epoch;
}

std::vector<int64_t> DistributedSampler::indices() const {
  const int64_t n = dataset_size_;
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  if (options_.shuffle) {
    // randperm's Fisher-Yates on the draws of manual_seed(seed + epoch), without touching the
    // global generator: every rank computes the same permutation whatever else it drew.
    const uint64_t seed = options_.seed + static_cast<uint64_t>(epoch_);
    for (int64_t i = n - 1; i > 0; --i) {
      double u = philox::uniform(seed, 0, static_cast<uint64_t>(i), false);
      int64_t j = std::min<int64_t>(static_cast<int64_t>(u * static_cast<double>(i + 1)), i);
      std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
    }
  }
  const int64_t total = total_size();
  // Pad by repeating the start (as often as needed), or cut the tail.
  for (int64_t i = n; i < total; ++i) order.push_back(order[static_cast<size_t>((i - n) % n)]);
  order.resize(static_cast<size_t>(total));
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(num_samples_));
  for (int64_t i = rank_; i < total; i += num_replicas_)
    mine.push_back(order[static_cast<size_t>(i)]);
  return mine;
}

}  // namespace xgrad::data
