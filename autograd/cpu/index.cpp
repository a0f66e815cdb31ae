// Indexing kernels: index_select, index_add, gather, scatter_add and one_hot. Indices are int64
// and already range-checked by the ops layer.
#include <algorithm>

#include "autograd/cpu/cpu.hpp"

namespace xgrad::kernels::cpu_detail {

void index_select(const Tensor& x, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
                  int64_t inner) {
  const int64_t* idx = data<const int64_t>(index);
  const int64_t k = numel(index);
  dispatch_bytes(dtype(x), [&](auto tag) {
    using E = decltype(tag);
    const E* px = data<const E>(x);
    E* po = data<E>(out);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < k; ++j) {
        const E* from = px + (o * n + idx[j]) * inner;
        std::copy(from, from + inner, po + (o * k + j) * inner);
      }
    }
  });
}

void index_add(const Tensor& src, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
               int64_t inner) {
  const int64_t* idx = data<const int64_t>(index);
  const int64_t k = numel(index);
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = data<const T>(src);
    T* po = data<T>(out);
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < k; ++j) {
        const T* from = ps + (o * k + j) * inner;
        T* to = po + (o * n + idx[j]) * inner;
        for (int64_t i = 0; i < inner; ++i) to[i] += from[i];
      }
    }
  });
}

void gather(const Tensor& x, const Tensor& index, Tensor& out, int64_t outer, int64_t n, int64_t k,
            int64_t inner) {
  const int64_t* idx = data<const int64_t>(index);
  dispatch_bytes(dtype(x), [&](auto tag) {
    using E = decltype(tag);
    const E* px = data<const E>(x);
    E* po = data<E>(out);
    for (int64_t o = 0; o < outer; ++o) {
      const E* xo = px + o * n * inner;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = (o * k + j) * inner;
        for (int64_t i = 0; i < inner; ++i) po[at + i] = xo[idx[at + i] * inner + i];
      }
    }
  });
}

void scatter_add(const Tensor& src, const Tensor& index, Tensor& out, int64_t outer, int64_t n,
                 int64_t k, int64_t inner) {
  const int64_t* idx = data<const int64_t>(index);
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = data<const T>(src);
    T* po = data<T>(out);
    for (int64_t o = 0; o < outer; ++o) {
      T* oo = po + o * n * inner;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t at = (o * k + j) * inner;
        for (int64_t i = 0; i < inner; ++i) oo[idx[at + i] * inner + i] += ps[at + i];
      }
    }
  });
}

void one_hot(const Tensor& labels, Tensor& out, int64_t classes) {
  const int64_t* lab = data<const int64_t>(labels);
  const int64_t m = numel(labels);
  dispatch(dtype(out), [&](auto tag) {
    using T = decltype(tag);
    T* po = data<T>(out);
    std::fill(po, po + m * classes, T(0));
    for (int64_t r = 0; r < m; ++r) po[r * classes + lab[r]] = T(1);
  });
}

}  // namespace xgrad::kernels::cpu_detail
