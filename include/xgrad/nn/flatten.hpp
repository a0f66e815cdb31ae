/// \file
/// Flatten: merges dimensions start_dim..end_dim (default: all but the batch), as torch.nn.Flatten.
/// Shares storage with its input.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Flatten (see the file's description); use it through nn::Flatten.
class FlattenImpl : public Module {
 public:
  /// Merges dims start_dim..end_dim (negative counts from the end).
  explicit FlattenImpl(int64_t start_dim = 1, int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& x) override { return xgrad::flatten(x, start_dim, end_dim); }
  std::string extra_repr() const override {
    return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
  }
  /// The first and last dimension merged.
  ///@{
  int64_t start_dim, end_dim;
  ///@}
};

/// Handle of FlattenImpl: `nn::Flatten()`.
XGRAD_MODULE(Flatten);

}  // namespace xgrad::nn
