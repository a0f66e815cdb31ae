/// \file
/// Elementwise and softmax activations as modules (torch.nn.ReLU, ...). Each is a thin module over
/// the nn::functional form; none has parameters.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// max(0, x), elementwise (torch.nn.ReLU).
class ReLUImpl : public Module {
 public:
  ReLUImpl() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

/// x where x >= 0, negative_slope * x elsewhere (torch.nn.LeakyReLU).
class LeakyReLUImpl : public Module {
 public:
  /// The slope for negative inputs (default 0.01).
  explicit LeakyReLUImpl(double negative_slope = 0.01)
      : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The slope for negative inputs.
  double negative_slope;
};

/// tanh(x), elementwise (torch.nn.Tanh).
class TanhImpl : public Module {
 public:
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

/// 1 / (1 + exp(-x)), elementwise (torch.nn.Sigmoid).
class SigmoidImpl : public Module {
 public:
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

/// PyTorch requires dim; the default here is the last dimension (the class dimension of [N, C]).
class SoftmaxImpl : public Module {
 public:
  /// Softmax along `dim` (negative counts from the end).
  explicit SoftmaxImpl(int64_t dim = -1) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The dimension softmax runs along.
  int64_t dim;
};

/// log(softmax(x)) along `dim`, computed stably (torch.nn.LogSoftmax); dim defaults to the last.
class LogSoftmaxImpl : public Module {
 public:
  /// Log-softmax along `dim` (negative counts from the end).
  explicit LogSoftmaxImpl(int64_t dim = -1) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The dimension log-softmax runs along.
  int64_t dim;
};

/// x Phi(x); approximate "tanh" for the tanh form.
class GELUImpl : public Module {
 public:
  /// `approximate` is "none" (the exact erf form) or "tanh"; anything else throws xgrad::Error.
  explicit GELUImpl(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// "none" or "tanh".
  std::string approximate;
};
/// x * sigmoid(x), elementwise (torch.nn.SiLU, also called swish).
class SiLUImpl : public Module {
 public:
  SiLUImpl() : Module("SiLU") {}
  Tensor forward(const Tensor& x) override;
};
/// x where x > 0, alpha * (exp(x) - 1) elsewhere (torch.nn.ELU).
class ELUImpl : public Module {
 public:
  /// The scale of the negative part (default 1).
  explicit ELUImpl(double alpha = 1.0) : Module("ELU"), alpha(alpha) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The scale of the negative part.
  double alpha;
};
/// log(1 + exp(beta x)) / beta, linear where beta x > threshold.
class SoftplusImpl : public Module {
 public:
  /// `beta` must be positive (else xgrad::Error); above `threshold` (of beta x) the output is x.
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// The sharpness beta and the linear threshold.
  ///@{
  double beta, threshold;
  ///@}
};
/// Passes its input through (a placeholder, as torch.nn.Identity).
class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

/// Handle of ReLUImpl: `nn::ReLU()`.
XGRAD_MODULE(ReLU);
/// Handle of LeakyReLUImpl: `nn::LeakyReLU(0.1)`.
XGRAD_MODULE(LeakyReLU);
/// Handle of TanhImpl.
XGRAD_MODULE(Tanh);
/// Handle of SigmoidImpl.
XGRAD_MODULE(Sigmoid);
/// Handle of SoftmaxImpl: `nn::Softmax(1)`.
XGRAD_MODULE(Softmax);
/// Handle of LogSoftmaxImpl.
XGRAD_MODULE(LogSoftmax);
/// Handle of IdentityImpl.
XGRAD_MODULE(Identity);
/// Handle of GELUImpl: `nn::GELU("tanh")`.
XGRAD_MODULE(GELU);
/// Handle of SiLUImpl.
XGRAD_MODULE(SiLU);
/// Handle of ELUImpl.
XGRAD_MODULE(ELU);
/// Handle of SoftplusImpl.
XGRAD_MODULE(Softplus);

}  // namespace xgrad::nn
