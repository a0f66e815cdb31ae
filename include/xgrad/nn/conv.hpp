// Conv1d and Conv2d, as torch.nn's: weight [C_out, C_in / groups, k...] and bias [C_out],
// initialized as PyTorch does (kaiming_uniform with a = sqrt(5), so U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) for both, fan_in = C_in / groups * kernel area).
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

struct Conv2dOptions {
  Int2 stride = 1;
  Padding2d padding = 0;  // a size, "same" or "valid"
  Int2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  Dtype dtype = kFloat32;
  Device device = {};
};

class Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, Int2 kernel_size,
             Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  const int64_t in_channels, out_channels;
  const Int2 kernel_size;
  const Conv2dOptions options;
  Tensor& weight;  // [out_channels, in_channels / groups, kh, kw]
  Tensor& bias;    // [out_channels]; undefined with .bias = false
};

struct Conv1dOptions {
  int64_t stride = 1;
  Padding2d padding = 0;  // a size, "same" or "valid"
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  Dtype dtype = kFloat32;
  Device device = {};
};

class Conv1dImpl : public Module {
 public:
  Conv1dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
             Conv1dOptions options = {});
  Tensor forward(const Tensor& x) override;
  void reset_parameters();
  std::string extra_repr() const override;
  const int64_t in_channels, out_channels, kernel_size;
  const Conv1dOptions options;
  Tensor& weight;  // [out_channels, in_channels / groups, k]
  Tensor& bias;    // [out_channels]; undefined with .bias = false
};

class Conv2d : public ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Conv2dOptions options = {})
      : ModuleHolder(std::make_shared<Conv2dImpl>(in_channels, out_channels, kernel_size,
                                                  std::move(options))) {}
};
class Conv1d : public ModuleHolder<Conv1dImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options = {})
      : ModuleHolder(std::make_shared<Conv1dImpl>(in_channels, out_channels, kernel_size,
                                                  std::move(options))) {}
};

}  // namespace xgrad::nn
