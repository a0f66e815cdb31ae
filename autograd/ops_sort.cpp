// Ordering ops: sort (stable, values and int64 indices) and topk. The kernel finds the positions;
// the values are gather's, so their gradient is gather's backward (scatter_add).
#include <algorithm>
#include <string>

#include "autograd/op.hpp"

namespace xgrad {

ValuesIndices sort(const Tensor& x, int64_t dim, bool descending, Where loc) {
  CallSite site(loc);
  const char* op = "sort";
  check_defined(op, x);
  int64_t d = wrap_dim(op, dim, std::max<int64_t>(x.dim(), 1));
  if (x.dim() == 0) return {x.clone(), zeros({}, TensorOptions{kInt64, x.device()})};
  Tensor indices = make_tensor(x.shape(), kInt64, x.device());
  int64_t outer, inner;
  split_at(x.shape(), d, outer, inner);
  if (x.numel())
    kernels_for(x, op).sort_indices(x, indices, outer, x.shape()[d], inner, descending);
  return {gather(x, d, indices), indices};
}

// The k largest (or smallest) along dim, in order; ties keep their order in x.
ValuesIndices topk(const Tensor& x, int64_t k, int64_t dim, bool largest, Where loc) {
  CallSite site(loc);
  const char* op = "topk";
  check_defined(op, x);
  int64_t d = wrap_dim(op, dim, std::max<int64_t>(x.dim(), 1));
  int64_t size = x.dim() == 0 ? 1 : x.shape()[d];
  if (k < 0 || k > size)
    fail(op, "k = " + std::to_string(k) + " is out of range for dim " + std::to_string(dim) +
                 " of size " + std::to_string(size) + " (shape " + x.shape().str() + ")");
  if (x.dim() == 0) return sort(x, dim, largest);
  Tensor indices = narrow(sort(x.detach(), d, largest).indices, d, 0, k);
  return {gather(x, d, indices), indices};
}

}  // namespace xgrad
