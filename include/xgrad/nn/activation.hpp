// Elementwise and softmax activations as modules (torch.nn.ReLU, ...). Each is a thin module over
// the nn::functional form; none has parameters.
#pragma once

#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

class ReLUImpl : public Module {
 public:
  ReLUImpl() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override;
};

class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope = 0.01)
      : Module("LeakyReLU"), negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope;
};

class TanhImpl : public Module {
 public:
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override;
};

class SigmoidImpl : public Module {
 public:
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override;
};

// PyTorch requires dim; the default here is the last dimension (the class dimension of [N, C]).
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(int64_t dim = -1) : Module("Softmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(int64_t dim = -1) : Module("LogSoftmax"), dim(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim;
};

// x Phi(x); approximate "tanh" for the tanh form.
class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::string approximate;
};
class SiLUImpl : public Module {
 public:
  SiLUImpl() : Module("SiLU") {}
  Tensor forward(const Tensor& x) override;
};
class ELUImpl : public Module {
 public:
  explicit ELUImpl(double alpha = 1.0) : Module("ELU"), alpha(alpha) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double alpha;
};
// log(1 + exp(beta x)) / beta, linear where beta x > threshold.
class SoftplusImpl : public Module {
 public:
  explicit SoftplusImpl(double beta = 1.0, double threshold = 20.0);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double beta, threshold;
};
// Passes its input through (a placeholder, as torch.nn.Identity).
class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& x) override { return x; }
};

XGRAD_MODULE(ReLU);
XGRAD_MODULE(LeakyReLU);
XGRAD_MODULE(Tanh);
XGRAD_MODULE(Sigmoid);
XGRAD_MODULE(Softmax);
XGRAD_MODULE(LogSoftmax);
XGRAD_MODULE(Identity);
XGRAD_MODULE(GELU);
XGRAD_MODULE(SiLU);
XGRAD_MODULE(ELU);
XGRAD_MODULE(Softplus);

}  // namespace xgrad::nn
