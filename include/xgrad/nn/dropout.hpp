/// \file
/// Dropout: inverted dropout in training mode (zero with probability p, scale the rest by
/// 1 / (1 - p), mask from the seeded engine), the identity in eval mode. As torch.nn.Dropout.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Dropout (see the file's description); use it through nn::Dropout.
class DropoutImpl : public Module {
 public:
  /// `p`: the probability of zeroing an element, in [0, 1] (else xgrad::Error).
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The probability of zeroing an element.
  double p;
};

/// Handle of DropoutImpl: `nn::Dropout(0.25)`.
XGRAD_MODULE(Dropout);

}  // namespace xgrad::nn
