// The tensor ops of split/chunk/repeat/flip/roll, masked_fill/scatter/index_put, cumsum, prod,
// norm, sort/topk, the *_like factories and broadcasting matmul: values and gradients against
// PyTorch (tests/reference/tensor_ops_reference.py), gradients with zeros in prod's input, and
// every error path, each naming the op. Their gradcheck rows live in tests/op_table.hpp.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <xgrad/xgrad.hpp>

#include "reference/tensor_ops_reference.hpp"
#include "test_util.hpp"

using namespace xgrad;
using V = std::vector<Tensor>;
using test_util::contains;
using test_util::error_of;

namespace {

Tensor idx(std::initializer_list<double> v) { return tensor(v, kInt64); }
Tensor idx(std::initializer_list<std::initializer_list<double>> v) { return tensor(v).to(kInt64); }

Tensor cat_flat(const V& pieces, bool weighted = false) {
  V flat;
  for (size_t i = 0; i < pieces.size(); ++i)
    flat.push_back(
        reshape(weighted ? mul(pieces[i], static_cast<double>(i + 1)) : pieces[i], {-1}));
  return cat(flat);
}

// The same functions as the generator's, by case name.
const std::map<std::string, std::function<Tensor(const V&)>>& functions() {
  static const std::map<std::string, std::function<Tensor(const V&)>> fns = {
      {"split sizes [1,3] dim 1",
       [](const V& x) {
         return cat_flat(split(x[0], {1, 3}, 1));
       }},
      {"split size 2 dim 0", [](const V& x) { return cat_flat(split(x[0], 2, 0), true); }},
      {"chunk 3 dim 1", [](const V& x) { return cat_flat(chunk(x[0], 3, 1), true); }},
      {"repeat [2,1,3]",
       [](const V& x) {
         return repeat(x[0], {2, 1, 3});
       }},
      {"flip dims [0,2]",
       [](const V& x) {
         return flip(x[0], {0, 2});
       }},
      {"roll shifts [1,-2] dims [0,1]",
       [](const V& x) {
         return roll(x[0], {1, -2}, {0, 1});
       }},
      {"roll flattened 5", [](const V& x) { return roll(x[0], {5}); }},
      {"masked_fill mask [1,4]",
       [](const V& x) {
         return masked_fill(x[0], idx({{1, 0, 0, 1}}), -7.0);
       }},
      {"scatter dim 1",
       [](const V& x) {
         return scatter(x[0], 1, idx({{2, 0}, {1, 3}, {0, 1}}), mul(narrow(x[0], 1, 0, 2), 3.0));
       }},
      {"scatter value dim 0",
       [](const V& x) {
         return scatter(x[0], 0, idx({{2, 0, 1, 2}}), 2.5);
       }},
      {"index_put rows",
       [](const V& x) {
         return index_put(x[0], {idx({0, 2, -1})}, mul(narrow(x[0], 0, 0, 3), 2.0));
       }},
      {"index_put two indices",
       [](const V& x) {
         return index_put(x[0], {idx({0, 2}), idx({1, -1})}, mul(narrow(x[0][1], 0, 0, 2), -1.0));
       }},
      {"index_put accumulate",
       [](const V& x) {
         return index_put(x[0], {idx({0, 2, 0})}, narrow(x[0], 0, 1, 3), true);
       }},
      {"cumsum dim 1", [](const V& x) { return cumsum(x[0], 1); }},
      {"cumsum dim 0", [](const V& x) { return cumsum(x[0], 0); }},
      {"prod all with a zero", [](const V& x) { return prod(x[0]); }},
      {"prod all", [](const V& x) { return prod(x[0]); }},
      {"prod dim 1: no zero, one zero, two zeros", [](const V& x) { return prod(x[0], 1); }},
      {"prod dim 0 keepdim", [](const V& x) { return prod(x[0], 0, true); }},
      {"norm 2", [](const V& x) { return norm(x[0]); }},
      {"norm 1", [](const V& x) { return norm(x[0], 1); }},
      {"norm inf", [](const V& x) { return norm(x[0], INFINITY); }},
      {"norm -inf", [](const V& x) { return norm(x[0], -INFINITY); }},
      {"norm 3", [](const V& x) { return norm(x[0], 3); }},
      {"norm 0.5", [](const V& x) { return norm(x[0], 0.5); }},
      {"norm 0", [](const V& x) { return norm(x[0], 0); }},
      {"norm 2 dim 1 keepdim", [](const V& x) { return norm(x[0], 2, {1}, true); }},
      {"norm inf dim 0", [](const V& x) { return norm(x[0], INFINITY, {0}); }},
      {"norm 2 of zeros", [](const V& x) { return norm(x[0]); }},
      {"sort dim 1", [](const V& x) { return sort(x[0], 1).values; }},
      {"sort dim 0 descending", [](const V& x) { return sort(x[0], 0, true).values; }},
      {"topk 2 dim 1 largest", [](const V& x) { return topk(x[0], 2, 1).values; }},
      {"topk 3 dim 0 smallest", [](const V& x) { return topk(x[0], 3, 0, false).values; }},
      {"matmul [2,1,3,4] . [5,4,2]", [](const V& x) { return matmul(x[0], x[1]); }},
      {"matmul [4] . [2,3,4,2]", [](const V& x) { return matmul(x[0], x[1]); }},
      {"matmul [2,2,3,4] . [4]", [](const V& x) { return matmul(x[0], x[1]); }},
      {"matmul [3,4] . [2,1,4,5]", [](const V& x) { return matmul(x[0], x[1]); }},
      {"sort indices dim 1 (ties, NaN)", [](const V& x) { return sort(x[0], 1).indices; }},
      {"sort indices dim 1 descending (ties, NaN)",
       [](const V& x) { return sort(x[0], 1, true).indices; }},
      {"sort indices dim 0", [](const V& x) { return sort(x[0], 0).indices; }},
      {"topk indices 2 dim 1", [](const V& x) { return topk(x[0], 2, 1).indices; }},
      {"topk indices 3 dim 0 smallest", [](const V& x) { return topk(x[0], 3, 0, false).indices; }},
  };
  return fns;
}

bool near(double a, double b, double tol) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= tol * (1 + std::abs(b));
}

void check_values(const std::string& what, const Tensor& t, const std::vector<double>& want,
                  double tol) {
  auto got = t.to_vector<double>();
  REQUIRE_MESSAGE(got.size() == want.size(), what);
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(near(got[i], want[i], tol), what, " [", i, "]: ", got[i], " vs PyTorch's ",
                  want[i]);
}

}  // namespace

TEST_CASE("tensor ops match PyTorch's values and gradients, on float64 and float32") {
  for (const auto& c : tensor_ops_reference::kCases) {
    INFO("case: ", std::string(c.name));
    auto fn = functions().find(c.name);
    REQUIRE_MESSAGE(fn != functions().end(), "no function for the case");
    for (Dtype d : {kFloat64, kFloat32}) {
      const double tol = d == kFloat64 ? 1e-12 : 2e-5;
      V in;
      for (const auto& i : c.inputs) {
        Tensor t = tensor(i.values, Shape(i.shape), d);
        in.push_back(c.grads.empty() ? t : t.requires_grad_());
      }
      Tensor out = fn->second(in);
      CHECK(out.shape() == Shape(c.out_shape));
      CHECK(out.dtype() == (c.grads.empty() ? kInt64 : d));
      check_values("output", out, c.out, tol);
      if (c.grads.empty()) continue;
      Tensor w = tensor(c.w, Shape(c.out_shape), d);
      sum(mul(out, w)).backward();
      for (size_t k = 0; k < in.size(); ++k) {
        REQUIRE(in[k].grad().defined());
        check_values("gradient of input " + std::to_string(k), in[k].grad(), c.grads[k], tol);
      }
    }
  }
}

TEST_CASE("prod's gradient is exact with zeros in the input (gradcheck at one and two zeros)") {
  // Central differences of a multilinear function are exact, so gradcheck holds at the zeros too.
  V in = {tensor({{1.5, 0.0, 2.0}, {0.0, 0.0, 3.0}, {1.0, -2.0, 0.5}}, kFloat64).requires_grad_()};
  auto by_row = [](const V& x) { return prod(x[0], 1); };
  auto all = [](const V& x) { return prod(narrow(x[0], 0, 0, 1)); };
  auto r1 = autograd::gradcheck(by_row, in);
  CHECK_MESSAGE(r1.ok, r1.message);
  auto r2 = autograd::gradcheck(all, in);
  CHECK_MESSAGE(r2.ok, r2.message);
  Tensor x = tensor({2.0, 0.0, 3.0}, kFloat64).requires_grad_();
  prod(x).backward();
  check_values("grad", x.grad(), {0, 6, 0}, 0);
  CHECK(prod(tensor({2.0, -3.0, 4.0}, kInt64)).item() == -24);
  CHECK(prod(zeros({0})).item() == 1);
}

TEST_CASE("sort is stable; topk keeps ties in order; both on 0-d and int64") {
  Tensor x = tensor({3.0, 1.0, 3.0, 1.0, 2.0}, kInt64);
  check_values("ascending", sort(x).indices, {1, 3, 4, 0, 2}, 0);
  check_values("descending", sort(x, 0, true).indices, {0, 2, 4, 1, 3}, 0);
  check_values("topk", topk(x, 3).indices, {0, 2, 4}, 0);
  check_values("topk values", topk(x, 2, 0, false).values, {1, 1}, 0);
  Tensor s = scalar_tensor(4.0, kFloat64);
  CHECK(sort(s).values.item() == 4.0);
  CHECK(topk(s, 1).indices.item() == 0);
  CHECK(topk(x, 0).values.numel() == 0);
}

TEST_CASE("split, chunk, repeat, flip and roll: shapes and edge cases") {
  Tensor x = arange(10.0, kFloat64).reshape({2, 5});
  auto parts = split(x, 2, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].shape() == Shape({2, 1}));
  CHECK(chunk(x, 4, 1).size() == 3);  // ceil(5 / 4) = 2 per piece: 2, 2, 1
  CHECK(chunk(x, 2, 0).size() == 2);
  CHECK(split(zeros({0, 2}), 2).size() == 1);
  CHECK(repeat(x, {2, 1, 1}).shape() == Shape({2, 2, 5}));
  CHECK(repeat(x, {0, 1}).numel() == 0);
  check_values("repeat of a 0-d", repeat(scalar_tensor(2.0), {3}), {2, 2, 2}, 0);
  check_values("flip of no dims is a copy", flip(x, {}), x.to_vector<double>(), 0);
  check_values("roll by the size", roll(x, {5}, {1}), x.to_vector<double>(), 0);
  check_values("roll int64", roll(tensor({1.0, 2.0, 3.0}, kInt64), {-1}), {2, 3, 1}, 0);
  check_values("flip int64", flip(tensor({1.0, 2.0, 3.0}, kInt64), {0}), {3, 2, 1}, 0);
}

TEST_CASE("masks are 0/1 tensors of any dtype: nonzero is true") {
  Tensor x = tensor({1.0, -2.0, 3.0}, kFloat64);
  check_values("float mask", masked_fill(x, lt(x, 0.0), 0.0), {1, 0, 3}, 0);
  check_values("int64 mask", masked_fill(x, tensor({0.0, 5.0, -1.0}, kInt64), 9.0), {1, 9, 9}, 0);
  check_values("int64 tensor", masked_fill(x.to(kInt64), tensor({1.0, 0.0, 0.0}), 7.0), {7, -2, 3},
               0);
  check_values("0-d mask", masked_fill(x, scalar_tensor(1.0), 4.0), {4, 4, 4}, 0);
}

TEST_CASE("cumsum on int64 and 0-d; norm over dims; the *_like factories") {
  check_values("int64", cumsum(tensor({1.0, 2.0, 3.0}, kInt64), 0), {1, 3, 6}, 0);
  CHECK(cumsum(scalar_tensor(3.0), 0).item() == 3.0);
  CHECK(cumsum(zeros({2, 0}), 1).shape() == Shape({2, 0}));
  Tensor x = tensor({{3.0, -4.0}, {0.0, 1.0}}, kFloat64);
  check_values("norm dim 1", norm(x, 2, {1}), {5, 1}, 1e-15);
  check_values("norm dims {0, 1} keepdim", norm(x, 1, {0, 1}, true), {8}, 0);
  CHECK(norm(x, 1, {0, 1}, true).shape() == Shape({1, 1}));
  Tensor f = ones({2, 3}, kFloat64);
  CHECK(empty_like(f).shape() == f.shape());
  CHECK(empty_like(f.to(kInt64)).dtype() == kInt64);
  manual_seed(3);
  Tensor r = rand_like(f);
  CHECK(r.dtype() == kFloat64);
  CHECK(max(r).item() < 1.0);
  CHECK(min(r).item() >= 0.0);
  manual_seed(3);
  CHECK(allclose(r, rand(f.shape(), kFloat64)));
  manual_seed(4);
  Tensor n = randn_like(f.to(kFloat32));
  manual_seed(4);
  CHECK(allclose(n, randn({2, 3})));
}

TEST_CASE("an int64 tensor with a fractional scalar is refused, naming the op, dtype and scalar") {
  Tensor i = tensor({1.0, 2.0, 3.0}, kInt64);
  for (auto [name, fn] : std::vector<std::pair<std::string, std::function<void()>>>{
           {"mul", [&] { (void)mul(i, 2.5); }},
           {"mul", [&] { (void)(i * 0.5); }},
           {"mul", [&] { (void)(1.5 * i); }},
           {"add", [&] { (void)(i + 0.25); }},
           {"sub", [&] { (void)(i - 0.25); }},
           {"rsub", [&] { (void)(0.5 - i); }},
           {"mul_",
            [&] {
              Tensor j = i.clone();
              j.mul_(2.5);
            }},
           {"add_",
            [&] {
              Tensor j = i.clone();
              j.add_(0.5);
            }},
       }) {
    std::string msg = error_of(fn);
    INFO(msg);
    CHECK(contains(msg, name + ": "));
    CHECK(contains(msg, "int64"));
    CHECK(contains(msg, "kFloat64"));
  }
  CHECK(contains(error_of([&] { (void)mul(i, 2.5); }), "2.5"));
  check_values("integral scalars stay exact", mul(i, 3.0), {3, 6, 9}, 0);
  check_values("add", add(i, -2.0), {-1, 0, 1}, 0);
  check_values("float64 first", mul(i.to(kFloat64), 2.5), {2.5, 5, 7.5}, 0);
}

TEST_CASE("bad arguments to the tensor ops raise errors naming the op") {
  Tensor x = ones({2, 3}, kFloat64);
  auto has = [](const std::function<void()>& fn, std::initializer_list<const char*> parts) {
    std::string msg = error_of(fn);
    INFO(msg);
    for (const char* p : parts) CHECK(contains(msg, p));
  };
  has([&] { split(x, {1, 1}, 1); }, {"split:", "add up to 2", "[2, 3]"});
  has([&] { split(x, {4, -1}, 1); }, {"split:", "non-negative"});
  has([&] { split(x, 0, 1); }, {"split:", "positive"});
  has([&] { split(scalar_tensor(1.0), 1); }, {"split:", "0-d"});
  has([&] { split(x, 1, 2); }, {"split:", "dim 2"});
  has([&] { chunk(x, 0); }, {"chunk:", "positive"});
  has([&] { chunk(scalar_tensor(1.0), 2); }, {"chunk:", "0-d"});
  has([&] { repeat(x, {2}); }, {"repeat:", "at least one per dim"});
  has([&] { repeat(x, {1, -1}); }, {"repeat:", "non-negative"});
  has([&] { flip(x, {0, -2}); }, {"flip:", "more than once"});
  has([&] { flip(x, {2}); }, {"flip:", "dim 2"});
  has([&] { roll(x, {1, 2}); }, {"roll:", "exactly one shift"});
  has([&] { roll(x, {1, 2}, {0}); }, {"roll:", "2 shifts"});
  has([&] { roll(x, {1}, {3}); }, {"roll:", "dim 3"});
  has([&] { masked_fill(x, ones({3, 3}), 1.0); }, {"masked_fill:", "[3, 3]"});
  has([&] { masked_fill(x, ones({2, 1}).requires_grad_(), 1.0); }, {"masked_fill:", "grad"});
  has([&] { masked_fill(x.to(kInt64), ones({2, 3}), 1.5); }, {"masked_fill:", "int64", "1.5"});
  has([&] { masked_fill(x, Tensor(), 1.0); }, {"masked_fill:", "undefined"});
  has(
      [&] {
        scatter(x, 1, idx({{0, 0}, {1, 2}}), ones({2, 2}, kFloat64));
      },
      {"scatter:", "more than once"});
  has(
      [&] {
        scatter(x, 1, idx({{0, 3}, {1, 2}}), ones({2, 2}, kFloat64));
      },
      {"scatter:", "index 3"});
  has(
      [&] {
        scatter(x, 1, idx({{0, 1}, {1, 2}}), ones({2, 2}));
      },
      {"scatter:", "float64", "float32"});
  has(
      [&] {
        scatter(x, 1, idx({{0, 1}, {1, 2}}), ones({2, 1}, kFloat64));
      },
      {"scatter:", "src shape"});
  has([&] { scatter(x, 1, tensor({{0.0, 1.0}}), 1.0); }, {"scatter:", "int64"});
  has([&] { scatter(x.to(kInt64), 1, idx({{0, 1}, {1, 2}}), 0.5); }, {"scatter:", "0.5"});
  has([&] { scatter(scalar_tensor(1.0), 0, idx({0}), 1.0); }, {"scatter:", "0-d"});
  has([&] { index_put(x, {}, ones({1}, kFloat64)); }, {"index_put:", "0 index tensors"});
  has(
      [&] {
        index_put(x, {idx({0}), idx({0}), idx({0})}, ones({1}, kFloat64));
      },
      {"index_put:", "3 index"});
  has(
      [&] {
        index_put(x, {idx({0, 2})}, ones({1}, kFloat64));
      },
      {"index_put:", "index 2", "size 2"});
  has([&] { index_put(x, {idx({-3})}, ones({1}, kFloat64)); }, {"index_put:", "index -3"});
  has(
      [&] {
        index_put(x, {idx({0, 0})}, ones({1}, kFloat64));
      },
      {"index_put:", "more than once", "accumulate"});
  has(
      [&] {
        index_put(x, {idx({0, 1})}, ones({2, 2}, kFloat64));
      },
      {"index_put:", "[2, 2]", "[2, 3]"});
  has(
      [&] {
        index_put(x, {idx({0, 1}), idx({0, 1, 2})}, ones({1}, kFloat64));
      },
      {"index_put:", "broadcast"});
  has(
      [&] {
        index_put(x, {tensor({1.0, 0.0})}, ones({1}, kFloat64));
      },
      {"index_put:", "int64", "masked_fill"});
  has([&] { index_put(x, {idx({0})}, ones({1})); }, {"index_put:", "dtypes"});
  has([&] { cumsum(x, 2); }, {"cumsum:", "dim 2"});
  has([&] { prod(x, -3); }, {"prod:", "dim -3"});
  has([&] { norm(x, -1.0); }, {"norm:", "-1"});
  has([&] { norm(x, NAN); }, {"norm:", "nan"});
  has([&] { norm(x.to(kInt64)); }, {"norm:", "int64"});
  has([&] { norm(x, 2, {0, 0}); }, {"norm:", "more than once"});
  has([&] { norm(zeros({0, 2}), INFINITY); }, {"norm:", "empty"});
  has([&] { sort(x, 2); }, {"sort:", "dim 2"});
  has([&] { topk(x, 4, 1); }, {"topk:", "k = 4", "size 3"});
  has([&] { topk(x, -1); }, {"topk:", "k = -1"});
  has([&] { rand_like(x.to(kInt64)); }, {"rand_like:", "int64"});
  has([&] { randn_like(x.to(kInt64)); }, {"randn_like:", "int64"});
  has([&] { empty_like(Tensor()); }, {"empty_like:", "undefined"});
  has([&] { matmul(ones({2, 2, 3}), ones({3, 3, 4})); }, {"matmul:", "batch dims", "2 vs 3"});
  has([&] { matmul(ones({2, 1, 2, 3}), ones({5, 2, 4})); }, {"matmul:", "3 columns vs 2 rows"});
  has([&] { matmul(ones({2, 3}), scalar_tensor(1.0)); }, {"matmul:", "at least 1 dim"});
}

TEST_CASE("matmul broadcasts batch dims and sums the gradient over them") {
  Tensor a = randn({3, 1, 2, 4}, kFloat64).requires_grad_(),
         b = randn({5, 4, 3}, kFloat64).requires_grad_();
  Tensor c = matmul(a, b);
  CHECK(c.shape() == Shape({3, 5, 2, 3}));
  // each batch entry is the 2-D product of its operands
  CHECK(allclose(c.select(0, 2).select(0, 4), matmul(a.select(0, 2).select(0, 0), b.select(0, 4))));
  sum(c).backward();
  CHECK(a.grad().shape() == a.shape());
  CHECK(b.grad().shape() == b.shape());
  CHECK(matmul(ones({0, 2, 3}), ones({3, 4})).shape() == Shape({0, 2, 4}));
  CHECK(matmul(ones({1, 1, 2, 3}), ones({1, 3, 4})).shape() == Shape({1, 1, 2, 4}));
}
