// Reductions over the middle dim of x seen as [outer, n, inner]: sum, prod, max, min (out has x's
// dtype) and argmax, argmin (int64, first index of the extreme; NaN counts as the extreme).
// Large ones run on the kernels' threads with the same result for any thread count.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/cpu/cpu.hpp"
#include "autograd/cpu/lanes.hpp"
#include "autograd/cpu/parallel.hpp"

namespace xgrad::kernels::cpu_detail {
namespace {

constexpr int64_t kChunk = 256;  // columns reduced together when inner > 1 (stack buffers)

// Calls task(o, i0, c) for every output block (row o, columns [i0, i0 + c)), spread over the
// kernels' threads when the reduction reads at least kParallelElements. Each output element is
// computed by one call, in the same order whatever the thread count.
template <class Task>
void for_each_block(int64_t outer, int64_t n, int64_t inner, Task&& task) {
  const int64_t width = inner == 1 ? 1 : kChunk;
  const int64_t blocks = (inner + width - 1) / width, tasks = outer * blocks;
  auto run = [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      const int64_t o = t / blocks, i0 = (t % blocks) * width;
      task(o, i0, std::min(width, inner - i0));
    }
  };
  const int64_t threads = parallel_threads();
  if (threads == 1 || tasks < 2 || outer * n * inner < kParallelElements) return run(0, tasks);
  const int64_t groups = std::min(tasks, threads * 4);
  parallel_for(groups, [&](int64_t g) { run(tasks * g / groups, tasks * (g + 1) / groups); });
}

// One long row (a full reduction): fixed pieces of kParallelElements reduced on the kernels'
// threads, then combined in order, so the result does not depend on the thread count. `piece`
// reduces [begin, begin + count) to a partial, `combine` folds the partials left to right.
template <class P, class Piece, class Combine>
P over_pieces(int64_t n, Piece&& piece, Combine&& combine) {
  const int64_t pieces = (n + kParallelElements - 1) / kParallelElements;
  std::vector<P> part(static_cast<size_t>(pieces));
  parallel_for(pieces, [&](int64_t p) {
    const int64_t begin = p * kParallelElements;
    part[p] = piece(begin, std::min(kParallelElements, n - begin));
  });
  P r = part[0];
  for (int64_t p = 1; p < pieces; ++p) r = combine(r, part[p]);
  return r;
}

bool long_row(int64_t n) { return n >= 2 * kParallelElements; }  // split alike for any thread count

template <class T>
Acc<T> sum_any_row(const T* x, int64_t n) {
  if (!long_row(n)) return sum_row(x, n);
  return over_pieces<Acc<T>>(
      n, [&](int64_t b, int64_t c) { return sum_row(x + b, c); },
      [](Acc<T> a, Acc<T> b) { return a + b; });
}

template <bool Max, class T>
T extreme_any_row(const T* x, int64_t n) {
  if (!long_row(n)) return extreme_row<Max>(x, n);
  return over_pieces<T>(
      n, [&](int64_t b, int64_t c) { return extreme_row<Max>(x + b, c); },
      [](T best, T v) { return better<Max>(v, best) ? v : best; });
}

template <bool Max, class T>
int64_t arg_extreme_any_row(const T* x, int64_t n) {
  if (!long_row(n)) return arg_extreme_row<Max>(x, n);
  return over_pieces<int64_t>(
      n, [&](int64_t b, int64_t c) { return b + arg_extreme_row<Max>(x + b, c); },
      [&](int64_t best, int64_t i) { return better<Max>(x[i], x[best]) ? i : best; });
}

template <class T>
void sum(const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    for_each_block(outer, n, inner, [&](int64_t o, int64_t, int64_t) {
      out[o] = static_cast<T>(sum_any_row(x + o * n, n));
    });
    return;
  }
  for_each_block(outer, n, inner, [&](int64_t o, int64_t i0, int64_t c) {
    Acc<T> acc[kChunk];
    std::fill(acc, acc + c, Acc<T>(0));
    for (int64_t j = 0; j < n; ++j) {
      const T* row = x + (o * n + j) * inner + i0;
      for (int64_t k = 0; k < c; ++k) acc[k] += row[k];
    }
    for (int64_t k = 0; k < c; ++k) out[o * inner + i0 + k] = static_cast<T>(acc[k]);
  });
}

// Products accumulate in double (int64 in int64, wrapping as unsigned arithmetic does).
template <class T>
void prod(const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  using A = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      A acc = 1;
      for (int64_t j = 0; j < n; ++j) acc *= static_cast<A>(x[(o * n + j) * inner + i]);
      out[o * inner + i] = static_cast<T>(acc);
    }
  }
}

// Writes the extreme's value (Arg = false) or its index along n (Arg = true).
template <bool Max, bool Arg, class T, class O>
void extreme(const T* x, O* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1) {
    for_each_block(outer, n, inner, [&](int64_t o, int64_t, int64_t) {
      if constexpr (Arg)
        out[o] = static_cast<O>(arg_extreme_any_row<Max>(x + o * n, n));
      else
        out[o] = static_cast<O>(extreme_any_row<Max>(x + o * n, n));
    });
    return;
  }
  for_each_block(outer, n, inner, [&](int64_t o, int64_t i0, int64_t c) {
    T best[kChunk];
    int64_t at[kChunk];
    const T* first = x + o * n * inner + i0;
    std::copy(first, first + c, best);
    std::fill(at, at + c, int64_t{0});
    for (int64_t j = 1; j < n; ++j) {
      const T* row = first + j * inner;
      for (int64_t k = 0; k < c; ++k) {
        const bool take = better<Max>(row[k], best[k]);
        best[k] = take ? row[k] : best[k];
        at[k] = take ? j : at[k];
      }
    }
    O* dst = out + o * inner + i0;
    for (int64_t k = 0; k < c; ++k) dst[k] = Arg ? static_cast<O>(at[k]) : static_cast<O>(best[k]);
  });
}

}  // namespace

void reduce(Reduce op, const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  dispatch(dtype(x), [&](auto tag) {
    using T = decltype(tag);
    const T* px = data<const T>(x);
    switch (op) {
      case Reduce::sum:
        return sum(px, data<T>(out), outer, n, inner);
      case Reduce::prod:
        return prod(px, data<T>(out), outer, n, inner);
      case Reduce::max:
        return extreme<true, false>(px, data<T>(out), outer, n, inner);
      case Reduce::min:
        return extreme<false, false>(px, data<T>(out), outer, n, inner);
      case Reduce::argmax:
        return extreme<true, true>(px, data<int64_t>(out), outer, n, inner);
      case Reduce::argmin:
        return extreme<false, true>(px, data<int64_t>(out), outer, n, inner);
    }
  });
}

}  // namespace xgrad::kernels::cpu_detail
