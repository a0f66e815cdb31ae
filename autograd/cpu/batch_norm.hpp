// Batch norm's passes over x [N, C, S] on the CPU, fused per channel: nn::functional::batch_norm
// runs them for CPU tensors (CUDA tensors, and a backward under create_graph, take the composite
// of ops). Each channel is one task on the kernels' threads and sums in 16 double lanes in a fixed
// order, so the bits do not depend on the thread count. Tensors are float32 or float64, contiguous;
// per-channel vectors have C elements.
#pragma once

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::kernels::cpu_detail {

// mean[c] and var[c] (biased: divided by N S) of channel c: two passes.
void batch_norm_stats(const Tensor& x, Tensor& mean, Tensor& var);
// y = x * scale[c] + shift[c]: one pass.
void batch_norm_apply(const Tensor& x, const Tensor& scale, const Tensor& shift, Tensor& y);
// gsum[c] = sum of g, gxc[c] = sum of g (x - mean[c]): one pass.
void batch_norm_grad_sums(const Tensor& x, const Tensor& g, const Tensor& mean, Tensor& gsum, Tensor& gxc);
// dx = g scale[c] + (x - mean[c]) a[c] + b[c]: one pass.
void batch_norm_grad_input(const Tensor& x, const Tensor& g, const Tensor& mean, const Tensor& scale,
                           const Tensor& a, const Tensor& b, Tensor& dx);

}  // namespace xgrad::kernels::cpu_detail
