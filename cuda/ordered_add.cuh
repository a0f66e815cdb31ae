// Accumulation in a fixed order, for deterministic mode (xgrad::set_deterministic): instead of
// atomics, whose order (and so the rounding of a float sum) changes from run to run, every
// (destination, source position) pair is sorted, and each destination then adds its
// contributions one after another in source order, starting from its own value: the CPU's
// sequential loop, to the bit. Internal to cuda/.
#pragma once

#include <bit>
#include <cstdint>

#include "cuda/allocator.hpp"
#include "cuda/launch.cuh"

namespace xgrad::cuda {

namespace ordered {

// Pair e: (dest(e), e); the padding past `count` sorts last.
template <class Dest>
__global__ void pairs_kernel(Dest dest, uint64_t* key, uint64_t* pos, int64_t count,
                             int64_t padded) {
  for (int64_t e = thread_index(); e < padded; e += thread_stride()) {
    key[e] = e < count ? static_cast<uint64_t>(dest(e)) : UINT64_MAX;
    pos[e] = e < count ? static_cast<uint64_t>(e) : UINT64_MAX;
  }
}

// One compare-exchange step of a bitonic sort by (key, pos): each pair (i, i ^ stride) belongs to
// the thread with the smaller index. (A template so that this header defines no function.)
template <class U>
__global__ void bitonic_step_kernel(U* key, U* pos, int64_t padded, int64_t size, int64_t stride) {
  for (int64_t i = thread_index(); i < padded; i += thread_stride()) {
    int64_t partner = i ^ stride;
    if (partner <= i) continue;
    bool ascending = (i & size) == 0;
    bool greater = key[i] > key[partner] || (key[i] == key[partner] && pos[i] > pos[partner]);
    if (greater == ascending) {
      U k = key[i], p = pos[i];
      key[i] = key[partner];
      pos[i] = pos[partner];
      key[partner] = k;
      pos[partner] = p;
    }
  }
}

// The first pair of each destination's run walks the run: out[d] += src[e] for its e in order.
template <class T>
__global__ void sum_runs_kernel(const uint64_t* key, const uint64_t* pos, const T* src, T* out,
                                int64_t count) {
  for (int64_t e = thread_index(); e < count; e += thread_stride()) {
    if (e > 0 && key[e] == key[e - 1]) continue;
    T acc = out[key[e]];
    for (int64_t f = e; f < count && key[f] == key[e]; ++f) acc += src[pos[f]];
    out[key[e]] = acc;
  }
}

}  // namespace ordered

// out[dest(e)] += src[e] for e in [0, count), each destination's sum taken in order of e.
// dest is a device functor from a source position to an element of out.
template <class T, class Dest>
void ordered_add(const char* op, const T* src, T* out, int64_t count, Dest dest) {
  if (count == 0) return;
  int64_t padded = static_cast<int64_t>(std::bit_ceil(static_cast<uint64_t>(count)));
  DeviceBuffer keys(static_cast<size_t>(padded) * sizeof(uint64_t), op);
  DeviceBuffer positions(static_cast<size_t>(padded) * sizeof(uint64_t), op);
  auto* key = static_cast<uint64_t*>(keys.get());
  auto* pos = static_cast<uint64_t*>(positions.get());
  unsigned grid = grid_for(padded);
  launch(op, ordered::pairs_kernel<Dest>, grid, kThreads, dest, key, pos, count, padded);
  for (int64_t size = 2; size <= padded; size <<= 1)
    for (int64_t stride = size / 2; stride > 0; stride >>= 1)
      launch(op, ordered::bitonic_step_kernel<uint64_t>, grid, kThreads, key, pos, padded, size,
             stride);
  launch(op, ordered::sum_runs_kernel<T>, grid_for(count), kThreads, key, pos, src, out, count);
}

}  // namespace xgrad::cuda
