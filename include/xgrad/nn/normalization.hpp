// Normalization layers, as torch.nn's BatchNorm1d, BatchNorm2d and LayerNorm.
//
// BatchNorm keeps running_mean, running_var and num_batches_tracked as buffers (saved in the
// state_dict under PyTorch's names). In training it normalizes with the batch's statistics and
// updates the running ones (momentum 0.1, the variance unbiased); in eval it uses the running ones.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = true;               // weight (ones) and bias (zeros) parameters
  bool track_running_stats = true;  // without: batch statistics in eval too
  Dtype dtype = kFloat32;
  Device device = {};
};

class BatchNormImpl : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;
  const int64_t num_features;
  const BatchNormOptions options;
  Tensor& weight;               // [num_features]; undefined without affine
  Tensor& bias;                 // [num_features]
  Tensor& running_mean;         // [num_features]; undefined without track_running_stats
  Tensor& running_var;          // [num_features]
  Tensor& num_batches_tracked;  // int64 scalar

 protected:
  BatchNormImpl(const char* name, int64_t num_features, BatchNormOptions options, int64_t min_dim,
                int64_t max_dim);

 private:
  int64_t min_dim_, max_dim_;
};

// Input [N, C] or [N, C, L].
class BatchNorm1dImpl : public BatchNormImpl {
 public:
  explicit BatchNorm1dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm1d", num_features, options, 2, 3) {}
};
// Input [N, C, H, W].
class BatchNorm2dImpl : public BatchNormImpl {
 public:
  explicit BatchNorm2dImpl(int64_t num_features, BatchNormOptions options = {})
      : BatchNormImpl("BatchNorm2d", num_features, options, 4, 4) {}
};

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
  Dtype dtype = kFloat32;
  Device device = {};
};

// Normalizes over the last dims, given by normalized_shape.
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(Shape normalized_shape, LayerNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  const Shape normalized_shape;
  const LayerNormOptions options;
  Tensor& weight;  // normalized_shape, ones; undefined without elementwise_affine
  Tensor& bias;    // zeros
};

XGRAD_MODULE(BatchNorm1d);
XGRAD_MODULE(BatchNorm2d);
XGRAD_MODULE(LayerNorm);

}  // namespace xgrad::nn
