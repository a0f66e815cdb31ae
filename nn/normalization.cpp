#include "xgrad/nn/normalization.hpp"

#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/nn/functional.hpp"

namespace xgrad::nn {
namespace {

int64_t checked_features(const char* layer, int64_t n) {
  if (n <= 0)
    throw Error(std::string(layer) + ": num_features must be positive, got " + std::to_string(n));
  return n;
}

}  // namespace

BatchNormImpl::BatchNormImpl(const char* name, int64_t n, BatchNormOptions opt, int64_t min_dim,
                             int64_t max_dim)
    : Module(name),
      num_features(checked_features(name, n)),
      options(opt),
      weight(register_parameter(
          "weight", opt.affine ? ones({n}, TensorOptions{opt.dtype, opt.device}) : Tensor())),
      bias(register_parameter(
          "bias", opt.affine ? zeros({n}, TensorOptions{opt.dtype, opt.device}) : Tensor())),
      running_mean(register_buffer(
          "running_mean",
          opt.track_running_stats ? zeros({n}, TensorOptions{opt.dtype, opt.device}) : Tensor())),
      running_var(register_buffer(
          "running_var",
          opt.track_running_stats ? ones({n}, TensorOptions{opt.dtype, opt.device}) : Tensor())),
      num_batches_tracked(register_buffer(
          "num_batches_tracked",
          opt.track_running_stats ? zeros({}, TensorOptions{kInt64, opt.device}) : Tensor())),
      min_dim_(min_dim),
      max_dim_(max_dim) {}

Tensor BatchNormImpl::forward(const Tensor& x) {
  if (!x.defined()) throw Error(type_name() + ": undefined input");
  if (x.dim() < min_dim_ || x.dim() > max_dim_)
    throw Error(type_name() + ": expected input " +
                (max_dim_ == 4 ? "[N, C, H, W]" : "[N, C] or [N, C, L]") + ", got shape " +
                x.shape().str());
  if (x.size(1) != num_features)
    throw Error(type_name() + ": input of shape " + x.shape().str() + " has " +
                std::to_string(x.size(1)) + " channels, the layer " + std::to_string(num_features));
  bool use_batch = is_training() || !running_mean.defined();
  if (is_training() && num_batches_tracked.defined()) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1.0);
  }
  return functional::batch_norm(x, running_mean, running_var, weight, bias, use_batch,
                                options.momentum, options.eps);
}

void BatchNormImpl::reset_running_stats() {
  if (!running_mean.defined()) return;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void BatchNormImpl::reset_parameters() {
  reset_running_stats();
  if (!weight.defined()) return;
  weight.detach().fill_(1.0);
  bias.detach().zero_();
}

std::string BatchNormImpl::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + detail::py_repr(options.eps) +
         ", momentum=" + detail::py_repr(options.momentum) +
         ", affine=" + detail::py_bool(options.affine) +
         ", track_running_stats=" + detail::py_bool(options.track_running_stats);
}

LayerNormImpl::LayerNormImpl(Shape shape, LayerNormOptions opt)
    : Module("LayerNorm"),
      normalized_shape([&] {
        if (shape.ndim() == 0)
          throw Error("LayerNorm: normalized_shape must have at least one dim");
        for (int64_t d : shape)
          if (d <= 0)
            throw Error("LayerNorm: normalized_shape " + shape.str() + " must be positive");
        return shape;
      }()),
      options(opt),
      weight(register_parameter("weight",
                                opt.elementwise_affine
                                    ? ones(normalized_shape, TensorOptions{opt.dtype, opt.device})
                                    : Tensor())),
      bias(register_parameter("bias",
                              opt.elementwise_affine
                                  ? zeros(normalized_shape, TensorOptions{opt.dtype, opt.device})
                                  : Tensor())) {}

Tensor LayerNormImpl::forward(const Tensor& x) {
  return functional::layer_norm(x, normalized_shape, weight, bias, options.eps);
}

std::string LayerNormImpl::extra_repr() const {
  std::string s = "(";
  for (int64_t i = 0; i < normalized_shape.ndim(); ++i)
    s += (i ? ", " : "") + std::to_string(normalized_shape[i]);
  if (normalized_shape.ndim() == 1) s += ",";
  return s + "), eps=" + detail::py_repr(options.eps) +
         ", elementwise_affine=" + detail::py_bool(options.elementwise_affine);
}

}  // namespace xgrad::nn
