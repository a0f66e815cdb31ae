#include "xgrad/nn/init.hpp"

#include <cmath>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::nn::init {

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0)
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("nn::init::calculate_gain: unsupported nonlinearity \"" + nonlinearity +
              "\" (linear, sigmoid, tanh, relu, leaky_relu, selu, conv1d/2d/3d)");
}

Fans calculate_fan_in_and_fan_out(const Tensor& t) {
  if (t.dim() < 2)
    throw Error("nn::init: fan in and fan out need a tensor of 2 or more dimensions, got shape " +
                t.shape().str());
  int64_t receptive = 1;
  for (int64_t i = 2; i < t.dim(); ++i) receptive *= t.size(i);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

namespace {

void check(const Tensor& t, const char* fn) {
  if (!t.defined()) throw Error(std::string("nn::init::") + fn + ": the tensor is undefined");
  if (!is_floating(t.dtype()))
    throw Error(std::string("nn::init::") + fn + ": needs a float32 or float64 tensor, got " +
                dtype_name(t.dtype()));
}

int64_t fan(const Tensor& t, FanMode mode) {
  auto f = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::fan_in ? f.fan_in : f.fan_out;
}

}  // namespace

Tensor& uniform_(Tensor& t, double a, double b) {
  check(t, "uniform_");
  NoGradGuard no_grad;
  return xgrad::uniform_(t, a, b);
}

Tensor& normal_(Tensor& t, double mean, double std) {
  check(t, "normal_");
  NoGradGuard no_grad;
  return xgrad::normal_(t, mean, std);
}

Tensor& constant_(Tensor& t, double value) {
  check(t, "constant_");
  NoGradGuard no_grad;
  return t.fill_(value);
}

Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }

Tensor& xavier_uniform_(Tensor& t, double gain) {
  check(t, "xavier_uniform_");
  auto f = calculate_fan_in_and_fan_out(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(f.fan_in + f.fan_out));
  return init::uniform_(t, -bound, bound);
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  check(t, "xavier_normal_");
  auto f = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(f.fan_in + f.fan_out)));
}

Tensor& kaiming_uniform_(Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  check(t, "kaiming_uniform_");
  double bound =
      calculate_gain(nonlinearity, a) * std::sqrt(3.0 / static_cast<double>(fan(t, mode)));
  return init::uniform_(t, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& t, double a, FanMode mode, const std::string& nonlinearity) {
  check(t, "kaiming_normal_");
  return init::normal_(
      t, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(t, mode))));
}

Initializer uniform(double a, double b) {
  return [=](Tensor& t) { init::uniform_(t, a, b); };
}
Initializer normal(double mean, double std) {
  return [=](Tensor& t) { init::normal_(t, mean, std); };
}
Initializer constant(double value) {
  return [=](Tensor& t) { constant_(t, value); };
}
Initializer zeros() { return constant(0.0); }
Initializer ones() { return constant(1.0); }
Initializer xavier_uniform(double gain) {
  return [=](Tensor& t) { xavier_uniform_(t, gain); };
}
Initializer xavier_normal(double gain) {
  return [=](Tensor& t) { xavier_normal_(t, gain); };
}
Initializer kaiming_uniform(double a, FanMode mode, const std::string& nonlinearity) {
  return [=](Tensor& t) { kaiming_uniform_(t, a, mode, nonlinearity); };
}
Initializer kaiming_normal(double a, FanMode mode, const std::string& nonlinearity) {
  return [=](Tensor& t) { kaiming_normal_(t, a, mode, nonlinearity); };
}

}  // namespace xgrad::nn::init
