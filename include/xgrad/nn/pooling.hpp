// Pooling layers, as torch.nn's MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (no parameters).
#pragma once

#include <optional>

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

// The stride defaults to the kernel size, as in PyTorch.
class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                         Int2 padding = 0, Int2 dilation = 1);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Int2 kernel_size, stride, padding, dilation;
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(Int2 kernel_size, std::optional<Int2> stride = std::nullopt,
                         Int2 padding = 0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Int2 kernel_size, stride, padding;
};

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(Int2 output_size);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Int2 output_size;
};

XGRAD_MODULE(MaxPool2d);
XGRAD_MODULE(AvgPool2d);
XGRAD_MODULE(AdaptiveAvgPool2d);

}  // namespace xgrad::nn
