#include "xgrad/nn/functional.hpp"

#include <string>

#include "xgrad/autograd/function.hpp"
#include "xgrad/autograd/grad_mode.hpp"
#include "autograd/cpu/batch_norm.hpp"

namespace xgrad::nn::functional {

namespace {
// 1 / sqrt(v + eps) on a small per-channel tensor.
Tensor rsqrt_eps(const Tensor& v, double eps) { return rdiv(1.0, sqrt(v + eps)); }
}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (weight.dim() != 2)
    throw Error("linear: weight must be 2-D [out_features, in_features], got shape " +
                weight.shape().str());
  if (x.dim() < 1 || x.size(-1) != weight.size(1))
    throw Error("linear: input of shape " + x.shape().str() + " does not match weight of shape " +
                weight.shape().str() + " (the input's last dimension must be " +
                std::to_string(weight.size(1)) + ")");
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))
    throw Error("linear: bias of shape " + bias.shape().str() + " does not match weight of shape " +
                weight.shape().str() + " (expected [" + std::to_string(weight.size(0)) + "])");
  // GEMM wants 2-D: fold the leading dimensions into rows, then unfold them.
  Tensor x2 = x.dim() == 2 ? x : x.reshape({-1, x.size(-1)});
  Tensor y = xgrad::linear(x2, weight, bias);
  if (x.dim() == 2) return y;
  Shape out = x.shape();
  out[out.ndim() - 1] = weight.size(0);
  return y.reshape(out);
}

Tensor relu(const Tensor& x) { return xgrad::relu(x); }
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return xgrad::leaky_relu(x, negative_slope);
}
Tensor tanh(const Tensor& x) { return xgrad::tanh(x); }
Tensor sigmoid(const Tensor& x) { return xgrad::sigmoid(x); }
Tensor softmax(const Tensor& x, int64_t dim) { return xgrad::softmax(x, dim); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return xgrad::log_softmax(x, dim); }

Tensor dropout(const Tensor& x, double p, bool training) {
  if (!(p >= 0.0 && p <= 1.0))
    throw Error("dropout: probability has to be between 0 and 1, but got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  if (!is_floating(x.dtype()))
    throw Error(std::string("dropout: needs a floating input, got ") + dtype_name(x.dtype()));
  if (p == 1.0) return x * zeros_like(x);
  // The kept mask, already scaled: one differentiable multiply.
  Tensor scaled_mask = bernoulli(x.shape(), 1.0 - p, TensorOptions{x.dtype(), x.device()});
  scaled_mask.mul_(1.0 / (1.0 - p));
  return x * scaled_mask;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim) {
  return xgrad::flatten(x, start_dim, end_dim);
}

Tensor gelu(const Tensor& x, std::string_view approximate) { return xgrad::gelu(x, approximate); }
Tensor silu(const Tensor& x) { return xgrad::silu(x); }
Tensor elu(const Tensor& x, double alpha) { return xgrad::elu(x, alpha); }
Tensor softplus(const Tensor& x, double beta, double threshold) {
  if (!(beta > 0.0)) throw Error("softplus: beta must be positive, got " + std::to_string(beta));
  Tensor z = beta == 1.0 ? x : x * beta;
  Tensor y = beta == 1.0 ? xgrad::softplus(z) : xgrad::softplus(z) / beta;
  return where(gt(z, threshold), x, y);
}

namespace {

// [1, C, 1, ...] for a per-channel vector against x [N, C, *].
Shape channel_shape(const Tensor& x) {
  std::vector<int64_t> s(x.dim(), 1);
  s[1] = x.size(1);
  return Shape(s);
}

// The dims batch norm reduces over: all but the channels (dim 1).
Dims channel_dims(const Tensor& x) {
  std::vector<int64_t> d{0};
  for (int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return Dims(d);
}

void check_channel_vector(const Tensor& t, const char* what, const Tensor& x) {
  if (!t.defined()) return;
  if (t.dim() != 1 || t.size(0) != x.size(1))
    throw Error(std::string("batch_norm: ") + what + " of shape " + t.shape().str() + " does not match the " +
                std::to_string(x.size(1)) + " channels of input shape " + x.shape().str());
  if (t.dtype() != x.dtype() || t.device() != x.device())
    throw Error(std::string("batch_norm: ") + what + " is " + dtype_name(t.dtype()) + " on " + t.device().str() +
                ", the input " + dtype_name(x.dtype()) + " on " + x.device().str());
}

// The per-channel scale w / sqrt(var + eps), from invstd = 1 / sqrt(var + eps) (invstd alone
// without a weight).
Tensor channel_scale(const Tensor& invstd, const Tensor& weight, const Shape& cs) {
  return weight.defined() ? invstd * weight.reshape(cs) : invstd;
}

// Batch norm's per-channel shift b - mean * scale (-mean * scale without a bias).
Tensor channel_shift(const Tensor& mean, const Tensor& scale, const Tensor& bias, const Shape& cs) {
  Tensor shift = -(mean * scale);
  return bias.defined() ? shift + bias.reshape(cs) : shift;
}

// Batch norm's output x * scale + shift: two passes over x.
Tensor scale_shift(const Tensor& x, const Tensor& mean, const Tensor& scale, const Tensor& bias,
                   const Shape& cs) {
  return x * scale + channel_shift(mean, scale, bias, cs);
}

// Batch norm with the batch's statistics, as one node whose backward is the closed form, in the
// centered form PyTorch uses (no cancellation when the mean is large against the deviation):
// with xc = x - mean, scale = w / sqrt(var + eps) and n values per channel,
//   dx = g scale - scale sum(g) / n - xc scale sum(g xc) / (n (var + eps)),
//   dw = sum(g xc) / sqrt(var + eps),  db = sum(g).
// On the CPU, the forward is three passes over x and the backward two (autograd/cpu/batch_norm.cpp);
// elsewhere eight ops' passes, where the composite's graph took about fifteen. With create_graph
// the backward recomputes mean and var from x on the graph, so second derivatives see them.
struct BatchNormBatchStats : autograd::Function<BatchNormBatchStats> {
  static constexpr const char* name = "batch_norm";
  static Tensor forward(autograd::Context& ctx, const Tensor& x, const Tensor& weight,
                        const Tensor& bias, const Tensor& running_mean, const Tensor& running_var,
                        double momentum, double eps) {
    const Shape cs = channel_shape(x);
    const Dims dims = channel_dims(x);
    const bool fused = x.device().is_cpu();  // autograd/cpu/batch_norm.cpp's passes
    Tensor mean, var;
    if (fused) {
      mean = empty(cs, TensorOptions{x.dtype(), x.device()});
      var = empty(cs, TensorOptions{x.dtype(), x.device()});
      kernels::cpu_detail::batch_norm_stats(x, mean, var);
    } else {
      mean = xgrad::mean(x, dims, true);
      var = xgrad::var(x, dims, 0, true);
    }
    if (running_mean.defined()) {
      const double n = double(x.numel() / x.size(1));
      Tensor rm = running_mean, rv = running_var;  // handles: the caller's buffers, in place
      rm.mul_(1.0 - momentum).add_(mean.reshape({-1}), momentum);
      rv.mul_(1.0 - momentum).add_(var.reshape({-1}), momentum * n / (n - 1));  // unbiased
    }
    Tensor invstd = rsqrt_eps(var, eps);
    ctx.saved_scalars = {eps};
    if (weight.defined())
      ctx.save_for_backward({x, mean, invstd, weight});
    else
      ctx.save_for_backward({x, mean, invstd});
    Tensor scale = channel_scale(invstd, weight, cs);
    if (!fused) return scale_shift(x, mean, scale, bias, cs);
    Tensor y = empty_like(x);
    kernels::cpu_detail::batch_norm_apply(x, scale, channel_shift(mean, scale, bias, cs), y);
    return y;
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    std::vector<Tensor> s = ctx.saved_tensors();
    const Tensor& x = s[0];
    Tensor mean = s[1], invstd = s[2];
    const Tensor weight = s.size() > 3 ? s[3] : Tensor();
    const Shape cs = channel_shape(x);
    const Dims dims = channel_dims(x);
    if (GradMode::is_enabled()) {  // create_graph: mean and var as functions of x
      mean = xgrad::mean(x, dims, true);
      invstd = rsqrt_eps(xgrad::var(x, dims, 0, true), ctx.saved_scalars[0]);
    }
    const Tensor& gy = g[0];
    const double n = double(x.numel() / x.size(1));
    // On the CPU outside create_graph: two fused passes (sums, then dx) instead of about eight.
    const bool fused = x.device().is_cpu() && !GradMode::is_enabled();
    Tensor xc, gsum, gxc;
    if (fused) {
      gsum = empty(cs, TensorOptions{x.dtype(), x.device()});
      gxc = empty(cs, TensorOptions{x.dtype(), x.device()});
      kernels::cpu_detail::batch_norm_grad_sums(x, gy, mean, gsum, gxc);
    } else {
      xc = x - mean;
      gsum = sum(gy, dims, true);
      gxc = sum(gy * xc, dims, true);
    }
    Tensor dx, dw, db;
    if (ctx.needs_input_grad(0)) {
      Tensor scale = channel_scale(invstd, weight, cs);
      Tensor a = scale * invstd * invstd * gxc * (-1.0 / n);
      Tensor b = scale * gsum * (-1.0 / n);
      if (fused) {
        dx = empty_like(x);
        kernels::cpu_detail::batch_norm_grad_input(x, gy, mean, scale, a, b, dx);
      } else {
        dx = gy * scale + xc * a + b;
      }
    }
    if (ctx.needs_input_grad(1)) dw = (gxc * invstd).reshape({-1});
    if (ctx.needs_input_grad(2)) db = gsum.reshape({-1});
    return {dx, dw, db, Tensor(), Tensor()};
  }
};

}  // namespace

Tensor batch_norm(const Tensor& x, Tensor running_mean, Tensor running_var, const Tensor& weight, const Tensor& bias,
                  bool training, double momentum, double eps) {
  if (!x.defined()) throw Error("batch_norm: undefined input");
  if (x.dim() < 2) throw Error("batch_norm: expected input [N, C, *], got shape " + x.shape().str());
  if (!is_floating(x.dtype()))
    throw Error(std::string("batch_norm: needs a floating input, got ") + dtype_name(x.dtype()));
  if (running_mean.defined() != running_var.defined())
    throw Error("batch_norm: running_mean and running_var must both be given or both be undefined");
  check_channel_vector(running_mean, "running_mean", x);
  check_channel_vector(running_var, "running_var", x);
  check_channel_vector(weight, "weight", x);
  check_channel_vector(bias, "bias", x);
  if (training || !running_mean.defined()) {
    int64_t n = x.numel() / std::max<int64_t>(x.size(1), 1);
    if (n <= 1)
      throw Error("batch_norm: expected more than 1 value per channel when training, got input of shape " +
                  x.shape().str());
    return BatchNormBatchStats::apply(x, weight, bias, training ? running_mean : Tensor(),
                                      training ? running_var : Tensor(), momentum, eps);
  }
  // The running statistics: constants, so the output's graph is two elementwise ops.
  const Shape cs = channel_shape(x);
  return scale_shift(x, running_mean.reshape(cs),
                     channel_scale(rsqrt_eps(running_var.reshape(cs), eps), weight, cs), bias, cs);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  if (!x.defined()) throw Error("layer_norm: undefined input");
  int64_t k = normalized_shape.ndim();
  bool fits = k >= 1 && k <= x.dim();
  for (int64_t i = 0; fits && i < k; ++i) fits = x.size(x.dim() - k + i) == normalized_shape[i];
  if (!fits)
    throw Error("layer_norm: normalized_shape " + normalized_shape.str() +
                " must be the last dims of the input, got input of shape " + x.shape().str());
  for (const Tensor* t : {&weight, &bias})
    if (t->defined() && t->shape() != normalized_shape)
      throw Error(std::string("layer_norm: ") + (t == &weight ? "weight" : "bias") + " of shape " +
                  t->shape().str() + " does not match normalized_shape " + normalized_shape.str());
  if (!is_floating(x.dtype()))
    throw Error(std::string("layer_norm: needs a floating input, got ") + dtype_name(x.dtype()));
  std::vector<int64_t> d;
  for (int64_t i = x.dim() - k; i < x.dim(); ++i) d.push_back(i);
  Dims dims(d);
  Tensor mean = xgrad::mean(x, dims, true);
  Tensor y = (x - mean) * rsqrt_eps(xgrad::var(x, dims, 0, true), eps);
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx) {
  if (!indices.defined() || !weight.defined()) throw Error("embedding: undefined indices or weight");
  if (weight.dim() != 2)
    throw Error("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape " + weight.shape().str());
  if (indices.dtype() != kInt64)
    throw Error(std::string("embedding: indices must be int64, got ") + dtype_name(indices.dtype()));
  if (indices.device() != weight.device())
    throw Error("embedding: indices on " + indices.device().str() + ", weight on " + weight.device().str());
  int64_t num = weight.size(0);
  Tensor w = weight;
  if (padding_idx) {
    int64_t p = *padding_idx < 0 ? *padding_idx + num : *padding_idx;
    if (p < 0 || p >= num)
      throw Error("embedding: padding_idx " + std::to_string(*padding_idx) + " is out of range for " +
                  std::to_string(num) + " embeddings");
    // The padding row is read from a detached copy of the weight, so no gradient reaches it.
    if (weight.requires_grad() && GradMode::is_enabled()) {
      std::vector<double> mask(num, 0.0);
      mask[p] = 1.0;
      w = where(tensor(mask, {num, 1}, TensorOptions{weight.dtype(), weight.device()}), weight.detach(), weight);
    }
  }
  std::vector<int64_t> s(indices.shape().begin(), indices.shape().end());
  s.push_back(weight.size(1));
  Tensor flat = indices.dim() == 1 ? indices : indices.reshape({-1});
  try {
    return index_select(w, 0, flat).reshape(Shape(s));
  } catch (const Error& e) {
    throw Error(std::string("embedding: ") + e.what() + " (weight of shape " + weight.shape().str() + ")");
  }
}

}  // namespace xgrad::nn::functional
