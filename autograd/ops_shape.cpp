// Shape ops. reshape/view/flatten/squeeze/unsqueeze share storage; permute, expand, narrow and
// cat copy (every tensor is contiguous). split, chunk, repeat and roll are made of these, so their
// gradients are theirs; flip runs index_select's kernel and is its own derivative.
#include <algorithm>
#include <numeric>
#include <string>

#include "autograd/op.hpp"

namespace xgrad {

namespace {

// The backward of narrow: `g` placed at [start, start + len) of dim in zeros of shape `full`;
// its own backward narrows again.
Tensor narrow_into_zeros(const Tensor& g, const Shape& full, int64_t dim, int64_t start) {
  Tensor out = zeros(full, TensorOptions{g.dtype(), g.device()});
  int64_t outer, inner;
  split_at(full, dim, outer, inner);
  kernels_for(g, "narrow_backward").slice(g, out, outer, g.shape()[dim], full[dim], inner, start, true);
  if (Recorder r{"narrow_backward", out, {&g}})
    r.backward([dim, start, length = g.shape()[dim]](Grads& gr) { gr[0] = narrow(gr.out, dim, start, length); });
  return out;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& s, Where loc) {
  CallSite site(loc);
  const char* op = "reshape";
  check_defined(op, x);
  Shape target = s;
  int64_t infer = -1, known = 1;
  for (int64_t i = 0; i < s.ndim(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) fail(op, "only one dim can be -1, got " + s.str());
      infer = i;
    } else if (s[i] < 0) {
      fail(op, "invalid dim " + std::to_string(s[i]) + " in " + s.str());
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || x.numel() % known != 0)
      fail(op, "shape " + s.str() + " is invalid for a tensor of " + std::to_string(x.numel()) + " elements (shape " +
                   x.shape().str() + ")");
    target[infer] = x.numel() / known;
  }
  if (target.numel() != x.numel())
    fail(op, "shape " + s.str() + " is invalid for a tensor of " + std::to_string(x.numel()) + " elements (shape " +
                 x.shape().str() + ")");
  if (target == x.shape()) return x;
  Tensor out = alias_with_shape(x, target);
  if (Recorder r{op, out, {&x}}) r.backward([shape = x.shape()](Grads& g) { g[0] = reshape(g.out, shape); });
  return out;
}

Tensor flatten(const Tensor& x, int64_t start_dim, int64_t end_dim, Where loc) {
  CallSite site(loc);
  check_defined("flatten", x);
  int64_t a = wrap_dim("flatten", start_dim, x.dim()), b = wrap_dim("flatten", end_dim, x.dim());
  if (x.dim() == 0) return reshape(x, {1});  // dims 0 and -1 name its one implicit dim
  if (a > b) fail("flatten", "start_dim " + std::to_string(start_dim) + " comes after end_dim " + std::to_string(end_dim));
  Shape s;
  for (int64_t i = 0; i < a; ++i) s.push_back(x.shape()[i]);
  int64_t n = 1;
  for (int64_t i = a; i <= b; ++i) n *= x.shape()[i];
  s.push_back(n);
  for (int64_t i = b + 1; i < x.dim(); ++i) s.push_back(x.shape()[i]);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, Where loc) {
  CallSite site(loc);
  check_defined("squeeze", x);
  Shape s;
  for (int64_t d : x.shape())
    if (d != 1) s.push_back(d);
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, int64_t dim, Where loc) {
  CallSite site(loc);
  check_defined("squeeze", x);
  int64_t d = wrap_dim("squeeze", dim, x.dim());
  if (x.dim() == 0 || x.shape()[d] != 1) return x;
  Shape s = x.shape();
  s.erase(d);
  return reshape(x, s);
}

Tensor unsqueeze(const Tensor& x, int64_t dim, Where loc) {
  CallSite site(loc);
  check_defined("unsqueeze", x);
  int64_t d = wrap_dim("unsqueeze", dim, x.dim() + 1);
  Shape s = x.shape();
  s.insert(d, 1);
  return reshape(x, s);
}

Tensor permute(const Tensor& x, const Dims& dims, Where loc) {
  CallSite site(loc);
  const char* op = "permute";
  check_defined(op, x);
  if (dims.size() != x.dim())
    fail(op, "got " + std::to_string(dims.size()) + " dims " + dims.str() + " for a tensor of shape " + x.shape().str());
  Shape perm, out_shape;
  std::vector<bool> seen(x.dim(), false);
  bool identity = true;
  for (int64_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(op, dims[i], x.dim());
    if (seen[d]) fail(op, "dim " + std::to_string(dims[i]) + " repeats in " + dims.str());
    seen[d] = true;
    perm.push_back(d);
    out_shape.push_back(x.shape()[d]);
    identity = identity && d == i;
  }
  if (identity) return x;
  Tensor out = make_tensor(out_shape, x.dtype(), x.device());
  kernels_for(x, op).permute(x, out, perm);
  if (Recorder r{op, out, {&x}}) {
    std::vector<int64_t> inverse(perm.ndim());  // the permutation that undoes perm
    for (int64_t i = 0; i < perm.ndim(); ++i) inverse[perm[i]] = i;
    r.backward([inverse = Dims(inverse)](Grads& g) { g[0] = permute(g.out, inverse); });
  }
  return out;
}

Tensor transpose(const Tensor& x, int64_t d0, int64_t d1, Where loc) {
  CallSite site(loc);
  check_defined("transpose", x);
  int64_t a = wrap_dim("transpose", d0, x.dim()), b = wrap_dim("transpose", d1, x.dim());
  if (x.dim() < 2) return x;
  std::vector<int64_t> perm(x.dim());
  for (int64_t i = 0; i < x.dim(); ++i) perm[i] = i;
  std::swap(perm[a], perm[b]);
  return permute(x, perm);
}

Tensor expand(const Tensor& x, const Shape& s, Where loc) {
  CallSite site(loc);
  const char* op = "expand";
  check_defined(op, x);
  if (s.ndim() < x.dim())
    fail(op, "the target shape " + s.str() + " has fewer dims than the tensor's shape " + x.shape().str());
  Shape target = s;
  int64_t lead = s.ndim() - x.dim();
  for (int64_t i = 0; i < s.ndim(); ++i) {
    int64_t have = i < lead ? 1 : x.shape()[i - lead];
    if (s[i] == -1) {
      if (i < lead) fail(op, "-1 is not allowed for the new leading dim " + std::to_string(i) + " in " + s.str());
      target[i] = have;
    } else if (have != s[i] && have != 1) {
      fail(op, "cannot expand shape " + x.shape().str() + " to " + s.str() + " (dim " + std::to_string(i) + ": " +
                   std::to_string(have) + " vs " + std::to_string(s[i]) + ")");
    }
  }
  if (target == x.shape()) return x;
  Tensor out = make_tensor(target, x.dtype(), x.device());
  kernels_for(x, op).expand(x, out);
  if (Recorder r{op, out, {&x}}) r.backward([shape = x.shape()](Grads& g) { g[0] = sum_to(g.out, shape); });
  return out;
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length, Where loc) {
  CallSite site(loc);
  const char* op = "narrow";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot narrow a 0-d tensor");
  int64_t d = wrap_dim(op, dim, x.dim());
  int64_t size = x.shape()[d];
  if (start < 0) start += size;
  if (start < 0 || length < 0 || start + length > size)
    fail(op, "range [" + std::to_string(start) + ", " + std::to_string(start + length) + ") is outside dim " +
                 std::to_string(dim) + " of size " + std::to_string(size) + " (shape " + x.shape().str() + ")");
  if (length == size) return x;
  Shape s = x.shape();
  s[d] = length;
  Tensor out = make_tensor(s, x.dtype(), x.device());
  int64_t outer, inner;
  split_at(x.shape(), d, outer, inner);
  kernels_for(x, op).slice(x, out, outer, size, length, inner, start, false);
  if (Recorder r{op, out, {&x}})
    r.backward([shape = x.shape(), d, start](Grads& g) { g[0] = narrow_into_zeros(g.out, shape, d, start); });
  return out;
}

Tensor cat(const std::vector<Tensor>& xs, int64_t dim, Where loc) {
  CallSite site(loc);
  const char* op = "cat";
  if (xs.empty()) fail(op, "expected at least one tensor");
  for (auto& t : xs) check_defined(op, t);
  const Tensor& first = xs[0];
  if (first.dim() == 0) fail(op, "cannot concatenate 0-d tensors (use stack)");
  int64_t d = wrap_dim(op, dim, first.dim());
  Shape s = first.shape();
  s[d] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    check_same_dtype(op, first, t);
    check_same_device(op, first, t);
    bool ok = t.dim() == first.dim();
    for (int64_t j = 0; ok && j < t.dim(); ++j) ok = j == d || t.shape()[j] == first.shape()[j];
    if (!ok)
      fail(op, "tensor " + std::to_string(i) + " has shape " + t.shape().str() + ", which differs from " +
                   first.shape().str() + " outside dim " + std::to_string(d));
    s[d] += t.shape()[d];
  }
  Tensor out = make_tensor(s, first.dtype(), first.device());
  int64_t outer, inner, offset = 0;
  split_at(s, d, outer, inner);
  auto& k = kernels_for(first, op);
  for (auto& t : xs) {
    if (t.numel()) k.slice(t, out, outer, t.shape()[d], s[d], inner, offset, true);
    offset += t.shape()[d];
  }
  if (Recorder r{op, out, xs}) {
    std::vector<int64_t> sizes;  // each input's extent along d
    for (auto& t : xs) sizes.push_back(t.shape()[d]);
    r.backward([d, sizes = std::move(sizes)](Grads& g) {
      int64_t start = 0;
      for (size_t i = 0; i < sizes.size(); ++i) {
        if (g.needs(i)) g[i] = narrow(g.out, d, start, sizes[i]);
        start += sizes[i];
      }
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, int64_t dim, Where loc) {
  CallSite site(loc);
  if (xs.empty()) fail("stack", "expected at least one tensor");
  check_defined("stack", xs[0]);
  for (size_t i = 1; i < xs.size(); ++i) {
    check_defined("stack", xs[i]);
    check_same_device("stack", xs[0], xs[i]);  // named as stack, not as the cat it becomes
    if (!(xs[i].shape() == xs[0].shape()))
      fail("stack", "tensor " + std::to_string(i) + " has shape " + xs[i].shape().str() + ", expected " +
                        xs[0].shape().str());
  }
  int64_t d = wrap_dim("stack", dim, xs[0].dim() + 1);
  std::vector<Tensor> us;
  us.reserve(xs.size());
  for (auto& t : xs) us.push_back(unsqueeze(t, d));
  return cat(us, d);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim,
                          Where loc) {
  CallSite site(loc);
  const char* op = "split";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot split a 0-d tensor");
  int64_t d = wrap_dim(op, dim, x.dim()), total = 0;
  std::string listed;
  for (int64_t n : sizes) {
    listed += (listed.empty() ? "" : ", ") + std::to_string(n);
    if (n < 0) fail(op, "split sizes must be non-negative, got [" + listed + "]");
    total += n;
  }
  if (total != x.shape()[d])
    fail(op, "split sizes [" + listed + "] add up to " + std::to_string(total) + ", but dim " +
                 std::to_string(dim) + " of shape " + x.shape().str() + " has size " +
                 std::to_string(x.shape()[d]));
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t n : sizes) {
    out.push_back(narrow(x, d, start, n));
    start += n;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim, Where loc) {
  CallSite site(loc);
  const char* op = "split";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot split a 0-d tensor");
  int64_t size = x.shape()[wrap_dim(op, dim, x.dim())];
  if (split_size < 0 || (split_size == 0 && size != 0))
    fail(op, "split_size must be positive, got " + std::to_string(split_size));
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < size; start += split_size)
    sizes.push_back(std::min(split_size, size - start));
  if (sizes.empty()) sizes.push_back(0);  // an empty dim gives one empty piece, as PyTorch
  return split(x, sizes, dim);
}

// Pieces of ceil(size / chunks), so there may be fewer than `chunks` of them (as PyTorch).
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim, Where loc) {
  CallSite site(loc);
  const char* op = "chunk";
  check_defined(op, x);
  if (x.dim() == 0) fail(op, "cannot chunk a 0-d tensor");
  if (chunks <= 0) fail(op, "chunks must be positive, got " + std::to_string(chunks));
  const int64_t d = wrap_dim(op, dim, x.dim()), size = x.shape()[d];
  if (size == 0) {  // as PyTorch: `chunks` empty pieces
    std::vector<Tensor> pieces;
    for (int64_t i = 0; i < chunks; ++i) pieces.push_back(narrow(x, d, 0, 0));
    return pieces;
  }
  return split(x, (size + chunks - 1) / chunks, d);
}

// Tiles x: dim i of the result is repeats[i] copies of x's dim i, x's shape padded with leading 1s.
// Each repeated dim is one expand of [before, 1, rest] to [before, r, rest].
Tensor repeat(const Tensor& x, const Shape& repeats, Where loc) {
  CallSite site(loc);
  const char* op = "repeat";
  check_defined(op, x);
  if (repeats.ndim() < x.dim())
    fail(op, "got " + std::to_string(repeats.ndim()) + " repeats " + repeats.str() +
                 " for a tensor of " + std::to_string(x.dim()) + " dims (shape " + x.shape().str() +
                 "): give at least one per dim");
  for (int64_t r : repeats)
    if (r < 0) fail(op, "repeats must be non-negative, got " + repeats.str());
  Shape padded;
  for (int64_t i = 0; i < repeats.ndim(); ++i)
    padded.push_back(i < repeats.ndim() - x.dim() ? 1 : x.shape()[i - (repeats.ndim() - x.dim())]);
  Tensor y = reshape(x, padded);
  Shape s = padded;
  for (int64_t i = 0; i < repeats.ndim(); ++i) {
    if (repeats[i] == 1) continue;
    int64_t before = 1, rest = 1;
    for (int64_t j = 0; j < i; ++j) before *= s[j];
    for (int64_t j = i; j < s.ndim(); ++j) rest *= s[j];
    y = expand(reshape(y, {before, 1, rest}), {before, repeats[i], rest});
    s[i] *= repeats[i];
    y = reshape(y, s);
  }
  return y;
}

Tensor flip(const Tensor& x, const Dims& dims, Where loc) {
  CallSite site(loc);
  const char* op = "flip";
  check_defined(op, x);
  std::vector<bool> seen(std::max<int64_t>(x.dim(), 1), false);
  Dims wrapped;
  for (int64_t d : dims) {
    int64_t w = wrap_dim(op, d, x.dim());
    if (seen[w]) fail(op, "dim " + std::to_string(d) + " appears more than once in " + dims.str());
    seen[w] = true;
    wrapped.push_back(w);
  }
  Tensor out = x.detach().clone();
  auto& k = kernels_for(x, op);
  for (int64_t d : wrapped) {
    if (x.dim() == 0 || x.shape()[d] < 2 || x.numel() == 0) continue;
    int64_t n = x.shape()[d], outer, inner;
    split_at(x.shape(), d, outer, inner);
    Tensor reversed =
        arange(static_cast<double>(n - 1), -1.0, -1.0, TensorOptions{kInt64, x.device()});
    Tensor next = make_tensor(x.shape(), x.dtype(), x.device());
    k.index_select(out, reversed, next, outer, n, inner);
    out = next;
  }
  if (Recorder r{op, out, {&x}}) r.backward([wrapped](Grads& g) { g[0] = flip(g.out, wrapped); });
  return out;
}

// Each shift moves its dim's entries forward, wrapping around: two narrows and a cat. Without dims,
// the flattened tensor rolls by one shift.
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts, const Dims& dims, Where loc) {
  CallSite site(loc);
  const char* op = "roll";
  check_defined(op, x);
  const std::string shifts_str = Dims(shifts).str();
  if (dims.empty()) {
    if (shifts.size() != 1)
      fail(op, "without dims, give exactly one shift (got " + shifts_str + ")");
    return reshape(roll(reshape(x, {-1}), shifts, {0}), x.shape());
  }
  if (static_cast<int64_t>(shifts.size()) != dims.size())
    fail(op, "got " + std::to_string(shifts.size()) + " shifts " + shifts_str + " for " +
                 std::to_string(dims.size()) + " dims " + dims.str());
  Tensor y = x;
  for (int64_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(op, dims[i], x.dim());
    int64_t n = x.shape()[d];
    if (n == 0) continue;
    int64_t s = ((shifts[i] % n) + n) % n;
    if (s == 0) continue;
    y = cat({narrow(y, d, n - s, s), narrow(y, d, 0, n - s)}, d);
  }
  return y.same(x) ? x.clone() : y;
}

Tensor Tensor::reshape(const Shape& s, Where loc) const {
  return xgrad::reshape(*this, s, loc);  // the op opens the call site
}
Tensor Tensor::flatten(int64_t a, int64_t b, Where loc) const {
  return xgrad::flatten(*this, a, b, loc);  // the op opens the call site
}
Tensor Tensor::squeeze(Where loc) const {
  return xgrad::squeeze(*this, loc);  // the op opens the call site
}
Tensor Tensor::squeeze(int64_t d, Where loc) const {
  return xgrad::squeeze(*this, d, loc);  // the op opens the call site
}
Tensor Tensor::unsqueeze(int64_t d, Where loc) const {
  return xgrad::unsqueeze(*this, d, loc);  // the op opens the call site
}
Tensor Tensor::t(Where loc) const {
  CallSite site(loc);
  check_defined("t", *this);
  if (dim() > 2) fail("t", "expects a tensor of at most 2 dims, got shape " + shape().str() + " (use transpose)");
  if (dim() < 2) return *this;  // 0-D and 1-D: itself, as in PyTorch
  return xgrad::transpose(*this, 0, 1);
}
Tensor Tensor::transpose(int64_t a, int64_t b, Where loc) const {
  return xgrad::transpose(*this, a, b, loc);  // the op opens the call site
}
Tensor Tensor::permute(const Dims& dims, Where loc) const {
  return xgrad::permute(*this, dims, loc);  // the op opens the call site
}
Tensor Tensor::expand(const Shape& s, Where loc) const {
  return xgrad::expand(*this, s, loc);  // the op opens the call site
}
Tensor Tensor::narrow(int64_t d, int64_t start, int64_t len, Where loc) const {
  return xgrad::narrow(*this, d, start, len, loc);  // the op opens the call site
}
Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, Where loc) const {
  CallSite site(loc);
  check_defined("slice", *this);
  int64_t w = wrap_dim("slice", d, dim());
  int64_t size = shape()[w];
  auto clampi = [size](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
  int64_t a = clampi(start), b = clampi(end);
  return xgrad::narrow(*this, w, a, std::max<int64_t>(b - a, 0));
}
Tensor Tensor::select(int64_t d, int64_t index, Where loc) const {
  CallSite site(loc);
  check_defined("select", *this);
  int64_t w = wrap_dim("select", d, dim());
  int64_t size = shape()[w];
  if (index < -size || index >= size)
    fail("select", "index " + std::to_string(index) + " is out of range for dim " + std::to_string(d) + " of size " +
                       std::to_string(size));
  return xgrad::squeeze(xgrad::narrow(*this, w, index < 0 ? index + size : index, 1), w);
}

}  // namespace xgrad
