// Module hooks: forward pre-hooks and forward hooks, full backward hooks, their order, removal and
// errors.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "xgrad/xgrad.hpp"
#include "test_util.hpp"

using namespace xgrad;
using test_util::error_of;

TEST_CASE("forward pre-hooks and forward hooks run in order, may replace input and output, and are removable") {
  nn::Linear lin(2, 2, {.bias = false});
  {
    NoGradGuard no_grad;
    lin->weight.copy_(tensor({{1.0, 0.0}, {0.0, 1.0}}));
  }
  std::vector<std::string> calls;
  auto h1 = lin->register_forward_pre_hook([&](nn::Module& m, const Tensor& in) {
    calls.push_back("pre1:" + m.type_name());
    return in * 2.0;  // replaces the input
  });
  auto h2 = lin.register_forward_pre_hook([&](nn::Module&, const Tensor& in) {
    calls.push_back("pre2:" + std::to_string(in.to_vector()[0]).substr(0, 3));  // sees pre1's input
    return Tensor();                                                               // keeps it
  });
  auto h3 = lin->register_forward_hook([&](nn::Module&, const Tensor& in, const Tensor& out) {
    calls.push_back("fwd1:" + std::to_string(in.to_vector()[0]).substr(0, 3));
    return out + 1.0;
  });
  auto h4 = lin->register_forward_hook([&](nn::Module&, const Tensor&, const Tensor& out) {
    calls.push_back("fwd2:" + std::to_string(out.to_vector()[0]).substr(0, 3));  // sees fwd1's output
    return Tensor();
  });
  auto h0 = lin->register_forward_pre_hook(
      [&](nn::Module&, const Tensor&) {
        calls.push_back("pre0");
        return Tensor();
      },
      /*prepend=*/true);
  Tensor x = tensor({{1.0, 2.0}});
  CHECK(lin(x).to_vector() == std::vector<float>{3.0f, 5.0f});
  CHECK(calls == std::vector<std::string>{"pre0", "pre1:Linear", "pre2:2.0", "fwd1:2.0", "fwd2:3.0"});

  // inside a container, the child's hooks run too (Sequential calls each child through operator())
  calls.clear();
  nn::Sequential seq(lin, nn::ReLU());
  CHECK(seq(x).to_vector() == std::vector<float>{3.0f, 5.0f});
  CHECK(calls.size() == 5);

  // removal: each handle unregisters its own hook; removing twice does nothing
  h1.remove();
  h3.remove();
  h3.remove();
  calls.clear();
  CHECK(lin(x).to_vector() == std::vector<float>{1.0f, 2.0f});
  CHECK(calls == std::vector<std::string>{"pre0", "pre2:1.0", "fwd2:1.0"});
  h0.remove();
  h2.remove();
  h4.remove();
  CHECK_FALSE(lin->has_hooks());
  calls.clear();
  CHECK(lin(x).to_vector() == std::vector<float>{1.0f, 2.0f});
  CHECK(calls.empty());
}

TEST_CASE("a full backward hook sees grad_input and grad_output, may replace grad_input, in order") {
  manual_seed(0);
  nn::Linear lin(3, 2, {.dtype = kFloat64});
  Tensor x = randn({4, 3}, kFloat64).requires_grad_();
  Tensor target = randn({4, 2}, kFloat64);
  // the gradients without hooks
  Tensor y0 = lin(x);
  Tensor gy = autograd::grad({((y0 - target) * (y0 - target)).sum()}, {y0})[0];
  ((lin(x) - target) * (lin(x) - target)).sum().backward();
  Tensor gx = x.grad().clone(), gw = lin->weight.grad().clone();
  x.set_grad(Tensor());
  lin->zero_grad();

  std::vector<std::string> calls;
  Tensor seen_in, seen_out;
  auto h1 = lin->register_full_backward_hook(
      [&](nn::Module& m, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output) {
        calls.push_back("bw1:" + m.type_name());
        REQUIRE(grad_input.size() == 1);
        REQUIRE(grad_output.size() == 1);
        seen_in = grad_input[0];
        seen_out = grad_output[0];
        return std::vector<Tensor>{grad_input[0] * 3.0};
      });
  auto h2 = lin->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>&) {
        calls.push_back("bw2");
        CHECK(allclose(grad_input[0], gx * 3.0, 1e-12, 1e-12));  // sees bw1's replacement
        return std::vector<Tensor>{};
      });
  Tensor y = lin(x);
  ((y - target) * (y - target)).sum().backward();
  CHECK(calls == std::vector<std::string>{"bw1:Linear", "bw2"});
  CHECK(allclose(seen_in, gx, 1e-12, 1e-12));
  CHECK(allclose(seen_out, gy, 1e-12, 1e-12));
  CHECK(allclose(x.grad(), gx * 3.0, 1e-12, 1e-12));          // the replacement reached the input
  CHECK(allclose(lin->weight.grad(), gw, 1e-12, 1e-12));      // parameters are untouched by it

  // removed: gradients are plain again and no hook runs
  h1.remove();
  h2.remove();
  calls.clear();
  x.set_grad(Tensor());
  Tensor y2 = lin(x);
  ((y2 - target) * (y2 - target)).sum().backward();
  CHECK(calls.empty());
  CHECK(allclose(x.grad(), gx, 1e-12, 1e-12));
}

TEST_CASE("a full backward hook on a module whose input needs no gradient gets an undefined grad_input") {
  manual_seed(1);
  nn::Sequential seq(nn::Linear(3, 4), nn::Tanh(), nn::Linear(4, 1));
  int calls = 0;
  Tensor first_grad_output;
  (*seq)[0]->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output) {
        ++calls;
        CHECK_FALSE(grad_input[0].defined());
        first_grad_output = grad_output[0];
        return std::vector<Tensor>{};
      });
  int tanh_calls = 0;
  (*seq)[1]->register_full_backward_hook(
      [&](nn::Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output) {
        ++tanh_calls;
        CHECK(grad_input[0].defined());
        CHECK(grad_output[0].shape() == Shape{2, 4});
        return std::vector<Tensor>{};
      });
  Tensor x = randn({2, 3});
  seq(x).sum().backward();
  CHECK(calls == 1);
  CHECK(tanh_calls == 1);
  REQUIRE(first_grad_output.defined());
  CHECK(first_grad_output.shape() == Shape{2, 4});
  // without grad mode no backward hook is set up, and forward still works
  {
    NoGradGuard no_grad;
    CHECK_FALSE(seq(x).requires_grad());
  }
  CHECK(calls == 1);
}

namespace {
struct PairSumImpl : nn::Module {
  PairSumImpl() : Module("PairSum") {}
  Tensor forward(const Tensor& a, const Tensor& b) { return a + b; }
};
XGRAD_MODULE(PairSum);
}  // namespace

TEST_CASE("hook errors name the module: empty hooks, wrong replacement gradients, other signatures") {
  PairSum pair;
  CHECK(pair(ones({2}), ones({2})).to_vector() == std::vector<float>{2.0f, 2.0f});
  pair.register_forward_hook([](nn::Module&, const Tensor&, const Tensor&) { return Tensor(); });
  CHECK(test_util::contains(error_of([&] { pair(ones({2}), ones({2})); }),
                            "PairSum: hooks run only on modules called with one tensor"));

  nn::Linear lin(2, 2);
  CHECK(test_util::contains(error_of([&] { lin->register_forward_hook(nullptr); }),
                            "Linear: register_forward_hook: the hook is empty"));
  CHECK(test_util::contains(error_of([&] { lin->register_full_backward_hook(nullptr); }),
                            "register_full_backward_hook"));
  Tensor x = randn({3, 2}).requires_grad_();
  auto h = lin->register_full_backward_hook([](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {
    return std::vector<Tensor>{zeros({5})};
  });
  std::string e = error_of([&] { lin(x).sum().backward(); });
  CHECK(test_util::contains(e, "Linear: a full backward hook returned a gradient of shape [5]"));
  h.remove();
  lin->register_full_backward_hook([](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>&) {
    return std::vector<Tensor>{Tensor(), Tensor()};
  });
  CHECK(test_util::contains(error_of([&] { lin(x).sum().backward(); }),
                            "Linear: a full backward hook returned 2 gradients for 1 inputs"));
}
