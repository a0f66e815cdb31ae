/// \file
/// Pooling layers, as torch.nn's MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (no parameters).
#pragma once

#include <optional>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// The stride defaults to the kernel size, as in PyTorch.
class MaxPool2dImpl : public Module {
 public:
  /// Max over kernel_size windows of [N, C, H, W]; sizes must be positive and padding at most half
  /// the kernel (else xgrad::Error).
  explicit MaxPool2dImpl(Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                         Int2 padding = 0, Int2 dilation = 1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// Window, step, zero padding and tap spacing, each {h, w}.
  ///@{
  Int2 kernel_size, stride, padding, dilation;
  ///@}
};

/// Mean over windows of [N, C, H, W] (torch.nn.AvgPool2d; padding counts as zeros); the stride
/// defaults to the kernel size.
class AvgPool2dImpl : public Module {
 public:
  /// Sizes must be positive and padding at most half the kernel (else xgrad::Error).
  explicit AvgPool2dImpl(Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                         Int2 padding = 0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// Window, step and zero padding, each {h, w}.
  ///@{
  Int2 kernel_size, stride, padding;
  ///@}
};

/// Mean pooling of [N, C, H, W] to a fixed output_size, windows chosen as PyTorch's.
class AdaptiveAvgPool2dImpl : public Module {
 public:
  /// The output's {h, w}; must be positive (else xgrad::Error).
  explicit AdaptiveAvgPool2dImpl(Int2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The output's {h, w}.
  Int2 output_size;
};

/// Handle of MaxPool2dImpl: `nn::MaxPool2d(2)`.
XGRAD_MODULE(MaxPool2d);
/// Handle of AvgPool2dImpl.
XGRAD_MODULE(AvgPool2d);
/// Handle of AdaptiveAvgPool2dImpl.
XGRAD_MODULE(AdaptiveAvgPool2d);

}  // namespace xgrad::nn
