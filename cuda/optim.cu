// Fused optimizer updates on the device: one grid-stride pass over a parameter and its state
// (see AdamStep in autograd/kernels.hpp), so a step makes no host round trip.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

template <class T>
struct AdamScalars {
  T beta1, beta2, one_minus_beta1, one_minus_beta2, wd, decay, step_size, bc2, eps, sign;
  bool coupled, decoupled;
};

template <class T>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ grad, T* __restrict__ m,
                            T* __restrict__ v, T* __restrict__ vmax, int64_t n, AdamScalars<T> s) {
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    T g = s.sign * grad[i];
    T w = p[i];
    if (s.decoupled) w *= s.decay;
    if (s.coupled) g += s.wd * w;
    T mi = m[i] * s.beta1 + s.one_minus_beta1 * g;
    T vi = v[i] * s.beta2 + s.one_minus_beta2 * (g * g);
    m[i] = mi;
    v[i] = vi;
    T second = vi;
    if (vmax) {
      second = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = second;
    }
    p[i] = w - s.step_size * (mi / (math::sqrt(second) / s.bc2 + s.eps));
  }
}

}  // namespace

void adam(Tensor& p, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, Tensor& max_exp_avg_sq,
          const AdamStep& step) {
  int64_t n = p.numel();
  if (n == 0) return;
  dispatch_floating("adam", p.dtype(), [&](auto zero) {
    using T = decltype(zero);
    AdamScalars<T> s{static_cast<T>(step.beta1),
                     static_cast<T>(step.beta2),
                     static_cast<T>(1 - step.beta1),
                     static_cast<T>(1 - step.beta2),
                     static_cast<T>(step.weight_decay),
                     static_cast<T>(1 - step.lr * step.weight_decay),
                     static_cast<T>(step.step_size),
                     static_cast<T>(step.bias_correction2_sqrt),
                     static_cast<T>(step.eps),
                     step.maximize ? T(-1) : T(1),
                     !step.decoupled && step.weight_decay != 0,
                     step.decoupled && step.weight_decay != 0};
    T* vmax = step.amsgrad ? static_cast<T*>(max_exp_avg_sq.data_ptr()) : nullptr;
    launch("adam", adam_kernel<T>, grid_for(n), kThreads, static_cast<T*>(p.data_ptr()),
           data_of<T>(grad), static_cast<T*>(exp_avg.data_ptr()),
           static_cast<T*>(exp_avg_sq.data_ptr()), vmax, n, s);
  });
}

}  // namespace xgrad::cuda::kernels
