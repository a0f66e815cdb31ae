// Random draws from Philox: element i is a pure function of (seed, offset + i), so the CUDA
// table, using the same header and formulas, produces the same numbers.
#include <algorithm>
#include <cmath>
#include <type_traits>

// philox.hpp before tensor.hpp, whose xgrad::log(const Tensor&) would hide ::log from philox's
// unqualified calls (header fix: call ::log, ::sqrt, ::cos there).
#include "autograd/philox.hpp"
// This comment splits the include block so that clang-format keeps the order.
#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

template <class T>
void draw(T* o, int64_t n, Random kind, uint64_t seed, uint64_t offset, double a, double b) {
  constexpr bool single = std::is_same_v<T, float>;
  switch (kind) {
    case Random::uniform:
      if constexpr (std::is_integral_v<T>) {
        // randint [a, b); the min guards rounding of a + u (b - a) up to b for huge ranges.
        for (int64_t i = 0; i < n; ++i)
          o[i] = static_cast<T>(
              std::min(std::floor(a + philox::uniform(seed, offset, i, false) * (b - a)), b - 1));
      } else {
        for (int64_t i = 0; i < n; ++i)
          o[i] = static_cast<T>(a + philox::uniform(seed, offset, i, single) * (b - a));
        // Rounding (to T, or of a + u (b - a)) can reach b; [a, b) is the contract: step below.
        // A separate branch-free pass so that the loop above vectorizes.
        if (b > a) {
          const T hi = static_cast<T>(b), below = std::nextafter(hi, static_cast<T>(a));
          for (int64_t i = 0; i < n; ++i) o[i] = o[i] >= hi ? below : o[i];
        }
      }
      return;
    case Random::normal:
      for (int64_t i = 0; i < n; ++i)
        o[i] = static_cast<T>(philox::normal(seed, offset, i) * b + a);
      return;
    case Random::bernoulli:
      for (int64_t i = 0; i < n; ++i) o[i] = philox::uniform(seed, offset, i, single) < a ? 1 : 0;
      return;
  }
}

}  // namespace

void random(Tensor& out, Random kind, uint64_t seed, uint64_t offset, double a, double b) {
  if (kind == Random::normal && dtype(out) == kInt64) int64_unsupported("normal");
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    draw(data<T>(out), numel(out), kind, seed, offset, a, b);
  });
}

}  // namespace xgrad::kernels::cpu_detail
