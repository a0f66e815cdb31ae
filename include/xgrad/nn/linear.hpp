/// \file
/// Linear: y = x W^T + b, as torch.nn.Linear (weight [out, in], bias [out]).
#pragma once

#include "xgrad/nn/init.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Options of Linear (`{.bias = false}`, `{.weight_init = nn::init::normal(0, 1)}`).
struct LinearOptions {
  bool bias = true;  ///< Whether to add a learned bias.
  /// Empty: PyTorch's default, kaiming_uniform(a = sqrt(5)) for the weight, i.e.
  /// U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias.
  Initializer weight_init = {};
  Initializer bias_init = {};  ///< Empty: PyTorch's default (see weight_init).
  Dtype dtype = kFloat32;  ///< Dtype of the parameters.
  Device device = {};  ///< Device of the parameters.
};

/// y = x W^T + b on inputs [*, in_features] (see the file's description); use it through
/// nn::Linear.
class LinearImpl : public Module {
 public:
  /// Makes and initializes weight and bias; throws xgrad::Error for a non-positive size.
  LinearImpl(int64_t in_features, int64_t out_features, LinearOptions options = {});

  Tensor forward(const Tensor& x) override;
  /// Draws fresh values with the options' initializers.
  void reset_parameters();
  std::string extra_repr() const override;

  /// Input and output sizes.
  ///@{
  const int64_t in_features, out_features;
  /// The options it was built with.
  ///@}
  const LinearOptions options;
  Tensor& weight;  ///< [out_features, in_features]
  Tensor& bias;    ///< [out_features]; undefined with .bias = false
};

/// Handle of LinearImpl: `nn::Linear(64, 50)`.
class Linear : public ModuleHolder<LinearImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  /// \copydoc LinearImpl::LinearImpl
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {})
      : ModuleHolder(std::make_shared<LinearImpl>(in_features, out_features, std::move(options))) {}
};

}  // namespace xgrad::nn
