// Reductions: sum, mean, var/std, max/min (values through gather, so their gradient is gather's),
// argmax/argmin, logsumexp, prod, norm, cumsum, and sum_to (the backward of broadcasting).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "autograd/op.hpp"

namespace xgrad {

using kernels::Reduce;

namespace {

// Sorted, unique, non-negative dims; all dims when `dims` is empty.
std::vector<int64_t> normalize_dims(const char* op, const Dims& dims, int64_t ndim) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t d : dims) {
    int64_t w = wrap_dim(op, d, ndim);
    if (std::find(out.begin(), out.end(), w) != out.end())
      fail(op, "dim " + std::to_string(d) + " appears more than once");
    out.push_back(w);
  }
  std::sort(out.begin(), out.end());
  if (ndim == 0) out.clear();  // dim 0 of a 0-d tensor: nothing to reduce
  return out;
}

Shape keepdim_shape(const Shape& s, const std::vector<int64_t>& dims) {
  Shape out = s;
  for (int64_t d : dims) out[d] = 1;
  return out;
}

Shape drop_dims(const Shape& s, const std::vector<int64_t>& dims) {
  Shape out;
  for (int64_t i = 0; i < s.ndim(); ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) out.push_back(s[i]);
  return out;
}

// Runs the reduce kernel over each run of adjacent dims, last run first.
Tensor reduce_dims(const char* op, Reduce k, const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor cur = x;
  Shape shape = x.shape();
  size_t i = dims.size();
  if (i == 0) {  // nothing to reduce: a copy keeps results independent of the input
    Tensor out = make_tensor(shape, x.dtype(), x.device());
    kernels_for(x, op).copy(out.data_ptr(), x.data_ptr(), x.numel() * element_size(x.dtype()));
    return out;
  }
  while (i > 0) {
    size_t j = i - 1;
    while (j > 0 && dims[j - 1] == dims[j] - 1) --j;
    int64_t first = dims[j], last = dims[i - 1];
    int64_t outer = 1, n = 1, inner = 1;
    for (int64_t d = 0; d < first; ++d) outer *= shape[d];
    for (int64_t d = first; d <= last; ++d) n *= shape[d];
    for (int64_t d = last + 1; d < shape.ndim(); ++d) inner *= shape[d];
    for (int64_t d = first; d <= last; ++d) shape[d] = 1;
    Tensor out = make_tensor(shape, x.dtype(), x.device());
    kernels_for(x, op).reduce(k, cur, out, outer, n, inner);
    cur = out;
    i = j;
  }
  return cur;
}

}  // namespace

Tensor sum(const Tensor& x, const Dims& dims, bool keepdim, Where loc) {
  CallSite site(loc);
  const char* op = "sum";
  check_defined(op, x);
  auto d = normalize_dims(op, dims, x.dim());
  Tensor kept = reduce_dims(op, Reduce::sum, x, d);
  Tensor out = keepdim ? kept : alias_with_shape(kept, drop_dims(x.shape(), d));
  out.impl()->is_view = false;
  if (Recorder r{op, out, {&x}})
    r.backward([shape = x.shape(), kept = keepdim_shape(x.shape(), d)](Grads& g) {
      g[0] = expand(reshape(g.out, kept), shape);
    });
  return out;
}
Tensor sum(const Tensor& x, Where loc) {
  CallSite site(loc);
  return sum(x, Dims{}, false);
}

Tensor mean(const Tensor& x, const Dims& dims, bool keepdim, Where loc) {
  CallSite site(loc);
  check_defined("mean", x);
  check_floating("mean", x);
  auto d = normalize_dims("mean", dims, x.dim());
  int64_t count = 1;
  for (int64_t i : d) count *= x.shape()[i];
  if (count == 0) fail("mean", "the reduced dims of shape " + x.shape().str() + " are empty");
  return div(sum(x, dims, keepdim), static_cast<double>(count));
}
Tensor mean(const Tensor& x, Where loc) {
  CallSite site(loc);
  return mean(x, Dims{}, false);
}

namespace {
// var, and std before its square root: errors name `op`, the function the user called.
Tensor variance(const char* op, const Tensor& x, const Dims& dims, int64_t correction, bool keepdim) {
  check_defined(op, x);
  check_floating(op, x);
  auto d = normalize_dims(op, dims, x.dim());
  int64_t count = 1;
  for (int64_t i : d) count *= x.shape()[i];
  if (count - correction <= 0)
    fail(op, std::to_string(count) + " elements are too few for correction " + std::to_string(correction));
  Tensor centered = sub(x, mean(x, dims, true));
  return div(sum(mul(centered, centered), dims, keepdim), static_cast<double>(count - correction));
}
}  // namespace

Tensor var(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim, Where loc) {
  CallSite site(loc);
  return variance("var", x, dims, correction, keepdim);
}
Tensor var(const Tensor& x, Where loc) {
  CallSite site(loc);
  return variance("var", x, Dims{}, 1, false);
}
Tensor std(const Tensor& x, const Dims& dims, int64_t correction, bool keepdim, Where loc) {
  CallSite site(loc);
  return sqrt(variance("std", x, dims, correction, keepdim));
}
Tensor std(const Tensor& x, Where loc) {
  CallSite site(loc);
  return sqrt(variance("std", x, Dims{}, 1, false));
}

namespace {
Tensor arg_reduce(const char* op, Reduce k, const Tensor& x, int64_t dim, bool keepdim) {
  check_defined(op, x);
  int64_t d = wrap_dim(op, dim, x.dim());
  Shape s = x.shape();
  if (x.dim() == 0) return zeros({}, TensorOptions{kInt64, x.device()});
  if (s[d] == 0) fail(op, "cannot reduce an empty dim (shape " + s.str() + ")");
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < d; ++i) outer *= s[i];
  for (int64_t i = d + 1; i < s.ndim(); ++i) inner *= s[i];
  Shape kept = s;
  kept[d] = 1;
  Tensor out = make_tensor(kept, kInt64, x.device());
  kernels_for(x, op).reduce(k, x, out, outer, s[d], inner);
  if (!keepdim) {
    kept.erase(d);
    out = alias_with_shape(out, kept);
    out.impl()->is_view = false;
  }
  return out;
}

ValuesIndices extreme(const char* op, Reduce k, const Tensor& x, int64_t dim, bool keepdim) {
  Tensor idx = arg_reduce(op, k, x, dim, true);
  if (x.dim() == 0) return {x.clone(), idx};
  Tensor values = gather(x, dim, idx);
  if (!keepdim) {
    int64_t d = wrap_dim(op, dim, x.dim());
    return {squeeze(values, d), squeeze(idx, d)};
  }
  return {values, idx};
}

Tensor extreme_all(const char* op, Reduce k, const Tensor& x) {
  check_defined(op, x);
  if (x.numel() == 0) fail(op, "cannot reduce an empty tensor");
  return reshape(extreme(op, k, reshape(x, {-1}), 0, false).values, Shape{});
}
}  // namespace

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  return extreme("max", Reduce::argmax, x, dim, keepdim);
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  return extreme("min", Reduce::argmin, x, dim, keepdim);
}
Tensor max(const Tensor& x, Where loc) {
  CallSite site(loc);
  return extreme_all("max", Reduce::argmax, x);
}
Tensor min(const Tensor& x, Where loc) {
  CallSite site(loc);
  return extreme_all("min", Reduce::argmin, x);
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  return arg_reduce("argmax", Reduce::argmax, x, dim, keepdim);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  return arg_reduce("argmin", Reduce::argmin, x, dim, keepdim);
}
Tensor argmax(const Tensor& x, Where loc) {
  CallSite site(loc);
  check_defined("argmax", x);
  return arg_reduce("argmax", Reduce::argmax, reshape(x, {-1}), 0, false);
}
Tensor argmin(const Tensor& x, Where loc) {
  CallSite site(loc);
  check_defined("argmin", x);
  return arg_reduce("argmin", Reduce::argmin, reshape(x, {-1}), 0, false);
}

Tensor logsumexp(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  check_defined("logsumexp", x);
  check_floating("logsumexp", x);
  Tensor m = extreme("logsumexp", Reduce::argmax, x, dim, true).values.detach();
  Tensor out = add(log(sum(exp(sub(x, m)), {dim}, true)), m);
  return keepdim ? out : squeeze(out, wrap_dim("logsumexp", dim, x.dim()));
}

// d/dx_j of the product = the product of the others. With no zero in the slice that is out / x_j;
// with one zero, only the zero's entry is nonzero (the product of the rest); with two or more,
// none. (The second derivative is exact where the slice has no zero.)
Tensor prod(const Tensor& x, int64_t dim, bool keepdim, Where loc) {
  CallSite site(loc);
  const char* op = "prod";
  check_defined(op, x);
  int64_t d = wrap_dim(op, dim, std::max<int64_t>(x.dim(), 1));
  Shape s = x.dim() == 0 ? Shape{1} : x.shape();
  int64_t outer, inner;
  split_at(s, d, outer, inner);
  Shape kept = s;
  kept[d] = 1;
  Tensor out = make_tensor(kept, x.dtype(), x.device());
  kernels_for(x, op).reduce(Reduce::prod, x, out, outer, s[d], inner);
  Shape final_shape = x.dim() == 0 ? Shape{} : kept;
  if (x.dim() > 0 && !keepdim) final_shape.erase(d);
  out = alias_with_shape(out, final_shape);
  out.impl()->is_view = false;
  if (Recorder r{op, out, {&x}})
    r.backward([x = r.save(x), d, kept = x.dim() == 0 ? Shape{} : kept](Grads& g) {
      Tensor xv = g(x), gk = reshape(g.out, kept);
      Tensor zero = eq(xv, 0.0), nonzero = add(xv, zero);  // zeros replaced by ones
      Tensor others = prod(nonzero, d, true), zeros_in = sum(zero, Dims{d}, true);
      Tensor at_zero = mul(others, eq(zeros_in, 1.0));
      Tensor elsewhere = div(mul(others, eq(zeros_in, 0.0)), nonzero);
      g[0] = mul(gk, where(zero, at_zero, elsewhere));
    });
  return out;
}
Tensor prod(const Tensor& x, Where loc) {
  CallSite site(loc);
  check_defined("prod", x);
  return reshape(prod(reshape(x, {-1}), 0, false), Shape{});
}

// Running sums along dim; the gradient is the running sum of the gradient taken from the end.
Tensor cumsum(const Tensor& x, int64_t dim, Where loc) {
  CallSite site(loc);
  const char* op = "cumsum";
  check_defined(op, x);
  int64_t d = wrap_dim(op, dim, std::max<int64_t>(x.dim(), 1));
  Shape s = x.dim() == 0 ? Shape{1} : x.shape();
  int64_t outer, inner;
  split_at(s, d, outer, inner);
  Tensor out = make_tensor(x.shape(), x.dtype(), x.device());
  if (x.numel()) kernels_for(x, op).cumsum(x, out, outer, s[d], inner);
  if (Recorder r{op, out, {&x}})
    r.backward([d, scalar = x.dim() == 0](Grads& g) {
      g[0] = scalar ? g.out : flip(cumsum(flip(g.out, {d}), d), {d});
    });
  return out;
}

namespace {
// The largest (or smallest) entry over dims, kept as size-1 dims; no graph.
Tensor extreme_over(const char* op, const Tensor& a, const std::vector<int64_t>& dims,
                    bool largest) {
  Tensor t = a;
  for (int64_t d : dims) {
    if (t.shape()[d] == 0)
      fail(op, "cannot take the extreme of an empty dim (shape " + a.shape().str() + ")");
    t = (largest ? max(t, d, true) : min(t, d, true)).values;
  }
  return dims.empty() ? t.clone() : t;
}

// The p-norm over dims, kept as size-1 dims, without a graph.
Tensor norm_value(const char* op, const Tensor& x, double p, const std::vector<int64_t>& dims) {
  NoGradGuard no_grad;
  Dims ds(dims);
  Tensor a = abs(x);
  if (std::isinf(p)) return extreme_over(op, a, dims, p > 0);
  if (p == 0) return sum(ne(x, 0.0), ds, true);
  if (p == 1) return sum(a, ds, true);
  if (p == 2) return sqrt(sum(mul(x, x), ds, true));
  return pow(sum(pow(a, p), ds, true), 1.0 / p);
}
}  // namespace

// The gradient: p = 1: sign(x); p = 2: x / norm; inf: sign(x) shared among the entries that reach
// the norm; other p: sign(x) |x|^(p-1) / norm^(p-1); zero where the norm is 0 (as PyTorch).
Tensor norm(const Tensor& x, double p, const Dims& dims, bool keepdim, Where loc) {
  CallSite site(loc);
  const char* op = "norm";
  check_defined(op, x);
  check_floating(op, x);
  if (std::isnan(p) || (p < 0 && !std::isinf(p)))
    fail(op, "p must be positive, 0, inf or -inf, got " + scalar_str(p));
  auto d = normalize_dims(op, dims, x.dim());
  Shape kept = keepdim_shape(x.shape(), d);
  Tensor out = alias_with_shape(norm_value(op, x, p, d), keepdim ? kept : drop_dims(x.shape(), d));
  out.impl()->is_view = false;
  if (Recorder r{op, out, {&x}})
    r.backward([x = r.save(x), n = r.save_output(), p, d, kept](Grads& g) {
      Tensor xv = g(x), nk = reshape(g(n), kept), gk = reshape(g.out, kept), sg = sign(xv);
      Tensor safe = where(eq(nk, 0.0), ones_like(nk), nk);  // x is 0 wherever the norm is
      if (p == 0) {
        g[0] = zeros_like(xv);
      } else if (p == 1) {
        g[0] = mul(gk, sg);
      } else if (p == 2) {
        g[0] = mul(gk, div(xv, safe));
      } else if (std::isinf(p)) {
        Tensor reach = eq(abs(xv), nk);
        g[0] = mul(div(gk, sum(reach, Dims(d), true)), mul(sg, reach));
      } else {
        Tensor a = abs(xv),
               a_safe = where(eq(xv, 0.0), ones_like(a), a);  // 0^(p-1) is inf for p < 1
        g[0] = mul(gk, div(mul(sg, pow(a_safe, p - 1)), pow(safe, p - 1)));
      }
    });
  return out;
}
Tensor norm(const Tensor& x, double p, Where loc) {
  CallSite site(loc);
  return norm(x, p, Dims{}, false);
}

Tensor sum_to(const Tensor& x, const Shape& shape, Where loc) {
  CallSite site(loc);
  if (x.shape() == shape) return x;
  int64_t lead = x.dim() - shape.ndim();
  if (lead < 0) fail("sum_to", "cannot sum shape " + x.shape().str() + " to the larger shape " + shape.str());
  Dims dims;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < lead) {
      dims.push_back(i);
    } else if (shape[i - lead] == 1 && x.shape()[i] != 1) {
      dims.push_back(i);
    } else if (shape[i - lead] != x.shape()[i]) {
      fail("sum_to", "shape " + x.shape().str() + " does not reduce to " + shape.str());
    }
  }
  if (dims.empty()) return reshape(x, shape);
  return reshape(sum(x, dims, true), shape);
}

Tensor Tensor::sum(Where loc) const {
  return xgrad::sum(*this, loc);  // the op opens the call site
}
Tensor Tensor::sum(const Dims& dims, bool keepdim, Where loc) const {
  return xgrad::sum(*this, dims, keepdim, loc);  // the op opens the call site
}
Tensor Tensor::mean(Where loc) const {
  return xgrad::mean(*this, loc);  // the op opens the call site
}
Tensor Tensor::mean(const Dims& dims, bool keepdim, Where loc) const {
  return xgrad::mean(*this, dims, keepdim, loc);  // the op opens the call site
}
Tensor Tensor::max(Where loc) const {
  return xgrad::max(*this, loc);  // the op opens the call site
}
Tensor Tensor::min(Where loc) const {
  return xgrad::min(*this, loc);  // the op opens the call site
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim, Where loc) const {
  CallSite site(loc);
  return dim ? xgrad::argmax(*this, *dim, keepdim) : xgrad::argmax(*this);
}

}  // namespace xgrad
