#include "xgrad/nn/losses.hpp"

namespace xgrad::nn {

Tensor LossImpl::forward(const Tensor&) {
  throw Error(type_name() + ": a loss takes (input, target); call it with both");
}

std::string LossImpl::extra_repr() const {
  switch (reduction) {
    case Reduction::none:
      return "reduction=none";
    case Reduction::sum:
      return "reduction=sum";
    case Reduction::mean:
      break;
  }
  return {};
}

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, reduction);
}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, reduction);
}

CrossEntropyLossImpl::CrossEntropyLossImpl(Reduction r, Tensor w)
    : LossImpl("CrossEntropyLoss", r), weight(register_buffer("weight", std::move(w))) {}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, reduction, weight);
}

NLLLossImpl::NLLLossImpl(Reduction r, Tensor w)
    : LossImpl("NLLLoss", r), weight(register_buffer("weight", std::move(w))) {}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, reduction, weight);
}

BCELossImpl::BCELossImpl(Reduction r, Tensor w)
    : LossImpl("BCELoss", r), weight(register_buffer("weight", std::move(w))) {}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, reduction, weight);
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(Reduction r, Tensor w, Tensor pw)
    : LossImpl("BCEWithLogitsLoss", r),
      weight(register_buffer("weight", std::move(w))),
      pos_weight(register_buffer("pos_weight", std::move(pw))) {}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, reduction, weight, pos_weight);
}

}  // namespace xgrad::nn
