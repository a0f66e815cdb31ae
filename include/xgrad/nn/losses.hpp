// Loss functions as modules, as torch.nn's MSELoss, CrossEntropyLoss, ...: each holds its
// options and calls the functional form (nn/loss.hpp) with (input, target).
//
//   nn::CrossEntropyLoss criterion;
//   Tensor loss = criterion(model(x), y);
#pragma once

#include "xgrad/nn/loss.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

// What the losses share: a reduction, the two-tensor forward, and their printed line.
class LossImpl : public Module {
 public:
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  // A loss needs a target: the one-tensor forward is an error naming the loss.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Reduction reduction;

 protected:
  LossImpl(const char* name, Reduction reduction) : Module(name), reduction(reduction) {}
};

#define XGRAD_SIMPLE_LOSS(Name)                                                                \
  class Name##Impl : public LossImpl {                                                         \
   public:                                                                                     \
    explicit Name##Impl(Reduction reduction = Reduction::mean) : LossImpl(#Name, reduction) {} \
    using LossImpl::forward;                                                                   \
    Tensor forward(const Tensor& input, const Tensor& target) override;                        \
  };                                                                                           \
  XGRAD_MODULE(Name)

XGRAD_SIMPLE_LOSS(MSELoss);
XGRAD_SIMPLE_LOSS(L1Loss);
#undef XGRAD_SIMPLE_LOSS

// Class weights (when defined) are kept as a buffer named "weight", as PyTorch.
class CrossEntropyLossImpl : public LossImpl {
 public:
  explicit CrossEntropyLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
};
class NLLLossImpl : public LossImpl {
 public:
  explicit NLLLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
};
class BCELossImpl : public LossImpl {
 public:
  explicit BCELossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
};
class BCEWithLogitsLossImpl : public LossImpl {
 public:
  explicit BCEWithLogitsLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {},
                                 Tensor pos_weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
  Tensor& pos_weight;
};

XGRAD_MODULE(CrossEntropyLoss);
XGRAD_MODULE(NLLLoss);
XGRAD_MODULE(BCELoss);
XGRAD_MODULE(BCEWithLogitsLoss);

}  // namespace xgrad::nn
