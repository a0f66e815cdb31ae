// Matrix products. Transposes are flags handed to GEMM, in the forward and in the backward
// formulas, so no transposed copy is ever made.
#include <algorithm>
#include <string>

#include "autograd/op.hpp"

namespace xgrad {

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b, Where loc) {
  CallSite site(loc);
  const char* op = "linear";
  check_defined(op, x);
  check_defined(op, w);
  check_same_dtype(op, x, w);
  check_same_device(op, x, w);
  check_floating(op, x);
  if (x.dim() != 2 || w.dim() != 2 || x.shape()[1] != w.shape()[1])
    fail(op, "expected input [N, in] and weight [out, in], got shapes " + x.shape().str() + " and " +
                 w.shape().str());
  int64_t rows = x.shape()[0], in = x.shape()[1], outs = w.shape()[0];
  if (b.defined()) {
    check_same_dtype(op, x, b);
    check_same_device(op, x, b);
    if (b.dim() != 1 || b.shape()[0] != outs)
      fail(op, "bias of shape " + b.shape().str() + " does not match weight of shape " + w.shape().str() +
                   " (expected [" + std::to_string(outs) + "])");
  }
  Tensor out = make_tensor({rows, outs}, x.dtype(), x.device());
  auto& k = kernels_for(x, op);
  if (b.defined() && out.numel()) k.expand(b, out);
  k.gemm(x, w, out, false, true, 1, rows, outs, in, 0, 0, 1.0, b.defined() ? 1.0 : 0.0);
  // y = x W^T + b:  dx = g W,  dW = g^T x,  db = the column sums of g.
  if (Recorder r{op, out, {&x, &w, &b}})
    r.backward([x = r.save(x), w = r.save(w)](Grads& g) {
      if (g.needs(0)) g[0] = mm(g.out, g(w));
      if (g.needs(1)) g[1] = mm(g.out, g(x), true, false);
      if (g.needs(2)) g[2] = sum(g.out, {0});
    });
  return out;
}

namespace {
// The gradient of an operand that one matrix served for a whole batch: the sum over the batch of
// each item's product. Built whole, the products [batch, rows, cols] take a copy of the matrix per
// item (a convolution's weight gradient: one per image); where they would hold more than
// kMaxBatchPartials elements they are summed in chunks of the batch instead, each chunk's sum
// added in order (the chunks depend on the shapes only, so the bits do not depend on threads).
constexpr int64_t kMaxBatchPartials = int64_t{1} << 24;
template <class Product>
Tensor summed_over_batch(const Tensor& d, const Tensor& other, const Shape& target, Product product) {
  if (d.dim() != 3 || other.dim() != 3 || target.ndim() != 2) return sum_to(product(d, other), target);
  const int64_t batch = d.shape()[0];
  const int64_t chunk = std::max<int64_t>(1, kMaxBatchPartials / std::max<int64_t>(1, target.numel()));
  if (chunk >= batch) return sum_to(product(d, other), target);
  Tensor total;
  for (int64_t s = 0; s < batch; s += chunk) {
    const int64_t len = std::min(chunk, batch - s);
    Tensor part = sum(product(narrow(d, 0, s, len), narrow(other, 0, s, len)), {0});
    total = total.defined() ? add(total, part) : part;
  }
  return total;
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b, bool ta, bool tb, Where loc) {
  CallSite site(loc);
  const char* op = "matmul";
  check_defined(op, a);
  check_defined(op, b);
  check_same_dtype(op, a, b);
  check_same_device(op, a, b);
  if (!is_floating(a.dtype())) fail(op, "int64 matrices are not supported; convert to float32 or float64");
  if (a.dim() < 2 || a.dim() > 3 || b.dim() < 2 || b.dim() > 3)
    fail(op, "expected 2-D or 3-D operands, got shapes " + a.shape().str() + " and " + b.shape().str());
  int64_t ra = a.dim() - 2, rb = b.dim() - 2;  // index of the row dim
  int64_t m = ta ? a.shape()[ra + 1] : a.shape()[ra];
  int64_t k = ta ? a.shape()[ra] : a.shape()[ra + 1];
  int64_t kb = tb ? b.shape()[rb + 1] : b.shape()[rb];
  int64_t n = tb ? b.shape()[rb] : b.shape()[rb + 1];
  if (k != kb)
    fail(op, "shapes " + a.shape().str() + (ta ? "^T" : "") + " and " + b.shape().str() + (tb ? "^T" : "") +
                 " cannot be multiplied (" + std::to_string(k) + " columns vs " + std::to_string(kb) + " rows)");
  int64_t batch = 1;
  if (a.dim() == 3 && b.dim() == 3 && a.shape()[0] != b.shape()[0])
    fail(op, "batch sizes differ: shapes " + a.shape().str() + " and " + b.shape().str());
  if (a.dim() == 3) batch = a.shape()[0];
  if (b.dim() == 3) batch = b.shape()[0];
  Shape s = (a.dim() == 3 || b.dim() == 3) ? Shape{batch, m, n} : Shape{m, n};
  Tensor out = make_tensor(s, a.dtype(), a.device());
  int64_t a_stride = a.dim() == 3 ? m * k : 0, b_stride = b.dim() == 3 ? k * n : 0;
  kernels_for(a, op).gemm(a, b, out, ta, tb, batch, m, n, k, a_stride, b_stride, 1.0, 0.0);
  // C = op(A) op(B):  dA = dC op(B)^T  (or op(B) dC^T when A is transposed),
  //                   dB = op(A)^T dC  (or dC^T op(A) when B is transposed);
  // summed over the batch where one operand is a single matrix.
  if (Recorder r{op, out, {&a, &b}})
    r.backward([a = r.save(a), b = r.save(b), sa = a.shape(), sb = b.shape(), ta, tb](Grads& g) {
      const Tensor& d = g.out;
      if (g.needs(0))
        g[0] = summed_over_batch(d, g(b), sa, [&](const Tensor& dc, const Tensor& bv) {
          return ta ? mm(bv, dc, tb, true) : mm(dc, bv, false, !tb);
        });
      if (g.needs(1))
        g[1] = summed_over_batch(d, g(a), sb, [&](const Tensor& dc, const Tensor& av) {
          return tb ? mm(dc, av, true, ta) : mm(av, dc, !ta, false);
        });
    });
  return out;
}

namespace {
// The dims of `s` before its last two.
Shape batch_dims(const Shape& s) {
  Shape b;
  for (int64_t i = 0; i + 2 < s.ndim(); ++i) b.push_back(s[i]);
  return b;
}

// An operand [batch..., r, c] as mm takes it: 2-D when its batch dims are all 1 (GEMM then
// broadcasts it with stride 0), else expanded to the common batch and flattened to 3-D.
Tensor as_gemm_operand(const Tensor& t, const Shape& batch) {
  int64_t r = t.shape()[t.dim() - 2], c = t.shape()[t.dim() - 1];
  if (batch_dims(t.shape()).numel() == 1) return reshape(t, {r, c});
  Shape full = batch;
  full.push_back(r);
  full.push_back(c);
  return reshape(expand(t, full), {batch.numel(), r, c});
}
}  // namespace

// torch.matmul's rules: 1-D . 1-D is a dot product; a 1-D operand becomes a row (left) or a
// column (right) that the result drops; otherwise the last two dims multiply and the dims before
// them broadcast. Expand's backward sums the gradient over broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b, Where loc) {
  CallSite site(loc);
  const char* op = "matmul";
  check_defined(op, a);
  check_defined(op, b);
  if (a.dim() == 0 || b.dim() == 0)
    fail(op, "expected operands of at least 1 dim, got shapes " + a.shape().str() + " and " +
                 b.shape().str());
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.numel() != b.numel())
      fail(op, "vectors of shapes " + a.shape().str() + " and " + b.shape().str() + " differ in length");
    return reshape(mm(reshape(a, {1, -1}), reshape(b, {-1, 1})), Shape{});
  }
  // Checked here, so the message shows the shapes as given (not the views mm sees).
  int64_t ka = a.shape()[a.dim() - 1], kb = b.dim() == 1 ? b.shape()[0] : b.shape()[b.dim() - 2];
  if (ka != kb)
    fail(op, "shapes " + a.shape().str() + " and " + b.shape().str() + " cannot be multiplied (" +
                 std::to_string(ka) + " columns vs " + std::to_string(kb) + " rows)");
  Tensor a2 = a.dim() == 1 ? reshape(a, {1, -1}) : a, b2 = b.dim() == 1 ? reshape(b, {-1, 1}) : b;
  Shape ba = batch_dims(a2.shape()), bb = batch_dims(b2.shape()), batch;
  int64_t lead = std::max(ba.ndim(), bb.ndim());
  for (int64_t i = 0; i < lead; ++i) {
    int64_t x = i < lead - ba.ndim() ? 1 : ba[i - (lead - ba.ndim())];
    int64_t y = i < lead - bb.ndim() ? 1 : bb[i - (lead - bb.ndim())];
    if (x != y && x != 1 && y != 1)
      fail(op, "batch dims of shapes " + a.shape().str() + " and " + b.shape().str() +
                   " do not broadcast (" + std::to_string(x) + " vs " + std::to_string(y) + ")");
    batch.push_back(x == 1 ? y : x);
  }
  Tensor c = mm(as_gemm_operand(a2, batch), as_gemm_operand(b2, batch));
  Shape s = batch;
  if (a.dim() > 1) s.push_back(a2.shape()[a2.dim() - 2]);
  if (b.dim() > 1) s.push_back(b2.shape()[b2.dim() - 1]);
  return reshape(c, s);
}

Tensor Tensor::matmul(const Tensor& o, Where loc) const {
  return xgrad::matmul(*this, o, loc);  // the op opens the call site
}

}  // namespace xgrad
