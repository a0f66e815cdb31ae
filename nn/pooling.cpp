#include "xgrad/nn/pooling.hpp"

#include "xgrad/nn/functional.hpp"

namespace xgrad::nn {
namespace {

std::string pair(Int2 v) {
  if (v.h == v.w) return std::to_string(v.h);
  std::string s = "(";
  s += std::to_string(v.h);
  s += ", ";
  s += std::to_string(v.w);
  return s + ")";
}

// Refused at construction, naming the layer, rather than at the first forward.
void check_window(const char* layer, Int2 k, Int2 stride, Int2 padding) {
  if (k.h <= 0 || k.w <= 0)
    throw Error(std::string(layer) + ": kernel_size must be positive, got " + pair(k));
  if (stride.h <= 0 || stride.w <= 0)
    throw Error(std::string(layer) + ": stride must be positive, got " + pair(stride));
  if (padding.h < 0 || padding.w < 0 || padding.h > k.h / 2 || padding.w > k.w / 2)
    throw Error(std::string(layer) + ": padding " + pair(padding) +
                " must be between 0 and half the kernel size " + pair(k));
}

}  // namespace

MaxPool2dImpl::MaxPool2dImpl(Int2 k, std::optional<Int2> s, Int2 p, Int2 d)
    : Module("MaxPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p), dilation(d) {
  check_window("MaxPool2d", kernel_size, stride, padding);
  if (d.h <= 0 || d.w <= 0) throw Error("MaxPool2d: dilation must be positive, got " + pair(d));
}
Tensor MaxPool2dImpl::forward(const Tensor& x) {
  return functional::max_pool2d(x, kernel_size, stride, padding, dilation);
}
std::string MaxPool2dImpl::extra_repr() const {
  return "kernel_size=" + pair(kernel_size) + ", stride=" + pair(stride) +
         ", padding=" + pair(padding) + ", dilation=" + pair(dilation) + ", ceil_mode=False";
}

AvgPool2dImpl::AvgPool2dImpl(Int2 k, std::optional<Int2> s, Int2 p)
    : Module("AvgPool2d"), kernel_size(k), stride(s.value_or(k)), padding(p) {
  check_window("AvgPool2d", kernel_size, stride, padding);
}
Tensor AvgPool2dImpl::forward(const Tensor& x) {
  return functional::avg_pool2d(x, kernel_size, stride, padding);
}
std::string AvgPool2dImpl::extra_repr() const {
  return "kernel_size=" + pair(kernel_size) + ", stride=" + pair(stride) +
         ", padding=" + pair(padding);
}

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(Int2 size)
    : Module("AdaptiveAvgPool2d"), output_size(size) {
  if (size.h <= 0 || size.w <= 0)
    throw Error("AdaptiveAvgPool2d: output_size must be positive, got " + pair(size));
}
Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& x) {
  return functional::adaptive_avg_pool2d(x, output_size);
}
std::string AdaptiveAvgPool2dImpl::extra_repr() const { return "output_size=" + pair(output_size); }

}  // namespace xgrad::nn
