// Deterministic mode's GEMM, in place of OpenBLAS (whose kernel, and so whose rounding, follows
// the CPU). Every output element is
//   out[i, j] = alpha * s + beta * out[i, j],   s = (((0 + a[i,0] b[0,j]) + a[i,1] b[1,j]) + ...)
// over k in increasing order, one multiply and one add per term (no FMA: the library is built
// with -ffp-contract=off), and out is not read when beta = 0. The order does not depend on the
// tiling, the vector width or the number of threads, so the bits are the same on every x86-64
// machine and build. Packed panels and a register tile (GotoBLAS's layout); partial sums of a
// k-block are kept in a scratch matrix and reloaded, so blocking keeps the order too.
#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

// The register tile: MR rows by two vectors. The widths follow the build's instruction set;
// they change speed only, never results.
#if defined(__AVX512F__)
constexpr int kVecBytes = 64, kMR = 12;
#elif defined(__AVX__)
constexpr int kVecBytes = 32, kMR = 6;
#else
constexpr int kVecBytes = 16, kMR = 6;
#endif
using VecF = float __attribute__((vector_size(kVecBytes)));
using VecD = double __attribute__((vector_size(kVecBytes)));
template <class T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = VecF;
};
template <>
struct VecOf<double> {
  using type = VecD;
};

constexpr int64_t kKC = 256;  // k-block: a packed B panel (kKC x NR) stays in L1
constexpr int64_t kMC = 16 * kMR;
constexpr int64_t kNC = 1024;

struct AlignedFree {
  void operator()(void* p) const { ::operator delete(p, std::align_val_t(64)); }
};
// A thread's packing buffer, grown as needed and kept.
template <class T>
T* scratch(int slot, size_t count) {
  thread_local std::unique_ptr<void, AlignedFree> buf[2];
  thread_local size_t cap[2] = {0, 0};
  const size_t bytes = count * sizeof(T);
  if (cap[slot] < bytes) {
    buf[slot].reset(::operator new(bytes, std::align_val_t(64)));
    cap[slot] = bytes;
  }
  return static_cast<T*>(buf[slot].get());
}

template <class T>
struct Gemm {
  using V = typename VecOf<T>::type;
  static constexpr int kVW = kVecBytes / static_cast<int>(sizeof(T));
  static constexpr int kNR = 2 * kVW;

  const T* a;
  const T* b;
  T* out;
  bool ta, tb;
  int64_t m, n, k;
  T alpha, beta;
  T* partial;  // m x n partial sums between k-blocks (when k > kKC)

  // Copies a `count x width` block into a panel of kc steps of `stride` values, padding with 0:
  // dst[p * stride + c] = src(p, c) for c < width; steps_contiguous: src(p, c) = src[c * ld + p],
  // else src[p * ld + c].
  template <int kStride>
  static void pack(T* dst, const T* src, int64_t ld, bool steps_contiguous, int64_t kc, int64_t width) {
    if (width < kStride) std::fill(dst, dst + kc * kStride, T(0));
    if (steps_contiguous) {
      for (int64_t c = 0; c < width; ++c)
        for (int64_t p = 0; p < kc; ++p) dst[p * kStride + c] = src[c * ld + p];
    } else {
      for (int64_t p = 0; p < kc; ++p) std::copy(src + p * ld, src + p * ld + width, dst + p * kStride);
    }
  }
  // Ap: for each MR-row panel, kc steps of MR values (rows past m are 0).
  void pack_a(T* ap, int64_t i0, int64_t mc, int64_t p0, int64_t kc) const {
    for (int64_t ir = 0; ir < mc; ir += kMR) {
      const int64_t rows = std::min<int64_t>(kMR, mc - ir), i = i0 + ir;
      if (ta)  // a is k x m: step p holds rows i.. contiguously
        pack<kMR>(ap + ir * kc, a + p0 * m + i, m, false, kc, rows);
      else  // a is m x k: row i's steps are contiguous
        pack<kMR>(ap + ir * kc, a + i * k + p0, k, true, kc, rows);
    }
  }
  // Bp: for each NR-column panel, kc steps of NR values (columns past n are 0).
  void pack_b(T* bp, int64_t j0, int64_t nc, int64_t p0, int64_t kc) const {
    for (int64_t jr = 0; jr < nc; jr += kNR) {
      const int64_t cols = std::min<int64_t>(kNR, nc - jr), j = j0 + jr;
      if (tb)  // b is n x k: column j's steps are contiguous
        pack<kNR>(bp + jr * kc, b + j * k + p0, k, true, kc, cols);
      else  // b is k x n: step p holds columns j.. contiguously
        pack<kNR>(bp + jr * kc, b + p0 * n + j, n, false, kc, cols);
    }
  }

  // One MR x NR tile of out at (i, j), rows x cols of it real, over k-block [p0, p0 + kc).
  void tile(const T* ap, const T* bp, int64_t kc, int64_t i, int64_t j, int64_t rows, int64_t cols, bool first,
            bool last) const {
    V acc[kMR][2];
    if (first) {
      for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = V{};
    } else {
      T tmp[kMR][kNR] = {};
      for (int64_t r = 0; r < rows; ++r) std::memcpy(tmp[r], partial + (i + r) * n + j, sizeof(T) * cols);
      for (int r = 0; r < kMR; ++r) {
        std::memcpy(&acc[r][0], tmp[r], sizeof(V));
        std::memcpy(&acc[r][1], tmp[r] + kVW, sizeof(V));
      }
    }
    for (int64_t p = 0; p < kc; ++p) {
      const V b0 = *reinterpret_cast<const V*>(bp + p * kNR);
      const V b1 = *reinterpret_cast<const V*>(bp + p * kNR + kVW);
      const T* ar = ap + p * kMR;
      for (int r = 0; r < kMR; ++r) {
        const T av = ar[r];
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    T tmp[kMR][kNR];
    for (int r = 0; r < kMR; ++r) {
      std::memcpy(tmp[r], &acc[r][0], sizeof(V));
      std::memcpy(tmp[r] + kVW, &acc[r][1], sizeof(V));
    }
    if (!last) {
      for (int64_t r = 0; r < rows; ++r) std::memcpy(partial + (i + r) * n + j, tmp[r], sizeof(T) * cols);
      return;
    }
    for (int64_t r = 0; r < rows; ++r) {
      T* o = out + (i + r) * n + j;
      if (beta == T(0)) {
        for (int64_t c = 0; c < cols; ++c) o[c] = alpha * tmp[r][c];
      } else {
        for (int64_t c = 0; c < cols; ++c) o[c] = alpha * tmp[r][c] + beta * o[c];
      }
    }
  }

  // out[i0:i1, j0:j1], blocked.
  void run(int64_t i0, int64_t i1, int64_t j0, int64_t j1) const {
    for (int64_t jc = j0; jc < j1; jc += kNC) {
      const int64_t nc = std::min(kNC, j1 - jc);
      for (int64_t pc = 0; pc < k; pc += kKC) {
        const int64_t kc = std::min(kKC, k - pc);
        T* bp = scratch<T>(0, static_cast<size_t>((nc + kNR - 1) / kNR * kNR * kc));
        pack_b(bp, jc, nc, pc, kc);
        for (int64_t ic = i0; ic < i1; ic += kMC) {
          const int64_t mc = std::min(kMC, i1 - ic);
          T* ap = scratch<T>(1, static_cast<size_t>((mc + kMR - 1) / kMR * kMR * kc));
          pack_a(ap, ic, mc, pc, kc);
          for (int64_t jr = 0; jr < nc; jr += kNR)
            for (int64_t ir = 0; ir < mc; ir += kMR)
              tile(ap + ir * kc, bp + jr * kc, kc, ic + ir, jc + jr, std::min<int64_t>(kMR, mc - ir),
                   std::min<int64_t>(kNR, nc - jr), pc == 0, pc + kc == k);
        }
      }
    }
  }
};

// Below this many multiply-adds a product runs on the calling thread.
constexpr int64_t kParallelWork = int64_t{1} << 20;

template <class T>
void product(const T* a, const T* b, T* out, bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha,
             T beta) {
  std::vector<T> partial_buf;
  if (k > kKC) partial_buf.resize(static_cast<size_t>(m * n));
  const Gemm<T> g{a, b, out, ta, tb, m, n, k, alpha, beta, partial_buf.data()};
  const int threads = parallel_threads();
  if (threads == 1 || m * n * k < kParallelWork) return g.run(0, m, 0, n);
  // Split the larger side into one contiguous range per thread, in whole register tiles.
  const bool by_cols = n >= m;
  const int64_t unit = by_cols ? Gemm<T>::kNR : kMR, extent = by_cols ? n : m;
  const int64_t units = (extent + unit - 1) / unit;
  const int64_t parts = std::min<int64_t>(threads, units);
  parallel_for(parts, [&](int64_t t) {
    const int64_t lo = std::min(extent, units * t / parts * unit), hi = std::min(extent, units * (t + 1) / parts * unit);
    if (lo >= hi) return;
    if (by_cols)
      g.run(0, m, lo, hi);
    else
      g.run(lo, hi, 0, n);
  });
}

template <class T>
void batched(const T* a, const T* b, T* out, bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t k,
             int64_t a_stride, int64_t b_stride, T alpha, T beta) {
  if (batch == 0 || m == 0 || n == 0) return;
  if (batch > 1 && b_stride == 0 && !ta && a_stride == m * k) {  // a stack of A's times one B
    m *= batch;
    batch = 1;
  }
  for (int64_t i = 0; i < batch; ++i)
    product(a + i * a_stride, b + i * b_stride, out + i * m * n, ta, tb, m, n, k, alpha, beta);
}

}  // namespace

void portable_gemm(const Tensor& a, const Tensor& b, Tensor& out, bool ta, bool tb, int64_t batch, int64_t m,
                   int64_t n, int64_t k, int64_t a_stride, int64_t b_stride, double alpha, double beta) {
  switch (dtype(out)) {
    case kFloat32:
      return batched(data<const float>(a), data<const float>(b), data<float>(out), ta, tb, batch, m, n, k,
                     a_stride, b_stride, static_cast<float>(alpha), static_cast<float>(beta));
    case kFloat64:
      return batched(data<const double>(a), data<const double>(b), data<double>(out), ta, tb, batch, m, n, k,
                     a_stride, b_stride, alpha, beta);
    case kInt64:
      break;
  }
  throw Error("matmul: int64 is not supported; cast to float32 or float64 first");
}

}  // namespace xgrad::kernels::cpu_detail
