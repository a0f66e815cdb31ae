// Fused optimizer updates: one pass over a parameter and its state where the composed tensor ops
// would take nine passes and four temporaries (see AdamStep in autograd/kernels.hpp).
#include <cmath>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// Branch-free in the loop so it vectorizes: weight decay that does not apply is a multiply by 1
// or an add of 0 * p, which leave the values unchanged.
template <bool Amsgrad, class T>
void adam_loop(T* __restrict p, const T* __restrict grad, T* __restrict m, T* __restrict v,
               T* __restrict vmax, int64_t n, const AdamStep& s) {
  const T beta1 = static_cast<T>(s.beta1), beta2 = static_cast<T>(s.beta2);
  const T one_minus_beta1 = static_cast<T>(1 - s.beta1), one_minus_beta2 = static_cast<T>(1 - s.beta2);
  const T wd = s.decoupled ? T(0) : static_cast<T>(s.weight_decay);
  const T decay = s.decoupled ? static_cast<T>(1 - s.lr * s.weight_decay) : T(1);
  const T step_size = static_cast<T>(s.step_size), bc2 = static_cast<T>(s.bias_correction2_sqrt);
  const T eps = static_cast<T>(s.eps), sign = s.maximize ? T(-1) : T(1);
  for (int64_t i = 0; i < n; ++i) {
    T w = p[i] * decay;
    T g = sign * grad[i] + wd * w;
    T mi = m[i] * beta1 + one_minus_beta1 * g;
    T vi = v[i] * beta2 + one_minus_beta2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    if constexpr (Amsgrad) {
      vi = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = vi;
    }
    p[i] = w - step_size * (mi / (std::sqrt(vi) / bc2 + eps));
  }
}

}  // namespace

void adam(Tensor& p, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
          const AdamStep& step) {
  auto run = [&](auto zero) {
    using T = decltype(zero);
    if (step.amsgrad)
      adam_loop<true>(data<T>(p), data<const T>(grad), data<T>(exp_avg), data<T>(exp_avg_sq),
                      data<T>(max_exp_avg_sq), p.numel(), step);
    else
      adam_loop<false>(data<T>(p), data<const T>(grad), data<T>(exp_avg), data<T>(exp_avg_sq), static_cast<T*>(nullptr),
                       p.numel(), step);
  };
  switch (dtype(p)) {
    case kFloat32:
      return run(float{});
    case kFloat64:
      return run(double{});
    case kInt64:
      break;
  }
  int64_unsupported("adam");
}

}  // namespace xgrad::kernels::cpu_detail
