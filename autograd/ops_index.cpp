// Indexing ops (index_select, gather, scatter_add, index_add, one_hot), their assigning forms
// (masked_fill, scatter, index_put, made of where and the accumulating ops, so their gradients are
// those ops'), and the softmax family. Masks are 0/1 tensors of any dtype: nonzero is true.
#include <cmath>
#include <string>
#include <vector>

#include "autograd/nll.hpp"
#include "autograd/op.hpp"

namespace xgrad {

namespace {

// The index of gather/scatter_add: int64, x's number of dims, x's extents outside `dim`.
void check_gather_index(const char* op, const Tensor& x, int64_t d, const Tensor& index) {
  check_defined(op, index);
  check_same_device(op, x, index);
  check_dtype(op, index, kInt64, "index");
  bool ok = index.dim() == x.dim();
  for (int64_t i = 0; ok && i < x.dim(); ++i) ok = i == d || index.shape()[i] == x.shape()[i];
  if (!ok)
    fail(op, "index shape " + index.shape().str() + " must match shape " + x.shape().str() + " except in dim " +
                 std::to_string(d));
  check_index_range(op, index, x.shape()[d]);
}

void check_select_index(const char* op, const Tensor& x, int64_t d, const Tensor& index) {
  check_defined(op, index);
  check_same_device(op, x, index);
  check_dtype(op, index, kInt64, "index");
  if (index.dim() != 1) fail(op, "index must be 1-D, got shape " + index.shape().str());
  check_index_range(op, index, x.shape()[d]);
}

// softmax: dx = y (g - sum(g y));  log_softmax: dx = g - e^y sum(g), summed over dim.
Tensor softmax_impl(const char* op, const Tensor& x, int64_t dim, bool log) {
  check_defined(op, x);
  check_floating(op, x);
  int64_t d = wrap_dim(op, dim, x.dim());
  Tensor out = make_tensor(x.shape(), x.dtype(), x.device());
  int64_t outer, inner;
  Shape s = x.dim() == 0 ? Shape{1} : x.shape();
  split_at(s, d, outer, inner);
  if (x.numel()) kernels_for(x, op).softmax(x, out, outer, s[d], inner, log);
  if (Recorder r{op, out, {&x}})
    r.backward([y = r.save_output(), d, log](Grads& g) {
      Tensor yv = g(y);
      g[0] = log ? sub(g.out, mul(exp(yv), sum(g.out, {d}, true))) : mul(yv, sub(g.out, sum(mul(g.out, yv), {d}, true)));
    });
  return out;
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index, Where loc) {
  CallSite site(loc);
  const char* op = "index_select";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot index a 0-d tensor");
  int64_t d = wrap_dim(op, dim, x.dim());
  check_select_index(op, x, d, index);
  Shape s = x.shape();
  s[d] = index.numel();
  Tensor out = make_tensor(s, x.dtype(), x.device());
  int64_t outer, inner;
  split_at(x.shape(), d, outer, inner);
  if (out.numel()) kernels_for(x, op).index_select(x, index, out, outer, x.shape()[d], inner);
  if (Recorder r{op, out, {&x}})
    r.backward([index = r.save(index), shape = x.shape(), d](Grads& g) {
      g[0] = index_add(zeros(shape, TensorOptions{g.out.dtype(), g.out.device()}), d, g(index), g.out);
    });
  return out;
}

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                 Where loc) {
  CallSite site(loc);
  const char* op = "index_add";
  check_defined(op, self);
  check_defined(op, src);
  check_same_dtype(op, self, src);
  check_same_device(op, self, src);
  if (self.dim() == 0) fail(op, "cannot index a 0-d tensor");
  int64_t d = wrap_dim(op, dim, self.dim());
  check_select_index(op, self, d, index);
  Shape want = self.shape();
  want[d] = index.numel();
  if (!(src.shape() == want)) fail(op, "src has shape " + src.shape().str() + ", expected " + want.str());
  Tensor out = self.detach().clone();
  int64_t outer, inner;
  split_at(self.shape(), d, outer, inner);
  if (src.numel()) kernels_for(self, op).index_add(src, index, out, outer, self.shape()[d], inner);
  if (Recorder r{op, out, {&self, &index, &src}})
    r.backward([index = r.save(index), d](Grads& g) {
      if (g.needs(0)) g[0] = g.out;
      if (g.needs(2)) g[2] = index_select(g.out, d, g(index));
    });
  return out;
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index, Where loc) {
  CallSite site(loc);
  const char* op = "gather";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot index a 0-d tensor");
  int64_t d = wrap_dim(op, dim, x.dim());
  check_gather_index(op, x, d, index);
  Tensor out = make_tensor(index.shape(), x.dtype(), x.device());
  int64_t outer, inner;
  split_at(x.shape(), d, outer, inner);
  if (out.numel()) kernels_for(x, op).gather(x, index, out, outer, x.shape()[d], index.shape()[d], inner);
  if (Recorder r{op, out, {&x}})
    r.backward([index = r.save(index), shape = x.shape(), d](Grads& g) {
      g[0] = scatter_add(zeros(shape, TensorOptions{g.out.dtype(), g.out.device()}), d, g(index), g.out);
    });
  return out;
}

namespace {
// The gradient of nll_pick: `grad` scattered into zeros of x's shape. Recorded with x as an input
// (whose gradient is zero), so a second derivative through nll_loss is a zero tensor, as PyTorch's
// nll_loss_backward gives, not a missing one.
Tensor nll_pick_backward(const Tensor& grad, const Tensor& x, const Tensor& index) {
  Tensor out = scatter_add(zeros(x.shape(), TensorOptions{grad.dtype(), grad.device()}), 1, index, grad);
  if (Recorder r{"nll_loss_backward", out, {&grad, &x}})
    r.backward([index = r.save(index)](Grads& g) {
      if (g.needs(0)) g[0] = gather(g.out, 1, g(index));
      if (g.needs(1)) g[1] = zeros_like(g.out);
    });
  return out;
}
}  // namespace

Tensor nll_pick(const Tensor& logp, const Tensor& index) {
  Tensor out;
  {
    NoGradGuard no_grad;
    out = gather(logp, 1, index);
  }
  if (Recorder r{"nll_loss", out, {&logp}})
    r.backward([x = r.save(logp), index = r.save(index)](Grads& g) { g[0] = nll_pick_backward(g.out, g(x), g(index)); });
  return out;
}

namespace {
// scatter_add's and scatter's arguments: src like self, index a gather index shaped as src.
// Returns the wrapped dim.
int64_t check_scatter_args(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                           const Tensor& src) {
  check_defined(op, self);
  check_defined(op, src);
  check_same_dtype(op, self, src);
  check_same_device(op, self, src);
  if (self.dim() == 0) fail(op, "cannot index a 0-d tensor");
  int64_t d = wrap_dim(op, dim, self.dim());
  check_gather_index(op, self, d, index);
  if (!(src.shape() == index.shape()))
    fail(op, "src shape " + src.shape().str() + " must equal index shape " + index.shape().str());
  return d;
}

}  // namespace

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                   Where loc) {
  CallSite site(loc);
  const char* op = "scatter_add";
  int64_t d = check_scatter_args(op, self, dim, index, src);
  Tensor out = self.detach().clone();
  int64_t outer, inner;
  split_at(self.shape(), d, outer, inner);
  if (src.numel()) kernels_for(self, op).scatter_add(src, index, out, outer, self.shape()[d], index.shape()[d], inner);
  if (Recorder r{op, out, {&self, &index, &src}})
    r.backward([index = r.save(index), d](Grads& g) {
      if (g.needs(0)) g[0] = g.out;
      if (g.needs(2)) g[2] = gather(g.out, d, g(index));
    });
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value, Where loc) {
  CallSite site(loc);
  const char* op = "masked_fill";
  check_defined(op, x);
  check_defined(op, mask);
  check_same_device(op, x, mask);
  check_int64_scalar(op, x, value);
  if (mask.requires_grad()) fail(op, "the mask must not require grad");
  if (!(broadcast_shapes(op, x.shape(), mask.shape()) == x.shape()))
    fail(op, "mask of shape " + mask.shape().str() + " does not broadcast to the tensor's shape " +
                 x.shape().str());
  return where(mask, full({}, value, TensorOptions{x.dtype(), x.device()}), x);
}

namespace {
// Where `index` writes into `self`'s shape (0/1 in self's dtype), refusing a position written
// twice: PyTorch leaves which write wins undefined, so xgrad does not pick one.
Tensor written_once(const char* op, const Tensor& self, int64_t d, const Tensor& index) {
  NoGradGuard no_grad;
  TensorOptions o{self.dtype(), self.device()};
  Tensor hits = scatter_add(zeros(self.shape(), o), d, index, ones(index.shape(), o));
  if (hits.numel() && max(hits).item() > 1)
    fail(op, "index writes one position more than once (shape " + index.shape().str() +
                 "); the result would depend on the order of the writes: use scatter_add to add "
                 "them up");
  return hits;
}
}  // namespace

// out = self, with out[..., index[j], ...] = src[j] along dim (index and src shaped as
// scatter_add's).
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Where loc) {
  CallSite site(loc);
  const char* op = "scatter";
  int64_t d = check_scatter_args(op, self, dim, index, src);
  Tensor hits = written_once(op, self, d, index);
  Tensor placed =
      scatter_add(zeros(self.shape(), TensorOptions{self.dtype(), self.device()}), d, index, src);
  return where(hits, placed, self);
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, double value, Where loc) {
  CallSite site(loc);
  check_defined("scatter", self);
  check_defined("scatter", index);
  check_int64_scalar("scatter", self, value);
  return scatter(self, dim, index,
                 full(index.shape(), value, TensorOptions{self.dtype(), self.device()}));
}

namespace {
// index_put's indices, broadcast together and turned into row numbers of self seen as
// [rows, rest] (rows = the product of the indexed dims), negative indices counting from the end.
Tensor index_put_rows(const char* op, const Tensor& self, const std::vector<Tensor>& indices,
                      Shape& batch) {
  NoGradGuard no_grad;
  int64_t k = static_cast<int64_t>(indices.size());
  batch = Shape{};
  for (const Tensor& idx : indices) {
    check_defined(op, idx);
    check_same_device(op, self, idx);
    check_dtype(op, idx, kInt64, "index (for a 0/1 mask use masked_fill or where)");
    batch = broadcast_shapes(op, batch, idx.shape());
  }
  Tensor rows = zeros(batch, TensorOptions{kInt64, self.device()});
  for (int64_t i = 0; i < k; ++i) {
    int64_t n = self.shape()[i];
    Tensor idx = indices[i];
    if (idx.numel()) {
      int64_t lo, hi;
      index_bounds(op, idx, lo, hi);
      if (lo < -n || hi >= n)
        fail(op, "index " + std::to_string(lo < -n ? lo : hi) + " is out of range for dim " +
                     std::to_string(i) + " of size " + std::to_string(n) + " (shape " +
                     self.shape().str() + ")");
      if (lo < 0) idx = where(lt(idx, 0.0), add(idx, static_cast<double>(n)), idx);
    }
    rows = add(mul(rows, static_cast<double>(n)), idx);
  }
  return reshape(rows, {-1});
}
}  // namespace

// self[indices[0], ..., indices[k-1]] = values (or += with accumulate), indices int64 and broadcast
// together over self's first k dims; values broadcast to the indexed shape (the indices' shape,
// then self's remaining dims).
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate, Where loc) {
  CallSite site(loc);
  const char* op = "index_put";
  check_defined(op, self);
  check_defined(op, values);
  check_same_dtype(op, self, values);
  check_same_device(op, self, values);
  int64_t k = static_cast<int64_t>(indices.size());
  if (k == 0 || k > self.dim())
    fail(op, "got " + std::to_string(k) + " index tensors for a tensor of shape " +
                 self.shape().str() + " (expected 1 to " + std::to_string(self.dim()) + ")");
  Shape batch;
  Tensor rows = index_put_rows(op, self, indices, batch);
  Shape target = batch, rest;
  int64_t nrows = 1;
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (i < k)
      nrows *= self.shape()[i];
    else
      rest.push_back(self.shape()[i]);
  }
  for (int64_t r : rest) target.push_back(r);
  if (!(broadcast_shapes(op, values.shape(), target) == target))
    fail(op, "values of shape " + values.shape().str() + " do not broadcast to the indexed shape " +
                 target.str());
  Tensor v = reshape(expand(values, target), {batch.numel(), rest.numel()});
  Tensor s = reshape(self, {nrows, rest.numel()});
  if (accumulate) return reshape(index_add(s, 0, rows, v), self.shape());
  Tensor hits;
  {
    NoGradGuard no_grad;
    TensorOptions o{self.dtype(), self.device()};
    hits = index_add(zeros({nrows, 1}, o), 0, rows, ones({rows.numel(), 1}, o));
    if (hits.numel() && max(hits).item() > 1)
      fail(op,
           "the indices name one position more than once; the result would depend on the order of "
           "the "
           "writes: pass accumulate = true to add them up");
  }
  Tensor placed = index_add(zeros_like(s), 0, rows, v);
  return reshape(where(hits, placed, s), self.shape());
}

Tensor one_hot(const Tensor& labels, int64_t num_classes, Where loc) {
  CallSite site(loc);
  const char* op = "one_hot";
  check_defined(op, labels);
  check_dtype(op, labels, kInt64, "labels");
  if (num_classes < 0) {
    if (labels.numel() == 0) fail(op, "cannot infer num_classes from empty labels");
    num_classes = static_cast<int64_t>(max(labels).item()) + 1;
  }
  check_index_range(op, labels, num_classes);
  Shape s = labels.shape();
  s.push_back(num_classes);
  Tensor out = make_tensor(s, kInt64, labels.device());
  if (out.numel()) kernels_for(labels, op).one_hot(labels, out, num_classes);
  return out;
}

Tensor softmax(const Tensor& x, int64_t dim, Where loc) {
  CallSite site(loc);
  return softmax_impl("softmax", x, dim, false);
}
Tensor log_softmax(const Tensor& x, int64_t dim, Where loc) {
  CallSite site(loc);
  return softmax_impl("log_softmax", x, dim, true);
}

Tensor softmax_cross_entropy(const Tensor& x, const Tensor& target, bool mean, Where loc) {
  CallSite site(loc);
  const char* op = "cross_entropy";
  check_defined(op, x);
  check_defined(op, target);
  check_floating(op, x);
  check_same_device(op, x, target);
  check_dtype(op, target, kInt64, "target");
  if (x.dim() != 2) fail(op, "expected logits [N, C], got shape " + x.shape().str());
  int64_t rows = x.shape()[0], classes = x.shape()[1];
  if (target.dim() != 1 || target.shape()[0] != rows)
    fail(op, "target shape " + target.shape().str() + " does not match input shape " + x.shape().str() +
                 " (expected [" + std::to_string(rows) + "]: the input without its class dimension 1)");
  if (rows) {
    int64_t mn, mx;
    index_bounds(op, target, mn, mx);
    if (mn < 0 || mx >= classes)
      fail(op, "target class " + std::to_string(mn < 0 ? mn : mx) + " is out of bounds for " +
                   std::to_string(classes) + " classes [0, " + std::to_string(classes) + ")");
  }
  auto& k = kernels_for(x, op);
  Tensor logp = make_tensor(x.shape(), x.dtype(), x.device());
  Tensor loss = make_tensor({}, x.dtype(), x.device());
  double scale = mean ? 1.0 / static_cast<double>(rows) : 1.0;  // mean of none is NaN, as 0/0
  if (x.numel()) {
    k.softmax(x, logp, rows, classes, 1, true);
    Tensor picked = make_tensor({rows, 1}, x.dtype(), x.device());
    k.gather(logp, target.reshape({rows, 1}), picked, rows, classes, 1, 1);
    k.reduce(kernels::Reduce::sum, picked, loss, 1, rows, 1);
    k.unary(kernels::Unary::mul_scalar, loss, loss, -scale, 0);
  } else {
    k.fill(loss, mean ? std::nan("") : 0.0);
  }
  // loss = -scale * sum_i logp[i, t_i]:  dx = scale * g * (softmax(x) - one_hot(t)). Without
  // create_graph the gradient is built by kernels from the saved log-probabilities; with it, by
  // differentiable ops on the saved logits, so higher-order gradients stay exact.
  if (Recorder r{op, loss, {&x}})
    r.backward([x = r.save(x), logp = r.save(logp), target = r.save(target), scale](Grads& g) {
      Tensor t = g(target);
      if (GradMode::is_enabled()) {
        Tensor xv = g(x);
        Tensor onehot = one_hot(t, xv.shape()[1]).to(xv.dtype());
        g[0] = mul(sub(softmax(xv, 1), onehot), mul(g.out, scale));
        return;
      }
      Tensor lp = g(logp);
      int64_t rows = lp.shape()[0], classes = lp.shape()[1];
      auto& k = kernels_for(lp, "cross_entropy");
      Tensor gx = make_tensor(lp.shape(), lp.dtype(), lp.device());
      k.unary(kernels::Unary::exp, lp, gx, 0, 0);
      Tensor minus_one = make_tensor({rows, 1}, lp.dtype(), lp.device());
      k.fill(minus_one, -1.0);
      k.scatter_add(minus_one, t.reshape({rows, 1}), gx, rows, classes, 1, 1);
      k.binary(kernels::Binary::mul, gx, g.out, gx, 0);
      if (scale != 1.0) k.unary(kernels::Unary::mul_scalar, gx, gx, scale, 0);
      g[0] = gx;
    });
  return loss;
}

}  // namespace xgrad
