// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator, so element i of a draw is a
// pure function of (seed, offset + i) and the CPU and CUDA kernels produce the same numbers.
// Normal draws use portable_math.hpp's log and cos, so they too are the same on every CPU.
// Internal; compiled by both g++ and nvcc.
#pragma once

#include <cmath>
#include <cstdint>

#include "autograd/portable_math.hpp"

#if defined(__CUDACC__)
#define XGRAD_HD __host__ __device__ __forceinline__
#else
#define XGRAD_HD inline
#endif

namespace xgrad::philox {

struct U4 {
  uint32_t x[4];
};

XGRAD_HD void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

XGRAD_HD U4 draw(uint64_t seed, uint64_t counter) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(0xD2511F53u, c0, hi0, lo0);
    mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {{c0, c1, c2, c3}};
}

// U[0, 1) with 53 random bits.
XGRAD_HD double uniform53(uint32_t a, uint32_t b) {
  uint64_t bits = ((static_cast<uint64_t>(a) << 32) | b) >> 11;
  return static_cast<double>(bits) * (1.0 / 9007199254740992.0);
}
// U[0, 1) with 24 random bits: exact in float32, so a cast never rounds up to 1.
XGRAD_HD double uniform24(uint32_t a) { return static_cast<double>(a >> 8) * (1.0 / 16777216.0); }

// Element `i` of a draw at `offset`, as double; `single` selects float32 resolution.
XGRAD_HD double uniform(uint64_t seed, uint64_t offset, uint64_t i, bool single) {
  U4 r = draw(seed, offset + i);
  return single ? uniform24(r.x[0]) : uniform53(r.x[0], r.x[1]);
}
XGRAD_HD double normal(uint64_t seed, uint64_t offset, uint64_t i) {
  U4 r = draw(seed, offset + i);
  double u1 = 1.0 - uniform53(r.x[0], r.x[1]);  // (0, 1]: log is finite
  double u2 = uniform53(r.x[2], r.x[3]);
  // portable log and cos: the same draws on every CPU and build (libm's follow the CPU)
  return ::sqrt(-2.0 * pmath::log(u1)) * pmath::cos(6.283185307179586 * u2);
}

}  // namespace xgrad::philox
