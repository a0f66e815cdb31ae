#include "xgrad/nn/conv.hpp"

#include <cmath>

#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/init.hpp"

namespace xgrad::nn {
namespace {

// Checks what the layer's shapes need before any tensor is made; returns in_channels.
int64_t checked_channels(const char* layer, int64_t in, int64_t out, int64_t kh, int64_t kw,
                         int64_t groups) {
  auto bad = [&](const std::string& what) { throw Error(std::string(layer) + ": " + what); };
  if (in <= 0 || out <= 0)
    bad("in_channels and out_channels must be positive, got " + std::to_string(in) + " and " +
        std::to_string(out));
  if (kh <= 0 || kw <= 0)
    bad("kernel_size must be positive, got " + std::to_string(kh) + " x " + std::to_string(kw));
  if (groups <= 0) bad("groups must be positive, got " + std::to_string(groups));
  if (in % groups != 0 || out % groups != 0)
    bad("in_channels " + std::to_string(in) + " and out_channels " + std::to_string(out) +
        " must be divisible by groups " + std::to_string(groups));
  return in;
}

// PyTorch's reset_parameters for _ConvNd.
void reset_conv(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
  double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound);
}

std::string padding_repr(const Padding2d& p, bool one_d) {
  if (!p.mode.empty()) return "padding=" + p.mode;
  if (one_d) return "padding=(" + std::to_string(p.size.w) + ",)";
  return "padding=(" + std::to_string(p.size.h) + ", " + std::to_string(p.size.w) + ")";
}

}  // namespace

Conv2dImpl::Conv2dImpl(int64_t in, int64_t out, Int2 k, Conv2dOptions opt)
    : Module("Conv2d"),
      in_channels(checked_channels("Conv2d", in, out, k.h, k.w, opt.groups)),
      out_channels(out),
      kernel_size(k),
      options(std::move(opt)),
      weight(register_parameter("weight", empty({out, in / options.groups, k.h, k.w},
                                                TensorOptions{options.dtype, options.device}))),
      bias(register_parameter(
          "bias",
          options.bias ? empty({out}, TensorOptions{options.dtype, options.device}) : Tensor())) {
  reset_parameters();
}

void Conv2dImpl::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& x) {
  return functional::conv2d(x, weight, bias, options.stride, options.padding, options.dilation,
                            options.groups);
}

std::string Conv2dImpl::extra_repr() const {
  auto pair = [](Int2 v) {
    std::string p = "(";  // += : GCC 12's -Wrestrict misfires on "(" + std::string&&
    p += std::to_string(v.h);
    p += ", ";
    p += std::to_string(v.w);
    return p + ")";
  };
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + pair(kernel_size) + ", stride=" + pair(options.stride);
  if (!options.padding.mode.empty() || options.padding.size.h || options.padding.size.w)
    s += ", " + padding_repr(options.padding, false);
  if (options.dilation.h != 1 || options.dilation.w != 1)
    s += ", dilation=" + pair(options.dilation);
  if (options.groups != 1) s += ", groups=" + std::to_string(options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

Conv1dImpl::Conv1dImpl(int64_t in, int64_t out, int64_t k, Conv1dOptions opt)
    : Module("Conv1d"),
      in_channels(checked_channels("Conv1d", in, out, 1, k, opt.groups)),
      out_channels(out),
      kernel_size(k),
      options(std::move(opt)),
      weight(register_parameter("weight", empty({out, in / options.groups, k},
                                                TensorOptions{options.dtype, options.device}))),
      bias(register_parameter(
          "bias",
          options.bias ? empty({out}, TensorOptions{options.dtype, options.device}) : Tensor())) {
  reset_parameters();
}

void Conv1dImpl::reset_parameters() { reset_conv(weight, bias); }

Tensor Conv1dImpl::forward(const Tensor& x) {
  return functional::conv1d(x, weight, bias, options.stride, options.padding, options.dilation,
                            options.groups);
}

std::string Conv1dImpl::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=(" + std::to_string(kernel_size) + ",), stride=(" +
                  std::to_string(options.stride) + ",)";
  if (!options.padding.mode.empty() || options.padding.size.w)
    s += ", " + padding_repr(options.padding, true);
  if (options.dilation != 1) s += ", dilation=(" + std::to_string(options.dilation) + ",)";
  if (options.groups != 1) s += ", groups=" + std::to_string(options.groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace xgrad::nn
