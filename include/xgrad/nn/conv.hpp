/// \file
/// Conv1d and Conv2d, as torch.nn's: weight [C_out, C_in / groups, k...] and bias [C_out],
/// initialized as PyTorch does (kaiming_uniform with a = sqrt(5), so U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)) for both, fan_in = C_in / groups * kernel area).
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// Options of Conv2d (defaults as torch.nn.Conv2d).
struct Conv2dOptions {
  Int2 stride = 1;  ///< Step of the kernel: one number or {h, w}.
  Padding2d padding = 0;  ///< a size, "same" or "valid"
  Int2 dilation = 1;  ///< Spacing between kernel taps.
  int64_t groups = 1;  ///< Channel groups; in and out channels must divide by it (else
                       ///< xgrad::Error).
  bool bias = true;  ///< Whether to add a learned bias.
  Dtype dtype = kFloat32;  ///< Dtype of the parameters.
  Device device = {};  ///< Device of the parameters.
};

/// 2-D convolution over [N, C_in, H, W] (torch.nn.Conv2d); use it through nn::Conv2d.
class Conv2dImpl : public Module {
 public:
  /// Makes and initializes weight and bias; throws xgrad::Error for a non-positive size or channels
  /// that do not divide by groups.
  Conv2dImpl(int64_t in_channels, int64_t out_channels, Int2 kernel_size,
             Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  /// Draws the weight and bias again as PyTorch does (see the file's description).
  void reset_parameters();
  std::string extra_repr() const override;
  /// Input and output channels.
  ///@{
  const int64_t in_channels, out_channels;
  /// The kernel's {h, w}.
  ///@}
  const Int2 kernel_size;
  /// The options it was built with.
  const Conv2dOptions options;
  Tensor& weight;  ///< [out_channels, in_channels / groups, kh, kw]
  Tensor& bias;    ///< [out_channels]; undefined with .bias = false
};

/// Options of Conv1d (defaults as torch.nn.Conv1d).
struct Conv1dOptions {
  int64_t stride = 1;  ///< Step of the kernel.
  Padding2d padding = 0;  ///< a size, "same" or "valid"
  int64_t dilation = 1;  ///< Spacing between kernel taps.
  int64_t groups = 1;  ///< Channel groups; in and out channels must divide by it (else
                       ///< xgrad::Error).
  bool bias = true;  ///< Whether to add a learned bias.
  Dtype dtype = kFloat32;  ///< Dtype of the parameters.
  Device device = {};  ///< Device of the parameters.
};

/// 1-D convolution over [N, C_in, L] (torch.nn.Conv1d); use it through nn::Conv1d.
class Conv1dImpl : public Module {
 public:
  /// Makes and initializes weight and bias; throws xgrad::Error for a non-positive size or channels
  /// that do not divide by groups.
  Conv1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
             Conv1dOptions options = {});
  Tensor forward(const Tensor& x) override;
  /// Draws the weight and bias again as PyTorch does (see the file's description).
  void reset_parameters();
  std::string extra_repr() const override;
  /// Input channels, output channels and kernel length.
  ///@{
  const int64_t in_channels, out_channels, kernel_size;
  /// The options it was built with.
  ///@}
  const Conv1dOptions options;
  Tensor& weight;  ///< [out_channels, in_channels / groups, k]
  Tensor& bias;    ///< [out_channels]; undefined with .bias = false
};

/// Handle of Conv2dImpl: `nn::Conv2d(1, 16, 3, {.padding = 1})`.
class Conv2d : public ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  /// \copydoc Conv2dImpl::Conv2dImpl
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Conv2dOptions options = {})
      : ModuleHolder(std::make_shared<Conv2dImpl>(in_channels, out_channels, kernel_size,
                                                  std::move(options))) {}
};
/// Handle of Conv1dImpl: `nn::Conv1d(8, 16, 5)`.
class Conv1d : public ModuleHolder<Conv1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  /// \copydoc Conv1dImpl::Conv1dImpl
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options = {})
      : ModuleHolder(std::make_shared<Conv1dImpl>(in_channels, out_channels, kernel_size,
                                                  std::move(options))) {}
};

}  // namespace xgrad::nn
