// exp, log, log1p, expm1, tanh, sigmoid, softplus, pow, sin, cos and erf in double precision, built
// from IEEE +, -, *, / and integer bit operations only: no libm, no FMA, no table, no branch on
// the data. So they give the same bits on every x86-64 CPU and build (scalar or any SIMD width,
// -march=native or not) and under nvcc; libm and xsimd pick per-CPU code paths and do not.
// Deterministic mode evaluates float32 tensors through these in double and rounds once.
// Accuracy, measured against glibc over 2e6 points per range (tests/test_deterministic.cpp):
// exp, log within 1 ulp and sin, cos within 2 (fdlibm's polynomials); expm1, log1p within 3;
// tanh within 6; pow(x, y) = exp(y log x) loses about |y log x| ulp in float64 (100 ulp at
// 0.9^1000), while float32 results, computed in double, are correctly rounded but for rare ties.
// Callers must compile with -ffp-contract=off, and nvcc with --fmad=false (CMakeLists.txt sets
// both where xgrad uses these functions).
// Internal; included by CPU kernel files and by philox.hpp.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define XGRAD_PM __host__ __device__ __forceinline__
#else
#define XGRAD_PM inline __attribute__((always_inline))
#endif

namespace xgrad::pmath {

XGRAD_PM uint64_t bits(double x) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(x));
#else
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}
XGRAD_PM double from_bits(uint64_t u) {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(static_cast<long long>(u));
#else
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}
inline constexpr uint64_t kInfBits = 0x7ff0000000000000ull, kNanBits = 0x7ff8000000000000ull;
XGRAD_PM double select(bool c, double a, double b) { return c ? a : b; }
XGRAD_PM double fabs(double x) { return from_bits(bits(x) & 0x7fffffffffffffffull); }
XGRAD_PM double copysign(double x, double s) {
  return from_bits((bits(x) & 0x7fffffffffffffffull) | (bits(s) & 0x8000000000000000ull));
}
XGRAD_PM bool isnan(double x) { return x != x; }

inline constexpr double kRoundMagic = 6755399441055744.0;  // 1.5 * 2^52
// x rounded to the nearest integer (ties to even) for |x| < 2^51, without a rounding instruction.
XGRAD_PM double round_int(double x) { return (x + kRoundMagic) - kRoundMagic; }

// 2^k for an integer-valued k in [-1022, 1023].
XGRAD_PM double exp2_int(double k) { return from_bits((bits(k + kRoundMagic) << 52) + (uint64_t{1023} << 52)); }

// ---- exp: k = round(x / ln2), r = x - k ln2 (ln2 in two parts), fdlibm's rational form of e^r.
XGRAD_PM double exp(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
                   P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
                   P5 = 4.13813679705723846039e-08;
  const bool nan = isnan(x);
  double xc = select(nan, 0.0, x);
  xc = select(xc > 710.0, 710.0, xc);  // beyond: overflow to inf / underflow to 0 below
  xc = select(xc < -746.0, -746.0, xc);
  const double k = round_int(xc * kInvLn2);
  const double hi = xc - k * kLn2Hi, lo = k * kLn2Lo, r = hi - lo;
  const double t = r * r;
  const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  // 2^k in two factors, each a normal number, so a subnormal result is rounded once.
  const double k1 = round_int(k * 0.5), k2 = k - k1;
  const double result = (y * exp2_int(k1)) * exp2_int(k2);
  return select(nan, x, result);
}

// ---- log: x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)), fdlibm's series in s = f / (2 + f).
XGRAD_PM double log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                   Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                   Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  const bool subnormal = x < 2.2250738585072014e-308;  // (and zero, negatives: fixed below)
  const double xs = select(subnormal, x * 18014398509481984.0, x);  // * 2^54
  uint64_t u = bits(xs) + (0x3ff0000000000000ull - 0x3fe6a09e00000000ull);
  // k = biased exponent - 1023, through a double built from the 11 exponent bits (no int->double).
  const double kbiased = from_bits((u >> 52) | 0x4330000000000000ull) - 4503599627370496.0;
  const double k = kbiased - select(subnormal, 1077.0, 1023.0);
  u = (u & 0x000fffffffffffffull) + 0x3fe6a09e00000000ull;
  const double f = from_bits(u) - 1.0;
  const double s = f / (2.0 + f), z = s * s, w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double R = t2 + t1, hfsq = 0.5 * f * f;
  double result = k * kLn2Hi - ((hfsq - (s * (hfsq + R) + k * kLn2Lo)) - f);
  const double inf = from_bits(kInfBits);
  result = select(x == inf, inf, result);
  result = select(x == 0.0, -inf, result);
  result = select(x < 0.0 || isnan(x), from_bits(kNanBits), result);
  return result;
}

// ---- e^x - 1 and log(1 + x) accurate near 0 (Kahan's and Goldberg's corrections).
XGRAD_PM double expm1(double x) {
  const double u = exp(x), um1 = u - 1.0;
  double r = um1 * x / log(u);
  r = select(u == 1.0, x, r);
  r = select(um1 == -1.0, -1.0, r);
  r = select(x > 709.0, u - 1.0, r);  // u overflows to inf; log(inf) would give NaN
  return select(isnan(x), x, r);
}
XGRAD_PM double log1p(double x) {
  const double w = 1.0 + x;
  double r = log(w) * (x / (w - 1.0));
  r = select(w == 1.0, x, r);
  r = select(w == from_bits(kInfBits), log(w), r);
  return select(isnan(x), x, r);
}

// ---- tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)), with x's sign: never overflows.
XGRAD_PM double tanh(double x) {
  const double t = expm1(-2.0 * fabs(x));
  const double r = -t / (2.0 + t);
  return select(isnan(x), x, copysign(r, x));
}
XGRAD_PM double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
// log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
XGRAD_PM double softplus(double x) {
  const double r = select(x > 0.0, x, 0.0) + log1p(exp(-fabs(x)));
  return select(isnan(x), x, r);
}

// ---- pow(x, y) = exp(y log |x|), with C's rules for zeros, negative bases and integer y; an
// integer |y| <= 64 by repeated squaring instead (x^2 = x * x exactly, x^3 within 1 ulp).
XGRAD_PM double pow(double x, double y) {
  const double inf = from_bits(kInfBits), nan = from_bits(kNanBits);
  const double ay = fabs(y);
  const bool y_int = ay >= 4503599627370496.0 || round_int(y) == y;  // |y| >= 2^52: an integer
  const bool y_odd = y_int && ay < 9007199254740992.0 && round_int(y * 0.5) != y * 0.5;
  const double ax = fabs(x);
  double r = exp(y * log(ax));
  // |x|^|y| for |y| < 128 from the bits of |y| (seven fixed steps, no branch)
  double by_squaring = 1.0, base = ax, rest = select(ay < 128.0, ay, 0.0);
  for (int bit = 0; bit < 7; ++bit) {
    const double half = round_int(rest * 0.5 - 0.25);  // floor(rest / 2) for integer rest >= 0
    by_squaring = select(rest - 2.0 * half == 1.0, by_squaring * base, by_squaring);
    base = base * base;
    rest = half;
  }
  by_squaring = select(y < 0.0, 1.0 / by_squaring, by_squaring);
  r = select(y_int && ay <= 64.0, by_squaring, r);
  r = select(x < 0.0 && y_odd, -r, r);
  r = select(x < 0.0 && !y_int, nan, r);
  // zero base: +-0 or +-inf (the sign from an odd integer y)
  const double zero_pow = select(y > 0.0, 0.0, inf);
  r = select(ax == 0.0, select(y_odd, copysign(zero_pow, x), zero_pow), r);
  r = select(isnan(x) || isnan(y), nan, r);
  r = select(x == -1.0 && ay == inf, 1.0, r);
  r = select(y == 0.0 || x == 1.0, 1.0, r);
  return r;
}

// ---- sin and cos: x - k pi/2 with pi/2 in three parts, fdlibm's kernels. Within 1 ulp for
// |x| < 2^20 pi/2 (1.6e6), which covers xgrad's uses (angles of at most a few turns); NaN beyond.
XGRAD_PM void sincos(double x, double& s, double& c) {
  constexpr double kInvPio2 = 6.36619772367581382433e-01;
  constexpr double kPio2_1 = 1.57079632673412561417e+00, kPio2_2 = 6.07710050630396597660e-11,
                   kPio2_3 = 2.02226624871116645580e-21;
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                   S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                   S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                   C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                   C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const double k = round_int(x * kInvPio2);
  const double r = ((x - k * kPio2_1) - k * kPio2_2) - k * kPio2_3;
  const double z = r * r;
  const double sr = r + (z * r) * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  const double cr_tail = z * (z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6))))));
  const double hz = 0.5 * z, w = 1.0 - hz;
  const double cr = w + (((1.0 - w) - hz) + cr_tail);
  // quadrant k mod 4: (sin, cos) = (sr, cr), (cr, -sr), (-sr, -cr), (-cr, sr)
  const double q = k - 4.0 * round_int((k - 1.5) * 0.25);  // in {0, 1, 2, 3}
  const bool swap = q == 1.0 || q == 3.0;
  const double sv = select(swap, cr, sr), cv = select(swap, sr, cr);
  const bool out_of_range = !(fabs(x) < 1647099.0);  // and NaN
  s = select(out_of_range, from_bits(kNanBits), select(q >= 2.0, -sv, sv));
  c = select(out_of_range, from_bits(kNanBits), select(q == 1.0 || q == 2.0, -cv, cv));
}
XGRAD_PM double sin(double x) {
  double s, c;
  sincos(x, s, c);
  return s;
}
XGRAD_PM double cos(double x) {
  double s, c;
  sincos(x, s, c);
  return c;
}

// ---- erf: fdlibm's rational approximations on [0, 0.84375), [0.84375, 1.25), and, for erfc,
// [1.25, 1/0.35) and [1/0.35, 6); 1 beyond. Every piece is evaluated and one is selected, so there
// is no branch on the data. Within 1 ulp, as fdlibm.
XGRAD_PM double erf(double x) {
  constexpr double erx = 8.45062911510467529297e-01;
  constexpr double pp0 = 1.28379167095512558561e-01, pp1 = -3.25042107247001499370e-01,
                   pp2 = -2.84817495755985104766e-02, pp3 = -5.77027029648944159157e-03,
                   pp4 = -2.37630166566501626084e-05, qq1 = 3.97917223959155352819e-01,
                   qq2 = 6.50222499887672944485e-02, qq3 = 5.08130628187576562776e-03,
                   qq4 = 1.32494738004321644526e-04, qq5 = -3.96022827877536812320e-06;
  constexpr double pa0 = -2.36211856075265944077e-03, pa1 = 4.14856118683748331666e-01,
                   pa2 = -3.72207876035701323847e-01, pa3 = 3.18346619901161753674e-01,
                   pa4 = -1.10894694282396677476e-01, pa5 = 3.54783043256182359371e-02,
                   pa6 = -2.16637559486879084300e-03, qa1 = 1.06420880400844228286e-01,
                   qa2 = 5.40397917702171048937e-01, qa3 = 7.18286544141962662868e-02,
                   qa4 = 1.26171219808761642112e-01, qa5 = 1.36370839120290507362e-02,
                   qa6 = 1.19844998467991074170e-02;
  constexpr double ra0 = -9.86494403484714822705e-03, ra1 = -6.93858572707181764372e-01,
                   ra2 = -1.05586262253232909814e+01, ra3 = -6.23753324503260060396e+01,
                   ra4 = -1.62396669462573470355e+02, ra5 = -1.84605092906711035994e+02,
                   ra6 = -8.12874355063065934246e+01, ra7 = -9.81432934416914548592e+00,
                   sa1 = 1.96512716674392571292e+01, sa2 = 1.37657754143519042600e+02,
                   sa3 = 4.34565877475229228821e+02, sa4 = 6.45387271733267880336e+02,
                   sa5 = 4.29008140027567833386e+02, sa6 = 1.08635005541779435134e+02,
                   sa7 = 6.57024977031928170135e+00, sa8 = -6.04244152148580987438e-02;
  constexpr double rb0 = -9.86494292470009928597e-03, rb1 = -7.99283237680523006574e-01,
                   rb2 = -1.77579549177547519889e+01, rb3 = -1.60636384855821916062e+02,
                   rb4 = -6.37566443368389627722e+02, rb5 = -1.02509513161107724954e+03,
                   rb6 = -4.83519191608651397019e+02, sb1 = 3.03380607434824582924e+01,
                   sb2 = 3.25792512996573918826e+02, sb3 = 1.53672958608443695994e+03,
                   sb4 = 3.19985821950859553908e+03, sb5 = 2.55305040643316442583e+03,
                   sb6 = 4.74528541206955367215e+02, sb7 = -2.24409524465858183362e+01;
  const double ax = fabs(x);
  // |x| < 0.84375: x + x R(x^2)
  const double z = ax * ax;
  const double r = pp0 + z * (pp1 + z * (pp2 + z * (pp3 + z * pp4)));
  const double s = 1.0 + z * (qq1 + z * (qq2 + z * (qq3 + z * (qq4 + z * qq5))));
  const double small = ax + ax * (r / s);
  // 0.84375 <= |x| < 1.25: erx + P(|x| - 1) / Q(|x| - 1)
  const double d = ax - 1.0;
  const double P = pa0 + d * (pa1 + d * (pa2 + d * (pa3 + d * (pa4 + d * (pa5 + d * pa6)))));
  const double Q = 1.0 + d * (qa1 + d * (qa2 + d * (qa3 + d * (qa4 + d * (qa5 + d * qa6)))));
  const double mid = erx + P / Q;
  // 1.25 <= |x| < 6: 1 - erfc(|x|), erfc = exp(-z^2 - 0.5625) exp((z - |x|)(z + |x|) + R/S) / |x|
  // with z = |x| cut to its high 32 bits (so z^2 is exact)
  const double t = 1.0 / z;
  const bool near = ax < from_bits(0x4006DB6E00000000ull);  // 1/0.35
  const double Ra = ra0 + t * (ra1 + t * (ra2 + t * (ra3 + t * (ra4 + t * (ra5 + t * (ra6 + t * ra7))))));
  const double Sa = 1.0 + t * (sa1 + t * (sa2 + t * (sa3 + t * (sa4 + t * (sa5 + t * (sa6 + t * (sa7 + t * sa8)))))));
  const double Rb = rb0 + t * (rb1 + t * (rb2 + t * (rb3 + t * (rb4 + t * (rb5 + t * rb6)))));
  const double Sb = 1.0 + t * (sb1 + t * (sb2 + t * (sb3 + t * (sb4 + t * (sb5 + t * (sb6 + t * sb7))))));
  const double RS = select(near, Ra / Sa, Rb / Sb);
  const double zc = from_bits(bits(ax) & 0xffffffff00000000ull);
  const double ec = exp(-zc * zc - 0.5625) * exp((zc - ax) * (zc + ax) + RS);
  const double large = 1.0 - ec / ax;
  double result = select(ax < 0.84375, small, select(ax < 1.25, mid, select(ax < 6.0, large, 1.0)));
  result = copysign(result, x);
  return select(isnan(x), x, result);
}

}  // namespace xgrad::pmath
