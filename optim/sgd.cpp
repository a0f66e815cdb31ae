#include "xgrad/optim/sgd.hpp"

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::optim {

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : OptimizerWith("SGD", std::move(params), options) {}
SGD::SGD(std::vector<ParamGroup> groups, SGDOptions defaults)
    : OptimizerWith("SGD", std::move(groups), defaults) {}
SGD::~SGD() = default;

void SGDOptions::validate(const char* name) const {
  detail::check_lr(name, lr);
  detail::check_option(momentum >= 0.0, name, "momentum", momentum, "must be >= 0");
  detail::check_option(weight_decay >= 0.0, name, "weight_decay", weight_decay, "must be >= 0");
  if (nesterov && (momentum <= 0.0 || dampening != 0.0))
    throw Error(std::string(name) + ": Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t g = 0; g < params_.size(); ++g) {
    const SGDOptions& o = options_[g];
    for (size_t i = 0; i < params_[g].size(); ++i) {
      Tensor p = params_[g][i];
      Tensor d_p = p.grad();
      if (!d_p.defined()) continue;
      if (o.maximize) d_p = -d_p;
      if (o.weight_decay != 0.0) {  // g + wd p with one temporary
        Tensor decayed = p * o.weight_decay;
        decayed.add_(d_p);
        d_p = decayed;
      }
      if (o.momentum != 0.0) {
        Tensor& buf = state_[g][i].buffers["momentum_buffer"];
        if (!buf.defined())
          buf = d_p.clone();
        else
          buf.mul_(o.momentum).add_(d_p, 1.0 - o.dampening);
        d_p = o.nesterov ? d_p + buf * o.momentum : buf;
      }
      p.add_(d_p, -o.lr);
    }
  }
}

}  // namespace xgrad::optim
