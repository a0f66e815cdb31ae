// Dropout: inverted dropout in training mode (zero with probability p, scale the rest by
// 1 / (1 - p), mask from the seeded engine), the identity in eval mode. As torch.nn.Dropout.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class DropoutImpl : public Module {
 public:
  explicit DropoutImpl(double p = 0.5);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;
};

XGRAD_MODULE(Dropout);

}  // namespace xgrad::nn
