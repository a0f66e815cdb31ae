#include "xgrad/nn/loss.hpp"

#include "autograd/nll.hpp"

#include <optional>
#include <string>

namespace xgrad::nn::functional {

namespace {

Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::none:
      return loss;
    case Reduction::sum:
      return loss.sum();
    case Reduction::mean:
      return loss.mean();
  }
  return loss;
}

// An error naming the loss (not the op inside it that would fail) for a tensor on another device.
void check_device(const char* fn, const Tensor& input, const Tensor& other, const char* what) {
  if (other.defined() && !(other.device() == input.device()))
    throw Error(std::string(fn) + ": tensors are on different devices: input on " +
                input.device().str() + ", " + what + " on " + other.device().str() +
                " (move one with .to(Device))");
}

void check_same(const char* fn, const Tensor& input, const Tensor& target) {
  if (!input.defined() || !target.defined())
    throw Error(std::string(fn) + ": input and target must be defined tensors");
  check_device(fn, input, target, "target");
  if (!(input.shape() == target.shape()))
    throw Error(std::string(fn) + ": target shape " + target.shape().str() +
                " differs from input shape " + input.shape().str() +
                " (reshape one of them; losses do not broadcast)");
  if (input.dtype() != target.dtype())
    throw Error(std::string(fn) + ": target dtype " + dtype_name(target.dtype()) +
                " differs from input dtype " + dtype_name(input.dtype()));
  if (!is_floating(input.dtype()))
    throw Error(std::string(fn) + ": needs float32 or float64 tensors, got " +
                dtype_name(input.dtype()));
}

void check_indices(const char* fn, const Tensor& input, const Tensor& target) {
  check_device(fn, input, target, "target");
  if (target.dtype() != kInt64)
    throw Error(std::string(fn) + ": class-index targets must be int64, got " +
                dtype_name(target.dtype()) +
                " (for class probabilities pass a floating target of the input's shape)");
  Shape expected = input.shape();
  expected.erase(1);
  if (!(target.shape() == expected))
    throw Error(std::string(fn) + ": target shape " + target.shape().str() +
                " does not match input shape " + input.shape().str() + " (expected " +
                expected.str() + ": the input without its class dimension 1)");
  if (target.numel() == 0) return;
  const int64_t classes = input.size(1);
  auto lo = static_cast<int64_t>(xgrad::min(target).item());
  auto hi = static_cast<int64_t>(xgrad::max(target).item());
  if (lo < 0 || hi >= classes)
    throw Error(std::string(fn) + ": target class " + std::to_string(lo < 0 ? lo : hi) +
                " is out of bounds for " + std::to_string(classes) + " classes [0, " +
                std::to_string(classes) + ")");
}

// Class weights, checked: 1-D of C entries in the input's dtype.
void check_class_weight(const char* fn, const Tensor& weight, const Tensor& input) {
  if (!weight.defined()) return;
  check_device(fn, input, weight, "weight");
  if (weight.dim() != 1 || weight.size(0) != input.size(1))
    throw Error(std::string(fn) + ": weight must be 1-D with one entry per class (" +
                std::to_string(input.size(1)) + "), got shape " + weight.shape().str());
  if (weight.dtype() != input.dtype())
    throw Error(std::string(fn) + ": weight dtype " + dtype_name(weight.dtype()) +
                " differs from input dtype " + dtype_name(input.dtype()));
}

// nll on batched input [N, C, d...] with target [N, d...].
Tensor nll_batched(const Tensor& logp, const Tensor& target, Reduction reduction,
                   const Tensor& weight) {
  check_indices("nll_loss", logp, target);
  check_class_weight("nll_loss", weight, logp);
  Tensor picked = nll_pick(logp, target.unsqueeze(1)).squeeze(1);
  if (!weight.defined()) return reduce(-picked, reduction);
  Tensor w = index_select(weight, 0, target.flatten()).reshape(target.shape());
  Tensor loss = -(picked * w);
  if (reduction == Reduction::mean) return loss.sum() / w.sum();
  return reduce(loss, reduction);
}

// Calls `fn` on an unbatched input [C] (target []) as a batch of one.
template <class Fn>
Tensor unbatched(const Tensor& input, const Tensor& target, Reduction reduction, Fn fn) {
  Tensor loss = fn(input.unsqueeze(0), target.unsqueeze(0));
  return reduction == Reduction::none ? loss.squeeze(0) : loss;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same("mse_loss", input, target);
  Tensor diff = input - target;
  return reduce(diff * diff, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_same("l1_loss", input, target);
  return reduce(abs(input - target), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction,
                            const Tensor& weight) {
  check_same("binary_cross_entropy", input, target);
  check_device("binary_cross_entropy", input, weight, "weight");
  if (input.numel() > 0) {
    double lo = xgrad::min(input).item(), hi = xgrad::max(input).item();
    if (lo < 0.0 || hi > 1.0)
      throw Error("binary_cross_entropy: all elements of input should be between 0 and 1, found " +
                  std::to_string(lo < 0.0 ? lo : hi) +
                  " (for logits use binary_cross_entropy_with_logits)");
  }
  Tensor loss = binary_cross_entropy_elementwise(input, target);
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        Reduction reduction, const Tensor& weight,
                                        const Tensor& pos_weight) {
  check_same("binary_cross_entropy_with_logits", input, target);
  check_device("binary_cross_entropy_with_logits", input, weight, "weight");
  check_device("binary_cross_entropy_with_logits", input, pos_weight, "pos_weight");
  Tensor log_loss = softplus(-input);  // -log(sigmoid(x)), stable for any x
  if (pos_weight.defined()) log_loss = log_loss * ((pos_weight - 1.0) * target + 1.0);
  Tensor loss = rsub(1.0, target) * input + log_loss;
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction);
}

Tensor nll_loss(const Tensor& input, const Tensor& target, Reduction reduction,
                const Tensor& weight) {
  if (input.dim() == 1)
    return unbatched(input, target, reduction, [&](const Tensor& x, const Tensor& t) {
      return nll_batched(x, t, reduction, weight);
    });
  if (input.dim() < 1) throw Error("nll_loss: input must have a class dimension, got a scalar");
  return nll_batched(input, target, reduction, weight);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, Reduction reduction,
                     const Tensor& weight) {
  if (!input.defined() || !target.defined())
    throw Error("cross_entropy: input and target must be defined tensors");
  if (input.dim() < 1)
    throw Error("cross_entropy: input must have a class dimension, got a scalar");
  if (!is_floating(input.dtype()))
    throw Error(std::string("cross_entropy: input must be logits (float32 or float64), got ") +
                dtype_name(input.dtype()));
  check_device("cross_entropy", input, target, "target");
  check_device("cross_entropy", input, weight, "weight");
  const int64_t class_dim = input.dim() == 1 ? 0 : 1;
  if (is_floating(target.dtype())) {
    // Probability targets.
    if (!(input.shape() == target.shape())) {
      Shape labels_shape = input.shape();
      labels_shape.erase(class_dim);
      throw Error("cross_entropy: a " + std::string(dtype_name(target.dtype())) +
                  " target of shape " + target.shape().str() +
                  " must be class probabilities of the input's shape " + input.shape().str() +
                  "; class indices must be int64 of shape " + labels_shape.str());
    }
    check_same("cross_entropy", input, target);
    Tensor logp = log_softmax(input, class_dim);
    Tensor prod = target * logp;
    if (weight.defined()) {
      if (weight.dim() != 1 || weight.size(0) != input.size(class_dim))
        throw Error("cross_entropy: weight must be 1-D with one entry per class (" +
                    std::to_string(input.size(class_dim)) + "), got shape " + weight.shape().str());
      Shape ws(std::vector<int64_t>(static_cast<size_t>(input.dim()), 1));
      ws[class_dim] = weight.size(0);
      prod = prod * weight.reshape(ws);
    }
    Tensor loss = -prod.sum({class_dim});
    return reduce(loss, reduction);
  }
  // The common case as one fused op: logits [N, C], class indices, no class weights.
  if (input.dim() == 2 && target.dtype() == kInt64 && !weight.defined() && reduction != Reduction::none)
    return xgrad::softmax_cross_entropy(input, target, reduction == Reduction::mean);
  return nll_loss(log_softmax(input, class_dim), target, reduction, weight);
}

Tensor l1_penalty(const std::vector<Tensor>& params) {
  if (params.empty()) return scalar_tensor(0.0);
  Tensor total = abs(params[0]).sum();
  for (size_t i = 1; i < params.size(); ++i) total = total + abs(params[i]).sum();
  return total;
}

Tensor l2_penalty(const std::vector<Tensor>& params) {
  if (params.empty()) return scalar_tensor(0.0);
  Tensor total = (params[0] * params[0]).sum();
  for (size_t i = 1; i < params.size(); ++i) total = total + (params[i] * params[i]).sum();
  return total;
}

}  // namespace xgrad::nn::functional
