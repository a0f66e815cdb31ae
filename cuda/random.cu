// Random fills from Philox: element i is a pure function of (seed, offset + i), computed with the
// CPU kernel's formulas, so both devices draw the same numbers (uniform and bernoulli bit for
// bit; normal within the last bits where nvcc fuses philox's arithmetic).
//
// The affine steps a + u * (b - a) and z * b + a round twice, as on the CPU (built with
// -ffp-contract=off): __dmul_rn and __dadd_rn, which nvcc never fuses into an fma.
#include <type_traits>

#include "autograd/philox.hpp"
// philox.hpp first: tensor.hpp's xgrad::log(const Tensor&) would hide ::log from its calls.
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

// [a, b) is the contract: a value that rounds up to b once cast to T steps back below it.
template <class T>
__device__ __forceinline__ T below(double v, double a, double b) {
  T r = static_cast<T>(v);
  if (r >= static_cast<T>(b) && b > a) {
    if constexpr (std::is_same_v<T, float>)
      r = ::nextafterf(static_cast<float>(b), static_cast<float>(a));
    else
      r = ::nextafter(b, a);
  }
  return r;
}

template <class T>
__global__ void random_kernel(T* out, Random kind, uint64_t seed, uint64_t offset, double a,
                              double b, int64_t n) {
  constexpr bool single = std::is_same_v<T, float>;
  for (int64_t i = thread_index(); i < n; i += thread_stride()) {
    uint64_t k = static_cast<uint64_t>(i);
    switch (kind) {
      case Random::uniform: {
        double v = __dadd_rn(a, __dmul_rn(philox::uniform(seed, offset, k, single), b - a));
        // randint: [a, b) with a, b integers, also where v rounds up to b (as the CPU guards)
        if constexpr (std::is_integral_v<T>)
          out[i] = static_cast<T>(::fmin(::floor(v), b - 1));
        else
          out[i] = below<T>(v, a, b);
        break;
      }
      case Random::normal:  // floating dtypes only (refused on the host)
        out[i] = static_cast<T>(__dadd_rn(__dmul_rn(philox::normal(seed, offset, k), b), a));
        break;
      case Random::bernoulli:
        out[i] = philox::uniform(seed, offset, k, single) < a ? T(1) : T(0);
        break;
    }
  }
}

}  // namespace

void random(Tensor& out, Random kind, uint64_t seed, uint64_t offset, double a, double b) {
  if (kind == Random::normal && out.dtype() == Dtype::i64) int64_unsupported("normal");
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    launch("random", random_kernel<T>, grid_for(n), kThreads, data_of<T>(out), kind, seed, offset,
           a, b, n);
  });
}

}  // namespace xgrad::cuda::kernels
