/// \file
/// Normalization layers, as torch.nn's BatchNorm1d, BatchNorm2d and LayerNorm.
///
/// BatchNorm keeps running_mean, running_var and num_batches_tracked as buffers (saved in the
/// state_dict under PyTorch's names). In training it normalizes with the batch's statistics and
/// updates the running ones (momentum 0.1, the variance unbiased); in eval it uses the running
/// ones.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Options of BatchNorm1d and BatchNorm2d (defaults as PyTorch's).
struct BatchNormOptions {
  double eps = 1e-5;  ///< Added to the variance before the square root.
  double momentum = 0.1;  ///< Weight of the new batch in the running statistics.
  bool affine = true;               ///< weight (ones) and bias (zeros) parameters
  bool track_running_stats = true;  ///< without: batch statistics in eval too
  Dtype dtype = kFloat32;  ///< Dtype of the parameters and running statistics.
  Device device = {};  ///< Device of the parameters and buffers.
};

/// What BatchNorm1d and BatchNorm2d share (see the file's description).
class BatchNormImpl : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  /// Running mean back to 0, variance to 1, num_batches_tracked to 0 (when tracked).
  void reset_running_stats();
  /// reset_running_stats(), then weight back to 1 and bias to 0 (when affine).
  void reset_parameters();
  std::string extra_repr() const override;
  /// Number of channels C.
  const int64_t num_features;
  /// The options it was built with.
  const BatchNormOptions options;
  Tensor& weight;               ///< [num_features]; undefined without affine
  Tensor& bias;                 ///< [num_features]
  Tensor& running_mean;         ///< [num_features]; undefined without track_running_stats
  Tensor& running_var;          ///< [num_features]
  Tensor& num_batches_tracked;  ///< int64 scalar

 protected:
  /// For subclasses: the printed name, C (positive, else xgrad::Error), and the input ranks
  /// accepted.
  BatchNormImpl(const char* name, int64_t num_features, BatchNormOptions options, int64_t min_dim,
                int64_t max_dim);

 private:
  int64_t min_dim_, max_dim_;
};

/// Input [N, C] or [N, C, L].
class BatchNorm1dImpl : public BatchNormImpl {
 public:
  /// Batch normalization over C = num_features channels.
  explicit BatchNorm1dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm1d", num_features, options, 2, 3) {}
};
/// Input [N, C, H, W].
class BatchNorm2dImpl : public BatchNormImpl {
 public:
  /// Batch normalization over C = num_features channels.
  explicit BatchNorm2dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm2d", num_features, options, 4, 4) {}
};

/// Options of LayerNorm (defaults as PyTorch's).
struct LayerNormOptions {
  double eps = 1e-5;  ///< Added to the variance before the square root.
  bool elementwise_affine = true;  ///< Learned weight (ones) and bias (zeros) of normalized_shape.
  Dtype dtype = kFloat32;  ///< Dtype of the parameters.
  Device device = {};  ///< Device of the parameters.
};

/// Normalizes over the last dims, given by normalized_shape.
class LayerNormImpl : public Module {
 public:
  /// Normalizes over the trailing dims `normalized_shape` (at least one, all positive, else
  /// xgrad::Error).
  explicit LayerNormImpl(Shape normalized_shape, LayerNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The trailing dims normalized over.
  const Shape normalized_shape;
  /// The options it was built with.
  const LayerNormOptions options;
  Tensor& weight;  ///< normalized_shape, ones; undefined without elementwise_affine
  Tensor& bias;    ///< zeros
};

/// Handle of BatchNorm1dImpl: `nn::BatchNorm1d(50)`.
XGRAD_MODULE(BatchNorm1d);
/// Handle of BatchNorm2dImpl: `nn::BatchNorm2d(16)`.
XGRAD_MODULE(BatchNorm2d);
/// Handle of LayerNormImpl: `nn::LayerNorm(Shape{64})`.
XGRAD_MODULE(LayerNorm);

}  // namespace xgrad::nn
