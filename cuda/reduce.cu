// Reductions of x seen as [outer, n, inner] over n: sum, prod, max, min, argmax, argmin.
// inner == 1 (a row per output): a warp per row, or a block per long row. inner > 1: a 32 x 8
// block per 32 adjacent outputs, reading coalesced across inner. When the outputs alone cannot
// fill the device, n is split across blocks and a second pass combines the partial results.
#include <string>
#include <type_traits>

#include "cuda/allocator.hpp"
#include "cuda/kernels.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda::kernels {
namespace {

// A partial result: the value so far and, for arg*, the index where it was found. Ties keep the
// smaller index whatever the order of combination, so arg* return the first extreme; as on the
// CPU, a NaN counts as the extreme of max, min, argmax and argmin.
template <class A>
struct Acc {
  A v;
  int64_t i;
};

template <class A>
__device__ __forceinline__ Acc<A> identity(Reduce op) {
  switch (op) {
    case Reduce::sum:
      return {A(0), 0};
    case Reduce::prod:
      return {A(1), 0};
    case Reduce::max:
    case Reduce::argmax:
      return {math::lowest<A>(), INT64_MAX};
    case Reduce::min:
    case Reduce::argmin:
      return {math::highest<A>(), INT64_MAX};
  }
  return {A(0), 0};
}

// Whether y replaces x as the extreme (the maximum when Max, else the minimum).
template <bool Max, class A>
__device__ __forceinline__ bool better(Acc<A> y, Acc<A> x) {
  if constexpr (std::is_floating_point_v<A>) {
    bool y_nan = y.v != y.v, x_nan = x.v != x.v;
    if (y_nan || x_nan) return y_nan && (!x_nan || y.i < x.i);
  }
  return (Max ? y.v > x.v : y.v < x.v) || (y.v == x.v && y.i < x.i);
}

template <class A>
__device__ __forceinline__ Acc<A> combine(Reduce op, Acc<A> x, Acc<A> y) {
  switch (op) {
    case Reduce::sum:
      return {x.v + y.v, 0};
    case Reduce::prod:  // int64 wraps, as unsigned arithmetic does
      if constexpr (std::is_integral_v<A>)
        return {static_cast<A>(static_cast<uint64_t>(x.v) * static_cast<uint64_t>(y.v)), 0};
      else
        return {x.v * y.v, 0};
    case Reduce::max:
    case Reduce::argmax:
      return better<true>(y, x) ? y : x;
    case Reduce::min:
    case Reduce::argmin:
      return better<false>(y, x) ? y : x;
  }
  return x;
}

template <class A>
__device__ __forceinline__ Acc<A> warp_reduce(Reduce op, Acc<A> a) {
#pragma unroll
  for (int mask = 16; mask > 0; mask >>= 1) {
    Acc<A> other{
        __shfl_xor_sync(0xffffffffu, a.v, mask),
        static_cast<int64_t>(__shfl_xor_sync(0xffffffffu, static_cast<long long>(a.i), mask))};
    a = combine(op, a, other);
  }
  return a;
}

template <class T, class A>
struct LoadInput {
  const T* x;
  __device__ __forceinline__ Acc<A> operator()(int64_t off, int64_t j) const {
    return {static_cast<A>(x[off]), j};
  }
};
template <class A>
struct LoadPartial {
  const Acc<A>* p;
  __device__ __forceinline__ Acc<A> operator()(int64_t off, int64_t) const { return p[off]; }
};
template <class A>
struct StorePartial {
  Acc<A>* p;
  __device__ __forceinline__ void operator()(int64_t off, Acc<A> a) const { p[off] = a; }
};
template <class T, class A>
struct StoreOutput {
  void* out;
  bool index;  // arg*: the int64 index, else the value as T
  __device__ __forceinline__ void operator()(int64_t off, Acc<A> a) const {
    if (index)
      static_cast<int64_t*>(out)[off] = a.i;
    else
      static_cast<T*>(out)[off] = static_cast<T>(a.v);
  }
};

// Block (lanes, rows_per_block): row r's split s reduces n[s * chunk, (s + 1) * chunk) and is
// stored at r * splits + s.
template <class A, class Load, class Store>
__global__ void reduce_rows(Reduce op, Load load, Store store, int64_t rows, int64_t n,
                            int64_t chunk) {
  __shared__ Acc<A> warp_acc[kThreads / 32];
  int64_t row = static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
  int64_t split = blockIdx.y, splits = gridDim.y;
  Acc<A> acc = identity<A>(op);
  if (row < rows) {
    int64_t begin = split * chunk, end = begin + chunk < n ? begin + chunk : n;
    for (int64_t j = begin + threadIdx.x; j < end; j += blockDim.x)
      acc = combine(op, acc, load(row * n + j, j));
  }
  acc = warp_reduce(op, acc);
  if (blockDim.x > 32) {  // one row per block: combine its warps
    unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    if (lane == 0) warp_acc[warp] = acc;
    __syncthreads();
    acc = lane < blockDim.x / 32 ? warp_acc[lane] : identity<A>(op);
    acc = warp_reduce(op, acc);
  }
  if (threadIdx.x == 0 && row < rows) store(row * splits + split, acc);
}

// Block (32, 8) over 32 adjacent outputs of one outer index; stored at (o * splits + s) * inner +
// i.
template <class A, class Load, class Store>
__global__ void reduce_columns(Reduce op, Load load, Store store, int64_t n, int64_t inner,
                               int64_t tiles, int64_t chunk) {
  __shared__ Acc<A> part[8][33];
  int64_t o = blockIdx.x / tiles;
  int64_t i = (blockIdx.x % tiles) * 32 + threadIdx.x;
  int64_t split = blockIdx.y, splits = gridDim.y;
  Acc<A> acc = identity<A>(op);
  if (i < inner) {
    int64_t begin = split * chunk, end = begin + chunk < n ? begin + chunk : n;
    for (int64_t j = begin + threadIdx.y; j < end; j += blockDim.y)
      acc = combine(op, acc, load((o * n + j) * inner + i, j));
  }
  part[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && i < inner) {
    for (unsigned k = 1; k < blockDim.y; ++k) acc = combine(op, acc, part[k][threadIdx.x]);
    store((o * splits + split) * inner + i, acc);
  }
}

constexpr int64_t kMaxSplits = 65535;  // gridDim.y

// How many pieces to cut n into so that about `target` blocks run; each piece keeps at least
// `min_chunk` elements.
int64_t split_count(int64_t blocks, int64_t n, int64_t target, int64_t min_chunk) {
  if (n == 0 || blocks >= target) return 1;
  return std::clamp<int64_t>(std::min(ceil_div(target, blocks), ceil_div(n, min_chunk)), 1,
                             kMaxSplits);
}

template <class A, class Load, class Store>
void launch_rows(Reduce op, Load load, Store store, int64_t rows, int64_t n, int64_t splits) {
  int lanes = n <= 1024 ? 32 : kThreads;
  int rows_per_block = kThreads / lanes;
  int64_t chunk = ceil_div(n, splits);
  dim3 grid(static_cast<unsigned>(ceil_div(rows, rows_per_block)), static_cast<unsigned>(splits));
  launch("reduce", reduce_rows<A, Load, Store>, grid, dim3(lanes, rows_per_block), op, load, store,
         rows, n, chunk);
}

template <class A, class Load, class Store>
void launch_columns(Reduce op, Load load, Store store, int64_t outer, int64_t n, int64_t inner,
                    int64_t splits) {
  int64_t tiles = ceil_div(inner, 32);
  int64_t chunk = ceil_div(n, splits);
  dim3 grid(static_cast<unsigned>(outer * tiles), static_cast<unsigned>(splits));
  launch("reduce", reduce_columns<A, Load, Store>, grid, dim3(32, 8), op, load, store, n, inner,
         tiles, chunk);
}

template <class T, class A>
void run_reduce(Reduce op, const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  LoadInput<T, A> load{data_of<T>(x)};
  bool arg = op == Reduce::argmax || op == Reduce::argmin;
  StoreOutput<T, A> store{out.data_ptr(), arg};
  int64_t target = 4 * multiprocessor_count();
  int64_t splits;
  if (inner == 1) {
    int64_t blocks = n <= 1024 ? ceil_div(outer, kThreads / 32) : outer;
    splits = n <= 1024 ? 1 : split_count(blocks, n, target, 8 * kThreads);
  } else {
    splits = split_count(outer * ceil_div(inner, 32), n, target, 32 * 8);
  }
  if (splits > 1) splits = ceil_div(n, ceil_div(n, splits));  // no empty pieces
  if (splits == 1) {
    if (inner == 1)
      launch_rows<A>(op, load, store, outer, n, 1);
    else
      launch_columns<A>(op, load, store, outer, n, inner, 1);
    return;
  }
  DeviceBuffer partial(static_cast<size_t>(outer * splits * inner) * sizeof(Acc<A>), "reduce");
  auto* p = static_cast<Acc<A>*>(partial.get());
  if (inner == 1) {
    launch_rows<A>(op, load, StorePartial<A>{p}, outer, n, splits);
    launch_rows<A>(op, LoadPartial<A>{p}, store, outer, splits, 1);
  } else {
    launch_columns<A>(op, load, StorePartial<A>{p}, outer, n, inner, splits);
    launch_columns<A>(op, LoadPartial<A>{p}, store, outer, splits, inner, 1);
  }
}

}  // namespace

void reduce(Reduce op, const Tensor& x, Tensor& out, int64_t outer, int64_t n, int64_t inner) {
  if (outer == 0 || inner == 0) return;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    // Sums and products accumulate in double (int64 in int64); extremes compare in T.
    using Sum = std::conditional_t<std::is_integral_v<T>, int64_t, double>;
    if (op == Reduce::sum || op == Reduce::prod)
      run_reduce<T, Sum>(op, x, out, outer, n, inner);
    else
      run_reduce<T, T>(op, x, out, outer, n, inner);
  });
}

}  // namespace xgrad::cuda::kernels
