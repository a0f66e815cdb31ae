/// \file
/// Loss functions as modules, as torch.nn's MSELoss, CrossEntropyLoss, ...: each holds its
/// options and calls the functional form (nn/loss.hpp) with (input, target).
///
/// \code{.cpp}
///   nn::CrossEntropyLoss criterion;
///   Tensor loss = criterion(model(x), y);
/// \endcode
#pragma once

#include "xgrad/nn/loss.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::nn {

/// What the losses share: a reduction, the two-tensor forward, and their printed line.
class LossImpl : public Module {
 public:
  /// The loss of `input` (the prediction) against `target`, reduced as `reduction` says.
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  /// A loss needs a target: the one-tensor forward is an error naming the loss.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  /// How the per-element losses are reduced.
  Reduction reduction;

 protected:
  /// For subclasses: the printed name and the reduction.
  LossImpl(const char* name, Reduction reduction) : Module(name), reduction(reduction) {}
};

/// Declares NameImpl, a loss with only a reduction, and its handle Name.
#define XGRAD_SIMPLE_LOSS(Name)                                                                \
  class Name##Impl : public LossImpl {                                                         \
   public:                                                                                     \
    explicit Name##Impl(Reduction reduction = Reduction::mean) : LossImpl(#Name, reduction) {} \
    using LossImpl::forward;                                                                   \
    Tensor forward(const Tensor& input, const Tensor& target) override;                        \
  };                                                                                           \
  XGRAD_MODULE(Name)

/// Mean squared error (torch.nn.MSELoss): functional::mse_loss; handle nn::MSELoss.
XGRAD_SIMPLE_LOSS(MSELoss);
/// Mean absolute error (torch.nn.L1Loss): functional::l1_loss; handle nn::L1Loss.
XGRAD_SIMPLE_LOSS(L1Loss);
#undef XGRAD_SIMPLE_LOSS
/// \fn xgrad::nn::MSELossImpl::MSELossImpl(Reduction reduction)
/// A loss that reduces as `reduction` says (mean by default).
/// \fn xgrad::nn::L1LossImpl::L1LossImpl(Reduction reduction)
/// A loss that reduces as `reduction` says (mean by default).

/// Class weights (when defined) are kept as a buffer named "weight", as PyTorch.
class CrossEntropyLossImpl : public LossImpl {
 public:
  /// Optional class weights [C].
  explicit CrossEntropyLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// The class weights buffer (undefined when none were given).
  Tensor& weight;
};
/// Negative log likelihood of log-probabilities (torch.nn.NLLLoss); see functional::nll_loss.
class NLLLossImpl : public LossImpl {
 public:
  /// Optional class weights [C], kept as the buffer "weight".
  explicit NLLLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// The class weights buffer (undefined when none were given).
  Tensor& weight;
};
/// Binary cross entropy of probabilities (torch.nn.BCELoss); see functional::binary_cross_entropy.
class BCELossImpl : public LossImpl {
 public:
  /// Optional weights that broadcast to the input, kept as the buffer "weight".
  explicit BCELossImpl(Reduction reduction = Reduction::mean, Tensor weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// The weights buffer (undefined when none were given).
  Tensor& weight;
};
/// Binary cross entropy from logits (torch.nn.BCEWithLogitsLoss); see
/// functional::binary_cross_entropy_with_logits.
class BCEWithLogitsLossImpl : public LossImpl {
 public:
  /// Optional weights and positive-class weights, kept as the buffers "weight" and "pos_weight".
  explicit BCEWithLogitsLossImpl(Reduction reduction = Reduction::mean, Tensor weight = {},
                                 Tensor pos_weight = {});
  using LossImpl::forward;
  Tensor forward(const Tensor& input, const Tensor& target) override;
  /// The weights buffer (undefined when none were given).
  Tensor& weight;
  /// The positive-class weights buffer [C] (undefined when none were given).
  Tensor& pos_weight;
};

/// Handle of CrossEntropyLossImpl: `nn::CrossEntropyLoss()`.
XGRAD_MODULE(CrossEntropyLoss);
/// Handle of NLLLossImpl.
XGRAD_MODULE(NLLLoss);
/// Handle of BCELossImpl.
XGRAD_MODULE(BCELoss);
/// Handle of BCEWithLogitsLossImpl.
XGRAD_MODULE(BCEWithLogitsLoss);

}  // namespace xgrad::nn
