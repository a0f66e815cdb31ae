// Linear: y = x W^T + b, as torch.nn.Linear (weight [out, in], bias [out]).
#pragma once

#include "xgrad/nn/init.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct LinearOptions {
  bool bias = true;
  // Empty: PyTorch's default, kaiming_uniform(a = sqrt(5)) for the weight, i.e.
  // U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias.
  Initializer weight_init = {};
  Initializer bias_init = {};
  Dtype dtype = kFloat32;
  Device device = {};
};

class LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features, LinearOptions options = {});

  Tensor forward(const Tensor& x) override;
  // Draws fresh values with the options' initializers.
  void reset_parameters();
  std::string extra_repr() const override;

  const int64_t in_features, out_features;
  const LinearOptions options;
  Tensor& weight;  // [out_features, in_features]
  Tensor& bias;    // [out_features]; undefined with .bias = false
};

class Linear : public ModuleHolder<LinearImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {})
      : ModuleHolder(std::make_shared<LinearImpl>(in_features, out_features, std::move(options))) {}
};

}  // namespace xgrad::nn
