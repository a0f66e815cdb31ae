// One test per category of bad call: each must raise xgrad::Error with a message that names the
// op and what was wrong (shapes, dtypes, dims, indices, devices), never crash or compute silently.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// Runs `fn`, which must throw an xgrad::Error whose message contains every one of `parts`.
void check_error(const char* expr, const std::function<void()>& fn, std::initializer_list<std::string> parts) {
  INFO("expression: ", std::string(expr));
  std::string msg;
  bool thrown = false;
  try {
    fn();
  } catch (const Error& e) {
    thrown = true;
    msg = e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("threw an exception that is not an xgrad::Error: ", std::string(e.what()));
    return;
  }
  CHECK_MESSAGE(thrown, "no xgrad::Error was thrown");
  for (const std::string& p : parts)
    CHECK_MESSAGE(msg.find(p) != std::string::npos, "message \"", msg, "\" lacks \"", p, "\"");
}

#define CHECK_ERROR(expr, ...) check_error(#expr, [&] { (void)(expr); }, {__VA_ARGS__})

Tensor leaf(const Shape& s) { return randn(s, kFloat64).requires_grad_(); }

}  // namespace

TEST_CASE("shapes that do not broadcast: the op and both shapes") {
  Tensor a = ones({2, 3}), b = ones({4});
  CHECK_ERROR(add(a, b), "add", "[2, 3]", "[4]", "broadcast");
  CHECK_ERROR(a + b, "add", "[2, 3]", "[4]");
  CHECK_ERROR(sub(a, b), "sub", "[2, 3]", "[4]");
  CHECK_ERROR(mul(ones({3, 1, 4}), ones({2, 5})), "mul", "[3, 1, 4]", "[2, 5]");
  CHECK_ERROR(div(a, ones({3, 2})), "div", "[2, 3]", "[3, 2]");
  CHECK_ERROR(maximum(a, b), "maximum", "[2, 3]", "[4]");
  CHECK_ERROR(pow(a, b), "pow", "[2, 3]", "[4]");
  CHECK_ERROR(eq(a, b), "eq", "[2, 3]", "[4]");
  CHECK_ERROR(where(ones({2}), ones({3}), ones({3})), "where", "[2]", "[3]");
  // An in-place op cannot grow its tensor.
  Tensor c = ones({3});
  CHECK_ERROR(c.add_(a), "add_", "[2, 3]", "[3]");
  CHECK_ERROR(c.mul_(ones({2})), "mul_", "[3]", "[2]");
}

TEST_CASE("matmul shapes that do not multiply: both shapes") {
  CHECK_ERROR(matmul(ones({2, 3}), ones({4, 5})), "matmul", "[2, 3]", "[4, 5]");
  CHECK_ERROR(matmul(ones({3}), ones({4})), "matmul", "[3]", "[4]");
  CHECK_ERROR(matmul(ones({2, 3}), ones({4})), "matmul", "[2, 3]", "[4]");
  CHECK_ERROR(matmul(ones({3}), ones({4, 2})), "matmul", "[3]", "[4, 2]");
  CHECK_ERROR(matmul(ones({2, 2, 3}), ones({4, 2})), "matmul", "[2, 2, 3]", "[4, 2]");
  CHECK_ERROR(matmul(ones({2, 2, 3}), ones({3, 3, 2})), "matmul", "[2, 2, 3]", "[3, 3, 2]");
  CHECK_ERROR(matmul(ones({2}), ones({})), "matmul", "[2]", "[]");
  CHECK_ERROR(matmul(ones({2, 2, 2, 2}), ones({3, 2, 2})), "matmul", "[2, 2, 2, 2]", "[3, 2, 2]",
              "batch dims");
  CHECK_NOTHROW(matmul(ones({1, 2, 2, 2}), ones({2, 2})));  // batch dims broadcast, as torch.matmul
  CHECK_ERROR(mm(ones({2, 3}), ones({2, 3})), "matmul", "[2, 3]");
  CHECK_ERROR(mm(ones({2, 3}), ones({2, 3}), true, true), "matmul", "[2, 3]");
  CHECK_NOTHROW(mm(ones({2, 3}), ones({2, 3}), false, true));
  CHECK_NOTHROW(mm(ones({2, 3}), ones({2, 3}), true, false));
}

TEST_CASE("mixed dtypes are refused, never promoted: both dtype names") {
  Tensor f = ones({2}), d = ones({2}, kFloat64), n = ones({2}, kInt64);
  CHECK_ERROR(add(f, d), "add", "float32", "float64");
  CHECK_ERROR(f * d, "mul", "float32", "float64");
  CHECK_ERROR(sub(d, n), "sub", "float64", "int64");
  CHECK_ERROR(matmul(ones({2, 2}), ones({2, 2}, kFloat64)), "matmul", "float32", "float64");
  CHECK_ERROR(cat({f, d}), "cat", "float32", "float64");
  CHECK_ERROR(where(f, f, d), "where", "float32", "float64");
  CHECK_ERROR(index_add(ones({3}), 0, tensor({0.0}, kInt64), ones({1}, kFloat64)), "index_add", "float32",
              "float64");
  Tensor g = ones({2});
  CHECK_ERROR(g.add_(d), "add_", "float32", "float64");
  CHECK_ERROR(index_select(f, 0, tensor({0.0}, kFloat32)), "index_select", "int64", "float32");
}

TEST_CASE("int64 tensors cannot require grad") {
  Tensor n = arange(3.0, kInt64);
  CHECK_ERROR(n.requires_grad_(), "requires_grad_", "int64");
  CHECK_FALSE(n.requires_grad());
  CHECK_ERROR(zeros({2}, TensorOptions(kInt64).requires_grad(true)), "requires_grad_", "int64");
  Tensor x = leaf({2});
  CHECK_ERROR(x.to(kInt64), "to", "int64", "requires grad");
}

TEST_CASE("backward on a non-scalar output needs a gradient") {
  Tensor x = leaf({3});
  Tensor y = x * 2.0;
  CHECK_ERROR(y.backward(), "backward", "[3]", "gradient");
  CHECK_ERROR(autograd::grad({y}, {x}), "grad", "[3]");
  CHECK_FALSE(x.grad().defined());
  y.backward(ones({3}, kFloat64));  // with a gradient it runs
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 2, 2});
}

TEST_CASE("a gradient of the wrong shape, dtype or count is refused") {
  Tensor x = leaf({3});
  Tensor y = x * 2.0;
  CHECK_ERROR(y.backward(ones({2}, kFloat64)), "backward", "[2]", "[3]");
  CHECK_ERROR(y.backward(ones({3, 1}, kFloat64)), "backward", "[3, 1]", "[3]");
  CHECK_ERROR(y.backward(ones({3})), "backward", "float32", "float64");
  CHECK_ERROR(autograd::grad({y}, {x}, {ones({4}, kFloat64)}), "grad", "[4]", "[3]");
  CHECK_ERROR(autograd::backward({y, y}, {ones({3}, kFloat64)}), "backward", "1 gradients", "2 outputs");
  CHECK_FALSE(x.grad().defined());
  Tensor z = ones({3}, kFloat64);
  CHECK_ERROR(z.sum().backward(), "backward", "does not require grad");
}

TEST_CASE("out-of-range dims: the op, the dim and the valid range") {
  Tensor x = ones({2, 3});
  CHECK_ERROR(sum(x, {2}), "sum", "dim 2", "out of range");
  CHECK_ERROR(sum(x, {-3}), "sum", "dim -3", "out of range");
  CHECK_ERROR(x.sum({0, 5}), "sum", "dim 5");
  CHECK_ERROR(mean(x, {2}), "mean", "dim 2");
  CHECK_ERROR(softmax(x, 2), "softmax", "dim 2", "out of range");
  CHECK_ERROR(log_softmax(x, -3), "log_softmax", "dim -3");
  CHECK_ERROR(transpose(x, 0, 2), "transpose", "dim 2", "out of range");
  CHECK_ERROR(x.transpose(-3, 0), "transpose", "dim -3");
  CHECK_ERROR(transpose(ones({3}), 0, 5), "transpose", "dim 5");  // a 1-D tensor checks its dims too
  CHECK_ERROR(unsqueeze(x, 3), "unsqueeze", "dim 3", "out of range");
  CHECK_ERROR(x.unsqueeze(-4), "unsqueeze", "dim -4");
  CHECK(unsqueeze(x, 2).shape() == Shape({2, 3, 1}));  // the range is one wider than x's dims
  CHECK(unsqueeze(x, -3).shape() == Shape({1, 2, 3}));
  CHECK_ERROR(max(x, 2), "max", "dim 2");
  CHECK_ERROR(argmax(x, -3), "argmax", "dim -3");
  CHECK_ERROR(cat({x, x}, 2), "cat", "dim 2");
  CHECK_ERROR(stack({x, x}, 3), "stack", "dim 3");
  CHECK_ERROR(permute(x, {0, 2}), "permute", "dim 2");
  CHECK_ERROR(permute(x, {0, 0}), "permute", "repeats");
  CHECK_ERROR(flatten(x, 2), "flatten", "dim 2");
  CHECK_ERROR(x.size(2), "size", "dim 2");
  CHECK_ERROR(x.select(2, 0), "select", "dim 2");
  CHECK_ERROR(narrow(x, 2, 0, 1), "narrow", "dim 2");
  CHECK_ERROR(index_select(x, 2, tensor({0.0}, kInt64)), "index_select", "dim 2");
  CHECK_ERROR(gather(x, -3, ones({2, 3}, kInt64)), "gather", "dim -3");
  CHECK_ERROR(var(x, Dims{2}), "var", "dim 2");
}

TEST_CASE("out-of-range indices: the op, the index and the size") {
  Tensor x = ones({3, 2});
  CHECK_ERROR(index_select(x, 0, tensor({0.0, 3.0}, kInt64)), "index_select", "index 3", "size 3");
  CHECK_ERROR(index_select(x, 0, tensor({-1.0}, kInt64)), "index_select", "index -1", "size 3");
  CHECK_ERROR(index_select(x, 1, tensor({2.0}, kInt64)), "index_select", "index 2", "size 2");
  CHECK_ERROR(gather(x, 0, tensor({0.0, 3.0}, Shape{1, 2}, kInt64)), "gather", "index 3", "size 3");
  CHECK_ERROR(gather(x, 1, tensor({0.0, 1.0, 2.0}, Shape{3, 1}, kInt64)), "gather", "index 2", "size 2");
  CHECK_ERROR(gather(x, 1, ones({2, 2}, kInt64)), "gather", "[2, 2]", "[3, 2]");
  CHECK_ERROR(scatter_add(x, 0, tensor({4.0, 0.0}, Shape{1, 2}, kInt64), ones({1, 2})), "scatter_add", "index 4");
  CHECK_ERROR(index_add(x, 0, tensor({5.0}, kInt64), ones({1, 2})), "index_add", "index 5", "size 3");
  CHECK_ERROR(one_hot(tensor({0.0, 3.0}, kInt64), 3), "one_hot", "index 3", "size 3");
  CHECK_ERROR(one_hot(tensor({-1.0}, kInt64), 3), "one_hot", "index -1");
  CHECK_ERROR(one_hot(tensor({1.0}), 3), "one_hot", "int64", "float32");
  CHECK_ERROR(x.select(0, 3), "select", "index 3", "size 3");
  CHECK_ERROR(x.select(0, -4), "select", "index -4", "size 3");
  CHECK_ERROR(x[7], "select", "index 7");
  CHECK_ERROR(narrow(x, 0, 2, 2), "narrow", "[2, 4)", "size 3");
  CHECK_ERROR(x.narrow(1, -3, 1), "narrow", "size 2");
  CHECK_ERROR(narrow(x, 0, 0, -1), "narrow", "size 3");
}

TEST_CASE("reshape to a wrong number of elements") {
  Tensor x = ones({2, 3});
  CHECK_ERROR(reshape(x, {4, 2}), "reshape", "[4, 2]", "6 elements", "[2, 3]");
  CHECK_ERROR(x.view({4, -1}), "reshape", "[4, -1]", "6 elements");
  CHECK_ERROR(x.reshape({-1, -1}), "reshape", "[-1, -1]");
  CHECK_ERROR(x.reshape({-2, -3}), "reshape", "-2");
}

TEST_CASE("expand to an incompatible shape") {
  Tensor x = ones({2, 3});
  CHECK_ERROR(expand(x, {4, 3}), "expand", "[2, 3]", "[4, 3]");
  CHECK_ERROR(x.expand({3}), "expand", "[2, 3]", "[3]");
  CHECK_ERROR(x.expand({-1, 2, 3}), "expand", "-1");
  CHECK(expand(ones({1, 3}), {4, -1}).shape() == Shape({4, 3}));
}

TEST_CASE("cat and stack of mismatched shapes name both shapes") {
  CHECK_ERROR(cat({ones({2, 3}), ones({2, 4})}, 0), "cat", "[2, 4]", "[2, 3]");
  CHECK_ERROR(cat({ones({2, 3}), ones({3})}, 0), "cat", "[3]", "[2, 3]");
  CHECK_ERROR(cat({}, 0), "cat");
  CHECK_ERROR(cat({ones({}), ones({})}), "cat", "0-d");
  CHECK_ERROR(stack({ones({2, 3}), ones({3, 2})}), "stack", "[3, 2]", "[2, 3]");
  CHECK(cat({ones({2, 3}), ones({2, 4})}, 1).shape() == Shape({2, 7}));
}

TEST_CASE("item() on a tensor that does not have exactly one element") {
  CHECK_ERROR(ones({3}).item(), "item", "3 elements", "[3]");
  CHECK_ERROR(ones({0}).item(), "item", "0 elements");
  CHECK(ones({1, 1}).item() == 1.0);
}

TEST_CASE("data<T>() with the wrong T") {
  CHECK_ERROR(ones({2}).data<double>(), "data", "float64", "float32");
  CHECK_ERROR(ones({2}, kFloat64).data<float>(), "data", "float32", "float64");
  CHECK_ERROR(ones({2}, kFloat64).data<int64_t>(), "data", "int64", "float64");
  CHECK(ones({2}, kInt64).data<int64_t>()[1] == 1);
}

TEST_CASE("an in-place op on a leaf that requires grad is refused") {
  Tensor x = leaf({3});
  std::vector<double> before = x.to_vector<double>();
  CHECK_ERROR(x.add_(1.0), "add_", "leaf");
  CHECK_ERROR(x.add_(ones({3}, kFloat64)), "add_", "leaf");
  CHECK_ERROR(x.mul_(2.0), "mul_", "leaf");
  CHECK_ERROR(x *= 2.0, "mul_", "leaf");
  CHECK_ERROR(x.div_(ones({3}, kFloat64)), "div_", "leaf");
  CHECK_ERROR(x.zero_(), "fill_", "leaf");
  CHECK_ERROR(x.copy_(ones({3}, kFloat64)), "copy_", "leaf");
  CHECK(x.to_vector<double>() == before);  // nothing was written
  {
    NoGradGuard no_grad;  // an update, as an optimizer makes
    x.add_(1.0);
  }
  CHECK(x.to_vector<double>()[0] == doctest::Approx(before[0] + 1.0));
}

namespace {
struct SaveInput : autograd::Function<SaveInput> {
  static constexpr const char* name = "SaveInput";
  static Tensor forward(autograd::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return mul(x, x);
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    Tensor x = ctx.saved_tensors()[0];
    return {mul(mul(g[0], x), 2.0)};
  }
};
}  // namespace

TEST_CASE("in-place change of a tensor saved for backward is detected at backward, naming the op") {
  SUBCASE("an input saved by mul") {
    Tensor x = leaf({3}), w = leaf({3});
    Tensor a = x * 1.0;
    Tensor y = mul(a, w);
    a.add_(1.0);
    CHECK_ERROR(y.sum().backward(), "mul", "in-place", "version");
    CHECK_FALSE(w.grad().defined());  // no wrong gradient was left behind
  }
  SUBCASE("a leaf saved by mul, changed by an update under NoGradGuard") {
    Tensor x = leaf({3}), w = leaf({3});
    Tensor y = mul(x, w);
    {
      NoGradGuard no_grad;
      w.mul_(2.0);
    }
    CHECK_ERROR(y.sum().backward(), "mul", "in-place");
  }
  SUBCASE("an output saved by tanh") {
    Tensor x = leaf({3});
    Tensor y = tanh(x);
    y.mul_(2.0);
    CHECK_ERROR(y.sum().backward(), "tanh", "in-place");
    CHECK_FALSE(x.grad().defined());
  }
  SUBCASE("an output saved by exp") {
    Tensor x = leaf({3});
    Tensor y = exp(x);
    Tensor z = y * 1.0;
    y.add_(1.0);
    CHECK_ERROR(z.sum().backward(), "exp", "in-place");
  }
  SUBCASE("a tensor saved by a custom op") {
    Tensor x = leaf({3});
    Tensor a = x * 1.0;
    Tensor y = SaveInput::apply(a);
    a.mul_(3.0);
    CHECK_ERROR(y.sum().backward(), "SaveInput", "in-place");
  }
}

TEST_CASE("backward twice through a freed graph says retain_graph") {
  Tensor x = leaf({3});
  Tensor y = (x * x).sum();
  y.backward();
  CHECK_ERROR(y.backward(), "mul", "retain_graph");
  Tensor t = tanh(x).sum();
  autograd::grad({t}, {x});
  CHECK_ERROR(autograd::grad({t}, {x}), "tanh", "retain_graph");
  // With retain_graph the second pass runs and accumulates.
  Tensor z = leaf({3});
  Tensor s = (z * z).sum();
  s.backward({}, true);
  s.backward();
  std::vector<double> zv = z.to_vector<double>(), g = z.grad().to_vector<double>();
  for (size_t i = 0; i < zv.size(); ++i) CHECK(g[i] == doctest::Approx(4 * zv[i]));
}

TEST_CASE("gradcheck refuses float32 inputs unless asked") {
  auto fn = [](const std::vector<Tensor>& x) { return tanh(x[0]); };
  Tensor x32 = randn({3}).requires_grad_();
  CHECK_ERROR(autograd::gradcheck(fn, {x32}), "gradcheck", "float32", "input 0");
  CHECK_ERROR(autograd::gradgradcheck(fn, {x32}), "gradgradcheck", "float32");
  CHECK_ERROR(autograd::gradcheck(fn, {leaf({2}), x32}), "gradcheck", "float32", "input 1");
  autograd::GradcheckOptions loose;
  loose.allow_float32 = true;
  loose.eps = 1e-2;
  loose.atol = 1e-2;
  loose.rtol = 1e-2;
  CHECK_NOTHROW(autograd::gradcheck(fn, {x32}, loose));
  CHECK_ERROR(autograd::gradcheck(fn, {randn({3}, kFloat64)}), "gradcheck", "requires grad");
}

TEST_CASE("a CUDA op without a GPU raises an error that mentions CUDA") {
  if (cuda::is_available()) {
    MESSAGE("a GPU is present: the no-GPU errors are not reachable here");
    CHECK(cuda::device_count() > 0);
    return;
  }
  CHECK(cuda::device_count() == 0);
  CHECK_ERROR(zeros({2}, kCUDA), "CUDA");
  CHECK_ERROR(randn({2}, kCUDA), "CUDA");
  CHECK_ERROR(tensor({1.0, 2.0}, TensorOptions(kCUDA)), "CUDA");
  Tensor x = ones({2});
  CHECK_ERROR(x.to(kCUDA), "CUDA");
  CHECK_ERROR(x.cuda(), "CUDA");
  CHECK_ERROR(x.to(Device(DeviceType::CUDA, 1)), "CUDA");
}

TEST_CASE("tensors on different devices: the op and both devices") {
  if (!cuda::is_available()) {
    MESSAGE("skipped: no CUDA device, so no tensor can live on another device");
    CHECK(cuda::device_count() == 0);
    return;
  }
  Tensor c = ones({2}), g = ones({2}, kCUDA);
  CHECK_ERROR(add(c, g), "add", "cpu", "cuda:0", "devices");
  CHECK_ERROR(mul(g, c), "mul", "cuda:0", "cpu");
  CHECK_ERROR(matmul(ones({2, 2}), ones({2, 2}, kCUDA)), "matmul", "cpu", "cuda:0");
  CHECK_ERROR(cat({c, g}), "cat", "cpu", "cuda:0");
  CHECK_ERROR(where(c, g, g), "where", "cpu", "cuda:0");
  CHECK_ERROR(index_select(g, 0, tensor({0.0}, kInt64)), "index_select", "cpu", "cuda:0");
  Tensor x = ones({2}, TensorOptions(kFloat64, kCUDA).requires_grad(true));
  Tensor y = x * 2.0;
  CHECK_ERROR(y.backward(ones({2}, kFloat64)), "backward", "cpu", "cuda:0");
}

TEST_CASE("requires_grad_ on a non-leaf is refused, naming the op that made it") {
  Tensor x = leaf({3});
  Tensor y = x * 2.0;
  CHECK_ERROR(y.requires_grad_(), "requires_grad_", "leaf", "mul");
  CHECK_ERROR(y.requires_grad_(false), "requires_grad_", "leaf");
  CHECK(y.requires_grad());
  CHECK_NOTHROW(y.detach().requires_grad_());
}

namespace {
struct TooManyGrads : autograd::Function<TooManyGrads> {
  static constexpr const char* name = "TooManyGrads";
  static Tensor forward(autograd::Context&, const Tensor& x) { return mul(x, 2.0); }
  static std::vector<Tensor> backward(autograd::Context&, const std::vector<Tensor>& g) {
    return {mul(g[0], 2.0), g[0]};
  }
};
struct NoGrads : autograd::Function<NoGrads> {
  static constexpr const char* name = "NoGrads";
  static Tensor forward(autograd::Context&, const Tensor& a, const Tensor& b) { return add(a, b); }
  static std::vector<Tensor> backward(autograd::Context&, const std::vector<Tensor>&) { return {}; }
};
struct WrongShapeGrad : autograd::Function<WrongShapeGrad> {
  static constexpr const char* name = "WrongShapeGrad";
  static Tensor forward(autograd::Context&, const Tensor& x) { return sum(x); }
  static std::vector<Tensor> backward(autograd::Context&, const std::vector<Tensor>& g) {
    return {reshape(g[0], {1})};  // should be expanded to the input's shape [3]
  }
};
}  // namespace

TEST_CASE("a custom Function whose backward returns the wrong number or shape of gradients") {
  Tensor x = leaf({3});
  CHECK_ERROR(TooManyGrads::apply(x).sum().backward(), "TooManyGrads", "returned 2 gradients", "expected 1");
  CHECK_ERROR(NoGrads::apply(x, leaf({3})).sum().backward(), "NoGrads", "returned 0 gradients", "expected 2");
  CHECK_ERROR(WrongShapeGrad::apply(x).backward(), "WrongShapeGrad", "[1]", "[3]", "input 0");
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("ops on an undefined tensor name the op") {
  Tensor u;
  CHECK_FALSE(u.defined());
  CHECK_ERROR(add(u, ones({2})), "add", "undefined");
  CHECK_ERROR(sum(u), "sum", "undefined");
  CHECK_ERROR(u.item(), "item", "undefined");
  CHECK_ERROR(matmul(ones({2, 2}), u), "matmul", "undefined");
}

TEST_CASE("other argument errors name the op and the bad value") {
  CHECK_ERROR(clamp(ones({2}), 1.0, -1.0), "clamp", "greater");
  CHECK_ERROR(pow(-2.0, ones({2})), "pow", "positive");
  CHECK_ERROR(log(ones({2}, kInt64)), "log", "int64");
  CHECK_ERROR(div(ones({2}, kInt64), 2.0), "div", "int64");
  CHECK_ERROR(var(ones({1})), "var", "correction");
  CHECK_ERROR(mean(ones({0})), "mean", "empty");
  CHECK_ERROR(max(ones({0})), "max", "empty");
  CHECK_ERROR(tensor({1.0, 2.0, 3.0}, Shape{2, 2}), "tensor", "[2, 2]");
  CHECK_ERROR(arange(0.0, 1.0, 0.0), "arange", "step");
  CHECK_ERROR(randint(3, 3, {2}), "randint", "high");
  CHECK_ERROR(autograd::grad({(leaf({2}) * 2.0).sum()}, {leaf({2})}), "grad", "not used", "allow_unused");
  CHECK_ERROR(where(leaf({2}), ones({2}, kFloat64), ones({2}, kFloat64)), "where", "condition");
}
