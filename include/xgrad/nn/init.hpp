/// \file
/// Weight initialization, as torch.nn.init: each function fills a tensor in place (without
/// recording a graph) from xgrad's seeded random engine and returns it. The factories below
/// (`init::normal(0, 1)`, `init::constant(0.01)`, ...) wrap them as an `Initializer` for layer
/// options: `nn::Linear(64, 50, {.weight_init = nn::init::normal(0, 1),
///                               .bias_init = nn::init::constant(0.01)})`.
#pragma once

#include <functional>
#include <string>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::nn {

/// Fills a parameter in place: what layer options take as weight_init and bias_init.
using Initializer = std::function<void(Tensor&)>;

namespace init {

/// Which fan kaiming_* scales by: fan_in (preserves the forward's variance) or fan_out (the
/// backward's).
enum class FanMode { fan_in, fan_out };

/// The recommended gain for a nonlinearity: "linear", "sigmoid", "tanh", "relu", "leaky_relu"
/// (param: the negative slope, default 0.01), "selu", "conv*" (1).
double calculate_gain(const std::string& nonlinearity, double param = 0.01);
/// A tensor's fan_in and fan_out (see calculate_fan_in_and_fan_out).
struct Fans {
  /// Inputs and outputs per unit, kernel area included.
  ///@{
  int64_t fan_in, fan_out;
  ///@}
};
/// For [out, in, *kernel]: fan_in = in * kernel size, fan_out = out * kernel size (2-D or more).
Fans calculate_fan_in_and_fan_out(const Tensor& t);

/// Fills t from U(a, b).
Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0);
/// Fills t from N(mean, std^2).
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0);
/// Fills t with `value`.
Tensor& constant_(Tensor& t, double value);
/// Fills t with 0.
Tensor& zeros_(Tensor& t);
/// Fills t with 1.
Tensor& ones_(Tensor& t);
/// U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0);
/// N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out)).
Tensor& xavier_normal_(Tensor& t, double gain = 1.0);
/// U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a) (He et al.,
/// 2015).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                         const std::string& nonlinearity = "leaky_relu");
/// N(0, s^2) with s = gain / sqrt(fan).
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                        const std::string& nonlinearity = "leaky_relu");

// ---- the same as Initializers, for layer options
/// uniform_(t, a, b) as an Initializer.
Initializer uniform(double a, double b);
/// normal_(t, mean, std) as an Initializer.
Initializer normal(double mean, double std);
/// constant_(t, value) as an Initializer.
Initializer constant(double value);
/// zeros_ as an Initializer.
Initializer zeros();
/// ones_ as an Initializer.
Initializer ones();
/// xavier_uniform_(t, gain) as an Initializer.
Initializer xavier_uniform(double gain = 1.0);
/// xavier_normal_(t, gain) as an Initializer.
Initializer xavier_normal(double gain = 1.0);
/// kaiming_uniform_(t, a, mode, nonlinearity) as an Initializer.
Initializer kaiming_uniform(double a = 0.0, FanMode mode = FanMode::fan_in,
                            const std::string& nonlinearity = "leaky_relu");
/// kaiming_normal_(t, a, mode, nonlinearity) as an Initializer.
Initializer kaiming_normal(double a = 0.0, FanMode mode = FanMode::fan_in,
                           const std::string& nonlinearity = "leaky_relu");
/// Keras names: Glorot is Xavier; He is Kaiming for ReLU with fan_in.
inline Initializer glorot_uniform() { return xavier_uniform(); }
/// Keras' glorot_normal: xavier_normal().
inline Initializer glorot_normal() { return xavier_normal(); }
/// Keras' he_uniform: kaiming_uniform for ReLU, fan_in.
inline Initializer he_uniform() { return kaiming_uniform(0.0, FanMode::fan_in, "relu"); }
/// Keras' he_normal: kaiming_normal for ReLU, fan_in.
inline Initializer he_normal() { return kaiming_normal(0.0, FanMode::fan_in, "relu"); }

}  // namespace init
}  // namespace xgrad::nn
