// Every differentiable op checked against finite differences (gradcheck, and gradgradcheck for the
// second derivatives) by the op table (tests/op_table.hpp) over shapes that exercise broadcasting;
// then forward values of each op family against numbers worked out by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <xgrad/xgrad.hpp>

#include "op_table.hpp"
#include "reference/unary_reference.hpp"

using namespace xgrad;
using op_table::make_inputs;
using op_table::Row;
using V = std::vector<Tensor>;

namespace {

// Runs gradcheck (and gradgradcheck when `twice`) on each row, reporting the failing row's result.
void check_rows(const std::vector<Row>& rows, bool twice = true) {
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    INFO("row: ", row.name);
    try {
      manual_seed(1000 + i);
      V in = make_inputs(row);
      autograd::GradcheckResult r = autograd::gradcheck(row.fn, in, row.opt);
      CHECK_MESSAGE(r.ok, row.name, ": ", r.message);
      if (twice) {
        autograd::GradcheckResult r2 = autograd::gradgradcheck(row.fn, in, row.opt);
        CHECK_MESSAGE(r2.ok, row.name, ": ", r2.message);
      }
    } catch (const std::exception& e) {
      FAIL_CHECK(row.name, " threw: ", std::string(e.what()));
    }
  }
}

#define F(expr) [](const V& x) -> Tensor { return expr; }

}  // namespace

// The rows live in tests/op_table.hpp, shared with the CUDA parity suite.
TEST_CASE("gradcheck table: binary elementwise ops with broadcasting") {
  check_rows(op_table::binary_elementwise().rows);
}

TEST_CASE("gradcheck table: scalar operands on either side") {
  check_rows(op_table::scalar_operands().rows);
}

TEST_CASE("gradcheck table: unary elementwise ops") {
  check_rows(op_table::unary_elementwise().rows);
}

TEST_CASE("gradcheck table: reductions") { check_rows(op_table::reductions().rows); }

TEST_CASE("gradcheck table: matmul and mm") { check_rows(op_table::matmul_mm().rows); }

TEST_CASE("gradcheck table: shape ops") { check_rows(op_table::shape_ops().rows); }

TEST_CASE("gradcheck table: indexing and softmax") {
  check_rows(op_table::indexing_softmax().rows);
}

TEST_CASE("gradcheck table: split, chunk, repeat, flip, roll") {
  check_rows(op_table::split_repeat_flip_roll().rows);
}

TEST_CASE("gradcheck table: masked_fill, scatter, index_put") {
  check_rows(op_table::masked_scatter_index_put().rows);
}

TEST_CASE("gradcheck table: cumsum, prod, norm, sort, topk") {
  check_rows(op_table::cumsum_prod_norm_sort().rows);
}
TEST_CASE("gradcheck table: convolution, pooling and elu") { check_rows(op_table::layers().rows); }

// ---- the math ops added with the op lists, against PyTorch

namespace {
Tensor apply_named(const std::string& name, const Tensor& x) {
  if (name == "sin") return sin(x);
  if (name == "cos") return cos(x);
  if (name == "log1p") return log1p(x);
  if (name == "expm1") return expm1(x);
  if (name == "erf") return erf(x);
  if (name == "gelu") return gelu(x);
  if (name == "gelu_tanh") return gelu(x, "tanh");
  if (name == "silu") return silu(x);
  throw Error("no op " + name);
}
}  // namespace

TEST_CASE("sin, cos, log1p, expm1, erf, gelu (both forms) and silu match PyTorch's values and derivatives") {
  for (bool deterministic : {false, true}) {
    set_deterministic(deterministic);
    for (const auto& op : unary_reference::kOps) {
      INFO(op.name, deterministic ? " (deterministic)" : "");
      const int64_t n = static_cast<int64_t>(op.x.size());
      for (Dtype d : {kFloat64, kFloat32}) {
        Tensor x = tensor(op.x, Shape{n}, d).requires_grad_();
        Tensor y = apply_named(op.name, x);
        sum(y).backward();
        auto yv = y.to_vector<double>(), dy = x.grad().to_vector<double>();
        // relative, plus absolute for results that cancel (gelu(-6) = 1e-8 in 1 + erf(-4.2))
        const double rel = d == kFloat64 ? 1e-13 : 5e-6, abs_tol = d == kFloat64 ? 1e-13 : 1e-6;
        for (int64_t i = 0; i < n; ++i) {
          CAPTURE(op.x[i]);
          CHECK(std::abs(yv[i] - op.y[i]) <= rel * std::abs(op.y[i]) + abs_tol);
          CHECK(std::abs(dy[i] - op.dy[i]) <= 10 * (rel * std::abs(op.dy[i]) + abs_tol));
        }
      }
    }
  }
  set_deterministic(false);
}

TEST_CASE("the math ops refuse int64 and bad arguments, naming the op") {
  Tensor i = tensor({1.0, 2.0}, kInt64);
  for (const char* name : {"sin", "cos", "log1p", "expm1", "erf", "gelu", "silu"}) {
    INFO(name);
    const std::string want = std::string(name) + ": expected a floating tensor";
    CHECK_THROWS_WITH(apply_named(name, i), doctest::Contains(want.c_str()));
  }
  CHECK_THROWS_WITH(xgrad::max(zeros({2, 0, 3}), 1), doctest::Contains("max: cannot reduce an empty dim"));
  CHECK_THROWS_WITH(gelu(tensor({1.0}), "tan"),
                    doctest::Contains("gelu: approximate must be \"none\" or \"tanh\", got \"tan\""));
  set_deterministic(true);
  CHECK_THROWS_WITH(sin(tensor({2e6}, kFloat64)), doctest::Contains("sin: deterministic mode computes it for |x| <"));
  CHECK(std::isnan(sin(tensor({NAN}, kFloat64)).item()));
  set_deterministic(false);
  CHECK(sin(tensor({2e6}, kFloat64)).item() == doctest::Approx(std::sin(2e6)));
}

TEST_CASE("adam_step_ is torch.optim.Adam's update, and refuses what does not fit") {
  manual_seed(3);
  Tensor p = randn({5}, kFloat64), g = randn({5}, kFloat64);
  Tensor m = zeros({5}, kFloat64), v = zeros({5}, kFloat64), vmax;
  Tensor p0 = p.clone();
  adam_step_(p, g, m, v, vmax, {.lr = 0.1, .step = 1});
  // step 1: m = 0.1 g, v = 0.001 g^2, so the update is lr * g / (|g| + eps / ...) ~ lr * sign(g)
  auto pv = p.to_vector<double>(), p0v = p0.to_vector<double>(), gv = g.to_vector<double>();
  for (int i = 0; i < 5; ++i) {
    double mh = 0.1 * gv[i] / (1 - 0.9), vh = 0.001 * gv[i] * gv[i] / (1 - 0.999);
    CHECK(pv[i] == doctest::Approx(p0v[i] - 0.1 * mh / (std::sqrt(vh) + 1e-8)).epsilon(1e-12));
  }
  CHECK(p.version() > p0.version());
  Tensor wrong = zeros({4}, kFloat64);
  CHECK_THROWS_WITH(adam_step_(p, wrong, m, v, vmax, {}), doctest::Contains("adam_step_: gradient [4]"));
  CHECK_THROWS_WITH(adam_step_(p, g, m, v, vmax, {.step = 0}), doctest::Contains("step counts from 1"));
  CHECK_THROWS_WITH(adam_step_(p, g, m, v, vmax, {.amsgrad = true}), doctest::Contains("max_exp_avg_sq"));
  Tensor leaf = zeros({5}, kFloat64).requires_grad_();
  CHECK_THROWS_WITH(adam_step_(leaf, g, m, v, vmax, {}), doctest::Contains("under NoGradGuard"));
}

// ---- a wrong backward must be caught

namespace {

// a * b with a correct backward, and the same op whose gradient for b is doubled on purpose.
template <bool kWrong>
struct MulOp : autograd::Function<MulOp<kWrong>> {
  static constexpr const char* name = kWrong ? "MulWrongGradB" : "MulOp";
  static Tensor forward(autograd::Context& ctx, const Tensor& a, const Tensor& b) {
    ctx.save_for_backward({a, b});
    return mul(a, b);
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    auto s = ctx.saved_tensors();
    Tensor gb = mul(g[0], s[0]);
    return {mul(g[0], s[1]), kWrong ? mul(gb, 2.0) : gb};
  }
};

}  // namespace

TEST_CASE("gradcheck reports a custom op's wrong backward, naming the input and entry") {
  Row good{"MulOp", {{2, 3}, {2, 3}}, F((MulOp<false>::apply(x[0], x[1])))};
  Row bad{"MulWrongGradB", {{2, 3}, {2, 3}}, F((MulOp<true>::apply(x[0], x[1])))};
  check_rows({good});  // the correct backward passes, so the failure below is the doubling's

  manual_seed(7);
  V in = make_inputs(bad);
  autograd::GradcheckResult r = autograd::gradcheck(bad.fn, in);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(static_cast<bool>(r));
  CHECK(r.input == 1);  // input 0's gradient is right
  CHECK(r.entry == 0);
  CHECK(r.output_entry == 0);
  double a0 = in[0].to_vector<double>()[0];
  CHECK(r.numerical == doctest::Approx(a0).epsilon(1e-6));
  CHECK(r.analytical == doctest::Approx(2 * a0).epsilon(1e-12));
  CHECK_MESSAGE(r.message.find("input 1") != std::string::npos, r.message);
  CHECK_MESSAGE(r.message.find("entry 0") != std::string::npos, r.message);
  CHECK_MESSAGE(r.message.find("analytical") != std::string::npos, r.message);
  CHECK_MESSAGE(r.message.find("numerical") != std::string::npos, r.message);
}

// ---- forward values, worked out by hand

namespace {

void check_values(const Tensor& t, const Shape& shape, const std::vector<double>& want, double rtol, double atol) {
  CHECK(t.shape() == shape);
  std::vector<double> got = t.to_vector<double>();
  CHECK(got.size() == want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i)
    CHECK_MESSAGE(std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]),
                  "entry ", i, ": got ", got[i], ", want ", want[i]);
}

}  // namespace

#define CHECK_VALUES(t, shape, ...)                                   \
  do {                                                                \
    INFO("values of ", #t);                                           \
    check_values(t, shape, __VA_ARGS__, 1e-6, 1e-6);                  \
  } while (0)
#define CHECK_VALUES_TOL(t, shape, want, rtol, atol) \
  do {                                               \
    INFO("values of ", #t);                          \
    check_values(t, shape, want, rtol, atol);        \
  } while (0)

TEST_CASE("binary ops broadcast as NumPy does") {
  Tensor a = tensor({1.0, 2.0, 3.0}, Shape{3, 1});
  Tensor b = tensor({10.0, 20.0});
  Tensor s = add(a, b);
  CHECK(s.dtype() == kFloat32);
  CHECK_VALUES(s, Shape({3, 2}), {11, 21, 12, 22, 13, 23});
  CHECK_VALUES(a - b, Shape({3, 2}), {-9, -19, -8, -18, -7, -17});
  CHECK_VALUES(mul(a, b), Shape({3, 2}), {10, 20, 20, 40, 30, 60});
  CHECK_VALUES(div(b, a), Shape({3, 2}), {10, 20, 5, 10, 10.0 / 3, 20.0 / 3});
  CHECK_VALUES(add(scalar_tensor(5.0), b), Shape({2}), {15, 25});
  Tensor c = tensor({1.0, 2.0}, Shape{2, 1, 1}, kFloat64), d = tensor({1.0, 2.0, 3.0}, Shape{3}, kFloat64);
  Tensor e = c * d;
  CHECK(e.dtype() == kFloat64);
  CHECK_VALUES(e, Shape({2, 1, 3}), {1, 2, 3, 2, 4, 6});
  CHECK_VALUES(pow(tensor({4.0, 9.0}), tensor({0.5, 2.0})), Shape({2}), {2, 81});
  CHECK_VALUES(maximum(tensor({1.0, 5.0, -2.0}), tensor({3.0})), Shape({3}), {3, 5, 3});
  CHECK_VALUES(minimum(tensor({1.0, 5.0, -2.0}), tensor({3.0})), Shape({3}), {1, 3, -2});
  Tensor mask = tensor({1.0, 0.0, 1.0});
  CHECK_VALUES(where(mask, tensor({1.0, 2.0, 3.0}), tensor({-1.0})), Shape({3}), {1, -1, 3});
  CHECK_VALUES(tanh_backward(tensor({2.0}), tensor({0.5})), Shape({1}), {1.5});
  CHECK_VALUES(sigmoid_backward(tensor({2.0}), tensor({0.25})), Shape({1}), {0.375});
  CHECK_VALUES(threshold_backward(tensor({2.0, 2.0}), tensor({-1.0, 1.0}), 0.1), Shape({2}), {0.2, 2.0});
}

TEST_CASE("scalar operands on either side") {
  Tensor x = tensor({1.0, 2.0, 4.0});
  CHECK_VALUES(x + 1.0, Shape({3}), {2, 3, 5});
  CHECK_VALUES(1.0 + x, Shape({3}), {2, 3, 5});
  CHECK_VALUES(x - 1.0, Shape({3}), {0, 1, 3});
  CHECK_VALUES(1.0 - x, Shape({3}), {0, -1, -3});
  CHECK_VALUES(rsub(1.0, x), Shape({3}), {0, -1, -3});
  CHECK_VALUES(x * 3.0, Shape({3}), {3, 6, 12});
  CHECK_VALUES(3.0 * x, Shape({3}), {3, 6, 12});
  CHECK_VALUES(x / 2.0, Shape({3}), {0.5, 1, 2});
  CHECK_VALUES(2.0 / x, Shape({3}), {2, 1, 0.5});
  CHECK_VALUES(rdiv(2.0, x), Shape({3}), {2, 1, 0.5});
  CHECK_VALUES(pow(x, 2.0), Shape({3}), {1, 4, 16});
  CHECK_VALUES(pow(2.0, x), Shape({3}), {2, 4, 16});
  CHECK_VALUES(-x, Shape({3}), {-1, -2, -4});
  Tensor y = x.clone();
  y += 1.0;
  y *= 2.0;
  y -= 1.0;
  y /= 2.0;
  CHECK_VALUES(y, Shape({3}), {1.5, 2.5, 4.5});
  CHECK_VALUES(x, Shape({3}), {1, 2, 4});  // clone copied
}

TEST_CASE("unary elementwise values; softplus is stable at large |x|") {
  Tensor x = tensor({-2.0, 0.0, 0.5}, kFloat64);
  CHECK_VALUES(exp(x), Shape({3}), {std::exp(-2.0), 1.0, std::exp(0.5)});
  CHECK_VALUES(log(tensor({1.0, std::exp(1.0), 0.5}, kFloat64)), Shape({3}), {0, 1, std::log(0.5)});
  CHECK_VALUES(sqrt(tensor({4.0, 2.0}, kFloat64)), Shape({2}), {2, std::sqrt(2.0)});
  CHECK_VALUES(abs(x), Shape({3}), {2, 0, 0.5});
  CHECK_VALUES(sign(tensor({-3.0, 0.0, 2.0})), Shape({3}), {-1, 0, 1});
  CHECK_VALUES(tanh(x), Shape({3}), {std::tanh(-2.0), 0, std::tanh(0.5)});
  CHECK_VALUES(sigmoid(x), Shape({3}), {1 / (1 + std::exp(2.0)), 0.5, 1 / (1 + std::exp(-0.5))});
  CHECK_VALUES(relu(x), Shape({3}), {0, 0, 0.5});
  CHECK_VALUES(leaky_relu(x, 0.1), Shape({3}), {-0.2, 0, 0.5});
  CHECK_VALUES(leaky_relu(x), Shape({3}), {-0.02, 0, 0.5});
  CHECK_VALUES(clamp(tensor({-2.0, 0.5, 3.0}), -1.0, 1.0), Shape({3}), {-1, 0.5, 1});
  CHECK_VALUES(clamp(tensor({-2.0, 0.5, 3.0}), std::nullopt, 1.0), Shape({3}), {-2, 0.5, 1});
  CHECK_VALUES(clamp(tensor({-2.0, 0.5, 3.0}), 0.0, std::nullopt), Shape({3}), {0, 0.5, 3});
  Tensor sp = softplus(tensor({0.0, 1000.0, -1000.0, -100.0}, kFloat64));
  CHECK_VALUES_TOL(sp, Shape({4}), std::vector<double>({std::log(2.0), 1000.0, 0.0, 3.720075976020836e-44}), 1e-9,
                   0.0);
  Tensor sp32 = softplus(tensor({1000.0, -1000.0, 2.0}));
  CHECK_VALUES(sp32, Shape({3}), {1000.0, 0.0, std::log1p(std::exp(2.0))});
}

TEST_CASE("comparisons return 0/1 masks in the inputs' dtype") {
  Tensor a = tensor({1.0, 2.0, 3.0}), b = tensor({2.0, 2.0, 2.0});
  for (auto [name, t, want] : std::vector<std::tuple<const char*, Tensor, std::vector<double>>>{
           {"eq", eq(a, b), {0, 1, 0}},
           {"ne", ne(a, b), {1, 0, 1}},
           {"lt", lt(a, b), {1, 0, 0}},
           {"le", le(a, b), {1, 1, 0}},
           {"gt", gt(a, b), {0, 0, 1}},
           {"ge", ge(a, b), {0, 1, 1}},
           {"eq scalar", eq(a, 2.0), {0, 1, 0}},
           {"ne scalar", ne(a, 2.0), {1, 0, 1}},
           {"lt scalar", lt(a, 2.0), {1, 0, 0}},
           {"le scalar", le(a, 2.0), {1, 1, 0}},
           {"gt scalar", gt(a, 2.0), {0, 0, 1}},
           {"ge scalar", ge(a, 2.0), {0, 1, 1}},
       }) {
    INFO(name);
    CHECK(t.dtype() == kFloat32);
    CHECK_FALSE(t.requires_grad());
    CHECK_VALUES(t, Shape({3}), want);
  }
  Tensor m64 = gt(tensor({1.0, 3.0}, kFloat64), tensor({2.0}, kFloat64));
  CHECK(m64.dtype() == kFloat64);
  CHECK_VALUES(m64, Shape({2}), {0, 1});
  Tensor mi = lt(tensor({1.0, 3.0}, kInt64), tensor({2.0, 2.0}, Shape{2, 1}, kInt64));  // broadcasts
  CHECK(mi.dtype() == kInt64);
  CHECK_VALUES(mi, Shape({2, 2}), {1, 0, 1, 0});
  // No gradient flows through a mask, even from an input that requires one.
  Tensor x = tensor({1.0, 3.0}, kFloat64).requires_grad_();
  CHECK_FALSE(gt(x, 2.0).requires_grad());
  CHECK_FALSE(eq(x, x).requires_grad());
}

TEST_CASE("a matrix broadcast over a batch: its gradient sums the batch in chunks, as one sum would") {
  // a's gradient per batch item has 2^21 elements: the 9 items' products are summed in chunks (of
  // 8 and 1; autograd/ops_linalg.cpp bounds the products at 2^24 elements), not built whole.
  manual_seed(5);
  Tensor a = randn({1024, 2048}).requires_grad_();
  Tensor b = randn({9, 2048, 3}).requires_grad_();
  Tensor y = matmul(a, b);
  Tensor g = randn(y.shape());
  (y * g).sum().backward();
  Tensor ref = zeros({1024, 2048});
  for (int64_t i = 0; i < 9; ++i) ref = ref + mm(g[i], b.detach()[i], false, true);
  CHECK(allclose(a.grad(), ref, 1e-5, 1e-4));
  CHECK(b.grad().shape() == Shape{9, 2048, 3});
  // and the other side: a 2-D right operand under a batched left one
  Tensor c = randn({2048, 1024}).requires_grad_();
  Tensor x = randn({9, 3, 2048});
  Tensor z = matmul(x, c);
  Tensor gz = randn(z.shape());
  (z * gz).sum().backward();
  Tensor refc = zeros({2048, 1024});
  for (int64_t i = 0; i < 9; ++i) refc = refc + mm(x[i], gz[i], true, false);
  CHECK(allclose(c.grad(), refc, 1e-5, 1e-4));
}

TEST_CASE("matmul values for 1-D, 2-D and batched operands; mm transposes") {
  Tensor A = tensor({{1.0, 2.0}, {3.0, 4.0}}), B = tensor({{5.0, 6.0}, {7.0, 8.0}});
  CHECK_VALUES(matmul(A, B), Shape({2, 2}), {19, 22, 43, 50});
  CHECK_VALUES(matmul(A, tensor({1.0, 1.0})), Shape({2}), {3, 7});
  CHECK_VALUES(matmul(tensor({1.0, 1.0}), A), Shape({2}), {4, 6});
  CHECK_VALUES(matmul(tensor({1.0, 2.0, 3.0}), tensor({4.0, 5.0, 6.0})), Shape{}, {32});
  CHECK_VALUES(mm(A, B, true, false), Shape({2, 2}), {26, 30, 38, 44});
  CHECK_VALUES(mm(A, B, false, true), Shape({2, 2}), {17, 23, 39, 53});
  CHECK_VALUES(mm(A, B, true, true), Shape({2, 2}), {23, 31, 34, 46});
  // Non-square, so a wrong leading dimension cannot hide.
  Tensor C = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  CHECK_VALUES(mm(C, C, true, false), Shape({2, 2}), {35, 44, 44, 56});
  CHECK_VALUES(mm(C, C, false, true), Shape({3, 3}), {5, 11, 17, 11, 25, 39, 17, 39, 61});
  CHECK_VALUES(matmul(C, tensor({{1.0, 0.0, 2.0}, {0.0, 1.0, 3.0}})), Shape({3, 3}),
               {1, 2, 8, 3, 4, 18, 5, 6, 28});
  // Batched: [A, B] . [I, A] = [A, B A]; and 3-D . 2-D broadcasts the matrix.
  Tensor AB = stack({A, B}), IA = stack({eye(2), A});
  CHECK_VALUES(matmul(AB, IA), Shape({2, 2, 2}), {1, 2, 3, 4, 23, 34, 31, 46});
  CHECK_VALUES(matmul(AB, A), Shape({2, 2, 2}), {7, 10, 15, 22, 23, 34, 31, 46});
  CHECK_VALUES(matmul(A, IA), Shape({2, 2, 2}), {1, 2, 3, 4, 7, 10, 15, 22});
  Tensor D = tensor({1.0, 2.0, 3.0, 4.0}, Shape{2, 2}, kFloat64);
  CHECK(matmul(D, D).dtype() == kFloat64);
  CHECK_VALUES(matmul(D, D), Shape({2, 2}), {7, 10, 15, 22});
}

TEST_CASE("reductions: sum, mean, var, std, max, min, logsumexp") {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  CHECK_VALUES(sum(x), Shape{}, {21});
  CHECK_VALUES(x.sum(), Shape{}, {21});
  CHECK_VALUES(sum(x, {0}), Shape({3}), {5, 7, 9});
  CHECK_VALUES(sum(x, {1}, true), Shape({2, 1}), {6, 15});
  CHECK_VALUES(sum(x, {-1}), Shape({2}), {6, 15});
  CHECK_VALUES(sum(x, {0, 1}), Shape{}, {21});
  CHECK_VALUES(sum(x, 1), Shape({2}), {6, 15});  // one dim converts to Dims, as in PyTorch
  CHECK_VALUES(x.mean(-1, true), Shape({2, 1}), {2, 5});
  CHECK_VALUES(var(x, 1), Shape({2}), {1, 1});
  CHECK_VALUES(sum(x, Dims(std::vector<int64_t>{1, 0})), Shape{}, {21});
  CHECK_THROWS_WITH_AS(sum(x, {0, 0}), doctest::Contains("dim 0 appears more than once"), Error);
  CHECK_THROWS_WITH_AS(sum(x, Dims(std::vector<int64_t>(9, 0))), doctest::Contains("at most 8"), Error);
  CHECK(Dims({0, -1}).str() == "[0, -1]");
  CHECK_VALUES(mean(x), Shape{}, {3.5});
  CHECK_VALUES(mean(x, {1}), Shape({2}), {2, 5});
  CHECK_VALUES(mean(x, {0}, true), Shape({1, 3}), {2.5, 3.5, 4.5});
  CHECK_VALUES(var(x), Shape{}, {3.5});
  CHECK_VALUES(var(x, Dims{}, 0), Shape{}, {17.5 / 6});
  CHECK_VALUES(var(x, {1}), Shape({2}), {1, 1});  // braces mean dims, never a correction
  CHECK_VALUES(var(x, Dims{1}), Shape({2}), {1, 1});
  CHECK_VALUES(var(x, Dims{0}, 0, true), Shape({1, 3}), {2.25, 2.25, 2.25});
  CHECK_VALUES(xgrad::std(x), Shape{}, {std::sqrt(3.5)});
  CHECK_VALUES(xgrad::std(x, Dims{0}), Shape({3}), {std::sqrt(4.5), std::sqrt(4.5), std::sqrt(4.5)});
  CHECK_VALUES(max(x), Shape{}, {6});
  CHECK_VALUES(min(x), Shape{}, {1});
  auto mx = max(x, 1);
  CHECK_VALUES(mx.values, Shape({2}), {3, 6});
  CHECK(mx.indices.dtype() == kInt64);
  CHECK_VALUES(mx.indices, Shape({2}), {2, 2});
  auto mn = min(x, 0, true);
  CHECK_VALUES(mn.values, Shape({1, 3}), {1, 2, 3});
  CHECK_VALUES(mn.indices, Shape({1, 3}), {0, 0, 0});
  // Non-adjacent dims of a 3-D tensor: x[i][j][k] = 12 i + 4 j + k.
  Tensor y = arange(24.0).reshape({2, 3, 4});
  CHECK_VALUES(sum(y, {0, 2}), Shape({3}), {60, 92, 124});
  CHECK_VALUES(sum(y, {0, 2}, true), Shape({1, 3, 1}), {60, 92, 124});
  CHECK_VALUES(sum_to(y, {3, 1}), Shape({3, 1}), {60, 92, 124});
  CHECK_VALUES(logsumexp(tensor({0.0, std::log(3.0)}, kFloat64), 0), Shape{}, {std::log(4.0)});
  // int64 sums stay int64
  Tensor n = tensor({1.0, 2.0, 3.0}, kInt64);
  CHECK(sum(n).dtype() == kInt64);
  CHECK_VALUES(sum(n), Shape{}, {6});
}

TEST_CASE("argmax and argmin return the first index on ties; max's gradient goes to the first maximum") {
  Tensor t = tensor({1.0, 3.0, 3.0, 2.0});
  CHECK(argmax(t).dtype() == kInt64);
  CHECK_VALUES(argmax(t), Shape{}, {1});
  CHECK_VALUES(t.argmax(), Shape{}, {1});
  CHECK_VALUES(argmin(tensor({2.0, 1.0, 5.0, 1.0})), Shape{}, {1});
  Tensor m = tensor({{5.0, 5.0, 1.0}, {0.0, 2.0, 2.0}});
  CHECK_VALUES(argmax(m, 1), Shape({2}), {0, 1});
  CHECK_VALUES(m.argmax(1, true), Shape({2, 1}), {0, 1});
  CHECK_VALUES(argmin(m, 0), Shape({3}), {1, 1, 0});
  CHECK_VALUES(argmax(m), Shape{}, {0});
  CHECK_VALUES(max(m, 1).indices, Shape({2}), {0, 1});
  Tensor x = tensor({1.0, 3.0, 3.0}, kFloat64).requires_grad_();
  max(x).backward();
  REQUIRE(x.grad().defined());
  CHECK_VALUES(x.grad(), Shape({3}), {0, 1, 0});
}

TEST_CASE("softmax([10, 0, -2]) matches the reference in float32 and float64") {
  const std::vector<double> want = {9.99948459e-01, 4.53975898e-05, 6.14389567e-06};
  Tensor s32 = softmax(tensor({10.0, 0.0, -2.0}), 0);
  CHECK(s32.dtype() == kFloat32);
  CHECK_VALUES_TOL(s32, Shape({3}), want, 1e-6, 0.0);
  Tensor s64 = softmax(tensor({10.0, 0.0, -2.0}, kFloat64), 0);
  CHECK(s64.dtype() == kFloat64);
  CHECK_VALUES_TOL(s64, Shape({3}), want, 2e-9, 0.0);  // the reference has 9 digits
  double z = 1 + std::exp(-10.0) + std::exp(-12.0);
  CHECK_VALUES_TOL(s64, Shape({3}), std::vector<double>({1 / z, std::exp(-10.0) / z, std::exp(-12.0) / z}), 1e-14,
                   0.0);
  // Along a dim of a 2-D tensor, and far from 0 (no overflow).
  Tensor s2 = softmax(tensor({{1000.0, 0.0}, {1000.0, 0.0}}), 0);
  CHECK_VALUES(s2, Shape({2, 2}), {0.5, 0.5, 0.5, 0.5});
  Tensor s3 = softmax(tensor({{1000.0, 1000.0 + std::log(3.0)}}, kFloat64), 1);
  CHECK_VALUES(s3, Shape({1, 2}), {0.25, 0.75});
}

TEST_CASE("log_softmax and logsumexp are stable at large inputs") {
  for (Dtype d : {kFloat32, kFloat64}) {
    INFO(dtype_name(d));
    Tensor l = log_softmax(tensor({1000.0, 0.0}, d), 0);
    CHECK(l.dtype() == d);
    CHECK_VALUES(l, Shape({2}), {0.0, -1000.0});
    Tensor l2 = log_softmax(tensor({{-1000.0, 0.0}, {5.0, 5.0}}, d), -1);
    CHECK_VALUES(l2, Shape({2, 2}), {-1000.0, 0.0, -std::log(2.0), -std::log(2.0)});
    Tensor lse = logsumexp(tensor({1000.0, 1000.0}, d), 0);
    CHECK_VALUES(lse, Shape{}, {1000.0 + std::log(2.0)});
    Tensor lse2 = logsumexp(tensor({{-1000.0, -1000.0}, {0.0, 0.0}}, d), 1, true);
    CHECK_VALUES(lse2, Shape({2, 1}), {-1000.0 + std::log(2.0), std::log(2.0)});
  }
}

TEST_CASE("one_hot values") {
  Tensor o = one_hot(tensor({0.0, 2.0, 1.0}, kInt64), 3);
  CHECK(o.dtype() == kInt64);
  CHECK_VALUES(o, Shape({3, 3}), {1, 0, 0, 0, 0, 1, 0, 1, 0});
  Tensor inferred = one_hot(tensor({1.0, 3.0}, kInt64));
  CHECK_VALUES(inferred, Shape({2, 4}), {0, 1, 0, 0, 0, 0, 0, 1});
  Tensor wide = one_hot(tensor({1.0}, kInt64), 5);
  CHECK_VALUES(wide, Shape({1, 5}), {0, 1, 0, 0, 0});
}

TEST_CASE("cat, stack, narrow, slice and select values") {
  Tensor a = tensor({{1.0, 2.0}}), b = tensor({{3.0, 4.0}, {5.0, 6.0}});
  CHECK_VALUES(cat({a, b}, 0), Shape({3, 2}), {1, 2, 3, 4, 5, 6});
  Tensor c = tensor({1.0, 2.0}, Shape{2, 1});
  CHECK_VALUES(cat({c, b}, 1), Shape({2, 3}), {1, 3, 4, 2, 5, 6});
  CHECK_VALUES(cat({b, c}, -1), Shape({2, 3}), {3, 4, 1, 5, 6, 2});
  Tensor p = tensor({1.0, 2.0}), q = tensor({3.0, 4.0});
  CHECK_VALUES(stack({p, q}), Shape({2, 2}), {1, 2, 3, 4});
  CHECK_VALUES(stack({p, q}, 1), Shape({2, 2}), {1, 3, 2, 4});
  CHECK_VALUES(stack({p, q, p}, -1), Shape({2, 3}), {1, 3, 1, 2, 4, 2});
  Tensor x = arange(12.0).reshape({3, 4});
  CHECK_VALUES(narrow(x, 1, 1, 2), Shape({3, 2}), {1, 2, 5, 6, 9, 10});
  CHECK_VALUES(narrow(x, 0, -1, 1), Shape({1, 4}), {8, 9, 10, 11});
  CHECK_VALUES(x.slice(1, -3, -1), Shape({3, 2}), {1, 2, 5, 6, 9, 10});
  CHECK_VALUES(x.slice(0, 1, 100), Shape({2, 4}), {4, 5, 6, 7, 8, 9, 10, 11});
  CHECK_VALUES(x.select(0, 1), Shape({4}), {4, 5, 6, 7});
  CHECK_VALUES(x.select(1, -1), Shape({3}), {3, 7, 11});
  CHECK_VALUES(x[2], Shape({4}), {8, 9, 10, 11});
}

TEST_CASE("transpose, permute, expand, reshape, squeeze values") {
  Tensor x = arange(6.0).reshape({2, 3});
  CHECK_VALUES(x.t(), Shape({3, 2}), {0, 3, 1, 4, 2, 5});
  CHECK_VALUES(transpose(x, 0, 1), Shape({3, 2}), {0, 3, 1, 4, 2, 5});
  Tensor y = arange(24.0).reshape({2, 3, 4});
  std::vector<double> want;  // out[k][i][j] = y[i][j][k] = 12 i + 4 j + k
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 3; ++j) want.push_back(12 * i + 4 * j + k);
  CHECK_VALUES(permute(y, {2, 0, 1}), Shape({4, 2, 3}), want);
  CHECK_VALUES(tensor({1.0, 2.0}, Shape{2, 1}).expand({2, 3}), Shape({2, 3}), {1, 1, 1, 2, 2, 2});
  CHECK_VALUES(expand(tensor({1.0, 2.0}), {2, -1}), Shape({2, 2}), {1, 2, 1, 2});
  CHECK_VALUES(reshape(x, {3, -1}), Shape({3, 2}), {0, 1, 2, 3, 4, 5});
  CHECK(flatten(y, 1).shape() == Shape({2, 12}));
  CHECK(squeeze(zeros({2, 1, 3, 1})).shape() == Shape({2, 3}));
  CHECK(squeeze(zeros({2, 1, 3}), 0).shape() == Shape({2, 1, 3}));
  CHECK(unsqueeze(zeros({2, 3}), -1).shape() == Shape({2, 3, 1}));
  CHECK(unsqueeze(zeros({2, 3}), 1).shape() == Shape({2, 1, 3}));
}

TEST_CASE("gather, index_select, scatter_add and index_add values") {
  Tensor x = tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Tensor gi = tensor({2.0, 0.0, 1.0, 1.0}, Shape{2, 2}, kInt64);
  CHECK_VALUES(gather(x, 1, gi), Shape({2, 2}), {3, 1, 5, 5});
  CHECK_VALUES(gather(x, 0, tensor({1.0, 0.0, 1.0}, Shape{1, 3}, kInt64)), Shape({1, 3}), {4, 2, 6});
  CHECK_VALUES(index_select(x, 1, tensor({2.0, 0.0}, kInt64)), Shape({2, 2}), {3, 1, 6, 4});
  CHECK_VALUES(index_select(x, 0, tensor({1.0, 1.0, 0.0}, kInt64)), Shape({3, 3}), {4, 5, 6, 4, 5, 6, 1, 2, 3});
  Tensor src = tensor({{1.0, 2.0}, {3.0, 4.0}});
  CHECK_VALUES(scatter_add(zeros({2, 3}), 1, gi, src), Shape({2, 3}), {2, 0, 1, 0, 7, 0});
  CHECK_VALUES(scatter_add(ones({2, 3}), 1, gi, src), Shape({2, 3}), {3, 1, 2, 1, 8, 1});
  Tensor rows = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  CHECK_VALUES(index_add(zeros({3, 2}), 0, tensor({0.0, 2.0, 0.0}, kInt64), rows), Shape({3, 2}),
               {6, 8, 0, 0, 3, 4});
  // The out-of-place ops leave their inputs alone.
  Tensor self = zeros({2, 3});
  scatter_add(self, 1, gi, src);
  CHECK_VALUES(self, Shape({2, 3}), {0, 0, 0, 0, 0, 0});
}

TEST_CASE("to(Dtype) converts values; clone is a copy") {
  Tensor x = tensor({1.7, -1.7, 2.5}, kFloat64);
  Tensor n = x.to(kInt64);
  CHECK(n.dtype() == kInt64);
  CHECK_VALUES(n, Shape({3}), {1, -1, 2});  // truncation toward zero, as C++ and PyTorch
  Tensor f = x.to(kFloat32);
  CHECK(f.dtype() == kFloat32);
  CHECK_VALUES(f, Shape({3}), {1.7, -1.7, 2.5});
  CHECK(x.to(kFloat64).same(x));
  Tensor c = x.clone();
  CHECK_FALSE(c.same(x));
  c.fill_(0.0);
  CHECK_VALUES(x, Shape({3}), {1.7, -1.7, 2.5});
}
