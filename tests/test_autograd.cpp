// The engine: chain rule over the recorded graph, accumulation, freeing, hooks, higher order,
// in-place semantics, custom ops.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <functional>

#include <xgrad/xgrad.hpp>

#include "reference/hvp_reference.hpp"
#include "test_util.hpp"

using namespace xgrad;

namespace {
Tensor f64(std::initializer_list<double> v) { return tensor(v, kFloat64); }
}  // namespace

TEST_CASE("backward applies the chain rule and accumulates a tensor used many times") {
  Tensor x = f64({2.0}).requires_grad_();
  Tensor y = x * x * x + x * 3.0;  // y' = 3x^2 + 3 = 15
  y.sum().backward();
  CHECK(x.grad().item() == doctest::Approx(15.0));
  // A second backward accumulates into .grad()
  Tensor z = (x * x).sum();
  z.backward();
  CHECK(x.grad().item() == doctest::Approx(19.0));
}

TEST_CASE("a chain of 1,000,000 ops backpropagates without stack overflow and frees its nodes") {
  int64_t before = Node::live_count();
  {
    Tensor x = tensor({1.0}, kFloat64).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < 1000000; ++i) y = y * 1.0;
    CHECK(Node::live_count() - before >= 1000000);
    y.sum().backward();
    CHECK(x.grad().item() == doctest::Approx(1.0));
  }
  CHECK(Node::live_count() == before);  // the whole graph was released, iteratively
}

TEST_CASE("a graph that saves its outputs is freed: no reference cycles") {
  int64_t before = Node::live_count();
  {
    Tensor x = randn({3}, kFloat64).requires_grad_();
    Tensor y = exp(tanh(sigmoid(relu(x))));  // all four save their output
    CHECK(Node::live_count() > before);
  }
  CHECK(Node::live_count() == before);
  {
    Tensor x = randn({3}, kFloat64).requires_grad_();
    Tensor y = exp(tanh(x));
    y.sum().backward(Tensor(), /*retain_graph=*/true);
  }
  CHECK(Node::live_count() == before);
}

TEST_CASE("saved tensors are freed after backward; a second backward says retain_graph") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward(Tensor(), true);
  y.backward();  // retained once: works, then frees
  CHECK(x.grad().to_vector<double>() == std::vector<double>{4.0, 8.0});
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("retain_graph"), Error);
}

TEST_CASE("in-place change of a saved tensor raises an error naming the op") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor a = x * 2.0;
  Tensor y = tanh(a);
  {
    NoGradGuard g;
    y.mul_(2.0);  // y is saved by tanh
  }
  CHECK_THROWS_WITH_AS(y.sum().backward(), doctest::Contains("tanh"), Error);
  Tensor b = x * 1.0;
  Tensor c = b * b;
  b.add_(1.0);
  CHECK_THROWS_WITH_AS(c.sum().backward(), doctest::Contains("in-place"), Error);
}

TEST_CASE("in-place ops on non-leaves are recorded with correct gradients") {
  Tensor x = f64({1.0, 2.0, 3.0}).requires_grad_();
  Tensor w = f64({4.0, 5.0, 6.0}).requires_grad_();
  Tensor y = x * 1.0;
  y.mul_(w);  // y = x * w
  y.add_(x);  // y = x * w + x
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{5.0, 6.0, 7.0});
  CHECK(w.grad().to_vector<double>() == std::vector<double>{1.0, 2.0, 3.0});
  CHECK(y.version() == 2);
}

TEST_CASE("in-place on a leaf that requires grad is refused; under NoGradGuard it is an update") {
  Tensor w = f64({1.0}).requires_grad_();
  CHECK_THROWS_WITH_AS(w.add_(1.0), doctest::Contains("leaf"), Error);
  {
    NoGradGuard g;
    w.add_(1.0);
  }
  CHECK(w.item() == 2.0);
  CHECK(w.is_leaf());
}

TEST_CASE("NoGradGuard records nothing; EnableGradGuard records inside it") {
  Tensor x = f64({1.0}).requires_grad_();
  NoGradGuard off;
  Tensor y = x * 2.0;
  CHECK_FALSE(y.requires_grad());
  CHECK(y.grad_fn() == nullptr);
  {
    EnableGradGuard on;
    CHECK((x * 2.0).requires_grad());
  }
  CHECK_FALSE(GradMode::is_enabled());
}

TEST_CASE("hooks see and may replace the gradient; retain_grad keeps a non-leaf's gradient") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor h = x * 3.0;
  h.retain_grad();
  std::vector<double> seen;
  h.register_hook([&](const Tensor& g) {
    seen = g.to_vector<double>();
    return g * 10.0;
  });
  x.register_hook([](const Tensor& g) { return g + 1.0; });
  (h * h).sum().backward();
  CHECK(seen == std::vector<double>{6.0, 12.0});                  // d(h^2)/dh = 2h
  CHECK(x.grad().to_vector<double>() == std::vector<double>{181.0, 361.0});  // 3 * 10 * 2h + 1
  CHECK(h.grad().defined());
  CHECK_FALSE(x.grad_fn());
}

TEST_CASE("post-accumulate hooks run after .grad() is updated, once per backward, on leaves only") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  std::vector<std::vector<double>> seen;
  x.register_post_accumulate_grad_hook([&](const Tensor& leaf) {
    CHECK(leaf.same(x));
    seen.push_back(leaf.grad().to_vector<double>());
  });
  (x * x + x).sum().backward();  // x used twice: one accumulation, one call
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::vector<double>{3.0, 5.0});
  (x * 2.0).sum().backward();  // sees the sum of both backwards
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == std::vector<double>{5.0, 7.0});
  Tensor unused = f64({1.0}).requires_grad_();
  bool called = false;
  unused.register_post_accumulate_grad_hook([&](const Tensor&) { called = true; });
  (x * 1.0).sum().backward();
  CHECK_FALSE(called);  // no gradient reached it
  auto err = test_util::error_of([&] { (x * 2.0).register_post_accumulate_grad_hook([](const Tensor&) {}); });
  CHECK(test_util::contains(err, "register_post_accumulate_grad_hook: only leaf tensors"));
  err = test_util::error_of([&] { f64({1.0}).register_post_accumulate_grad_hook([](const Tensor&) {}); });
  CHECK(test_util::contains(err, "does not require grad"));
}

TEST_CASE("autograd::grad returns gradients without touching .grad(), and second derivatives") {
  Tensor x = f64({3.0}).requires_grad_();
  Tensor y = (x * x * x).sum();  // y' = 3x^2 = 27, y'' = 6x = 18
  auto g = autograd::grad({y}, {x}, {}, false, /*create_graph=*/true);
  CHECK(g[0].item() == doctest::Approx(27.0));
  CHECK_FALSE(x.grad().defined());
  auto gg = autograd::grad({g[0].sum()}, {x});
  CHECK(gg[0].item() == doctest::Approx(18.0));
  // third derivative through backward(create_graph)
  Tensor z = x.pow(4.0).sum();
  auto d1 = autograd::grad({z}, {x}, {}, false, true);
  auto d2 = autograd::grad({d1[0].sum()}, {x}, {}, false, true);
  d2[0].sum().backward();
  CHECK(x.grad().item() == doctest::Approx(24.0 * 3.0));
}

TEST_CASE("autograd::grad on an unused input is an error unless allow_unused") {
  Tensor x = f64({1.0}).requires_grad_(), u = f64({1.0}).requires_grad_();
  Tensor y = (x * 2.0).sum();
  CHECK_THROWS_WITH_AS(autograd::grad({y}, {u}, {}, true), doctest::Contains("not used"), Error);
  auto g = autograd::grad({y}, {x, u}, {}, false, false, true);
  CHECK(g[0].item() == 2.0);
  CHECK_FALSE(g[1].defined());
}

TEST_CASE("grad of a non-leaf input is the gradient flowing into it") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor h = x * 2.0;
  Tensor y = (h * h).sum();
  auto g = autograd::grad({y}, {h});
  CHECK(g[0].to_vector<double>() == std::vector<double>{4.0, 8.0});
}

TEST_CASE("backward with an explicit gradient on a non-scalar output") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor y = x * x;
  y.backward(f64({1.0, 0.5}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2.0, 2.0});
}

TEST_CASE("leaf gradients never share storage, so accumulation stays correct") {
  Tensor a = f64({1.0}).requires_grad_(), b = f64({1.0}).requires_grad_();
  (a + b).sum().backward();  // add's backward hands the same gradient to both
  {
    NoGradGuard g;
    a.grad().add_(5.0);
  }
  CHECK(b.grad().item() == 1.0);
}

TEST_CASE("detach shares data but cuts the graph; clone copies and keeps it") {
  Tensor x = f64({1.0, 2.0}).requires_grad_();
  Tensor d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.data_ptr() == x.data_ptr());
  Tensor c = x.clone();
  CHECK(c.data_ptr() != x.data_ptr());
  (c * 3.0).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3.0, 3.0});
}

// ---- custom ops

struct Swish : autograd::Function<Swish> {
  static constexpr const char* name = "Swish";
  static Tensor forward(autograd::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * sigmoid(x);
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    Tensor x = ctx.saved_tensors()[0];
    Tensor s = sigmoid(x);
    return {g[0] * (s + x * s * (1.0 - s))};
  }
};

struct BadSwish : autograd::Function<BadSwish> {
  static constexpr const char* name = "BadSwish";
  static Tensor forward(autograd::Context& ctx, const Tensor& x) {
    ctx.save_for_backward({x});
    return x * sigmoid(x);
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    Tensor x = ctx.saved_tensors()[0];
    return {g[0] * sigmoid(x)};  // forgets the x * s * (1 - s) term
  }
};

// Saves its own output, scales by a non-tensor argument.
struct ScaledExp : autograd::Function<ScaledExp> {
  static Tensor forward(autograd::Context& ctx, const Tensor& x, double k) {
    Tensor y = exp(x) * k;
    ctx.save_for_backward({y});
    return y;
  }
  static std::vector<Tensor> backward(autograd::Context& ctx, const std::vector<Tensor>& g) {
    return {g[0] * ctx.saved_tensors()[0]};
  }
};

TEST_CASE("a custom op (Swish) passes gradcheck and gradgradcheck") {
  manual_seed(0);
  Tensor x = randn({4, 3}, kFloat64).requires_grad_();
  auto fn = [](const std::vector<Tensor>& in) { return Swish::apply(in[0]); };
  auto r = autograd::gradcheck(fn, {x});
  CHECK_MESSAGE(r.ok, r.message);
  auto rr = autograd::gradgradcheck(fn, {x});
  CHECK_MESSAGE(rr.ok, rr.message);
  CHECK(std::string(Swish::apply(x).grad_fn()->name()) == "Swish");
}

TEST_CASE("a wrong custom backward is caught with a report naming input, entry and values") {
  manual_seed(1);
  Tensor x = randn({2, 2}, kFloat64).requires_grad_();
  auto r = autograd::gradcheck([](const std::vector<Tensor>& in) { return BadSwish::apply(in[0]); }, {x});
  CHECK_FALSE(r.ok);
  CHECK(r.input == 0);
  CHECK(r.entry == 0);
  CHECK(r.analytical != doctest::Approx(r.numerical));
  CHECK(r.message.find("input 0 at entry 0") != std::string::npos);
  CHECK(r.message.find("analytical") != std::string::npos);
}

TEST_CASE("a custom op saving its output holds no cycle and sees non-tensor arguments") {
  int64_t before = Node::live_count();
  {
    Tensor x = f64({0.0, 1.0}).requires_grad_();
    Tensor y = ScaledExp::apply(x, 2.0);
    y.sum().backward();
    CHECK(x.grad().to_vector<double>()[1] == doctest::Approx(2.0 * std::exp(1.0)));
  }
  CHECK(Node::live_count() == before);
}

TEST_CASE("custom op on inputs that need no grad records nothing") {
  Tensor x = f64({1.0});
  CHECK_FALSE(Swish::apply(x).requires_grad());
}

TEST_CASE("a backward started from inside a backward (a hook calling grad) runs on its own work lists") {
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_();
  Tensor z = tensor({3.0}, kFloat64).requires_grad_();
  double inner = 0;
  x.register_hook([&](const Tensor& g) {
    EnableGradGuard grad_mode;  // backward runs its hooks with grad mode off
    Tensor w = (z * z * 2.0).sum();  // dw/dz = 4z
    inner = autograd::grad({w}, {z})[0].item();
    return g;
  });
  Tensor y = (x * x * tanh(x)).sum() + (x * 3.0).sum();
  y.backward();
  CHECK(inner == 12.0);
  auto g = x.grad().to_vector<double>();
  for (int i = 0; i < 2; ++i) {
    double v = i + 1.0, t = std::tanh(v);
    CHECK(g[i] == doctest::Approx(2 * v * t + v * v * (1 - t * t) + 3).epsilon(1e-12));
  }
  // the outer engine's lists are intact afterwards: a second, ordinary backward works
  Tensor y2 = (x * x).sum();
  x.grad().zero_();
  y2.backward();
  CHECK(inner == 12.0);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2.0, 4.0});
}

// ---- deep graphs and memory

namespace {
// Resident set size of this process, in bytes (Linux; 0 elsewhere).
int64_t rss_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<int64_t>(resident) * 4096;
}
// The peak resident set size (VmHWM) after resetting it to the current one, where Linux lets us.
bool reset_peak_rss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (!f) return false;
  bool ok = std::fputs("5", f) >= 0;
  return std::fclose(f) == 0 && ok;
}
int64_t peak_rss_bytes() {
  int64_t kib = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
    std::fclose(f);
  }
  return kib * 1024;
}
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif
}  // namespace

TEST_CASE("a recorded op costs at most 200 bytes: 1e6 chained multiplies, forward and backward") {
  // W6 of bench/ in small: what the graph holds per op is the node and its saved state (the
  // intermediate outputs are not saved: mul keeps only the operand the gradient needs).
  if (kSanitized) return;  // the sanitizer's own bookkeeping swamps the figure
  constexpr int kOps = 1000000;
  Tensor a = ones({1}).requires_grad_();
  Tensor c = ones({1});
  {  // warm the allocator's free lists
    Tensor x = a;
    for (int i = 0; i < 1000; ++i) x = x * c;
    x.sum().backward();
  }
  a.grad().zero_();
  bool have_peak = reset_peak_rss();
  int64_t before = rss_bytes();
  {
    Tensor x = a;
    for (int i = 0; i < kOps; ++i) x = x * c;
    double forward = static_cast<double>(rss_bytes() - before) / kOps;
    MESSAGE("bytes per recorded op after forward: ", forward);
    CHECK(forward <= 200);
    x.sum().backward();
    double both = static_cast<double>((have_peak ? peak_rss_bytes() : rss_bytes()) - before) / kOps;
    MESSAGE("bytes per recorded op at the peak of forward and backward: ", both);
    CHECK(both <= 200);
  }
  CHECK(a.grad().item() == 1.0);
}

TEST_CASE("a chain of 1e7 ops dropped without backward frees iteratively, without a stack overflow") {
  const int ops = kSanitized ? 1000000 : 10000000;
  int64_t before = Node::live_count();
  {
    Tensor x = ones({1}).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < ops; ++i) y = neg(y);  // the smallest node: no saved tensor, one edge
    CHECK(Node::live_count() - before == ops + 1);  // and the leaf's accumulator
  }
  CHECK(Node::live_count() == before);
}

// ---- second derivatives where PyTorch gives a zero tensor

TEST_CASE("second derivatives through relu, leaky_relu and nll_loss are zero tensors, as in PyTorch") {
  // The first derivative's graph reaches the input, so autograd::grad of it gives zeros (not an
  // undefined tensor, nor "output 0 does not require grad").
  Tensor labels = tensor({2, 0, 1}, kInt64);
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> fn;
  };
  for (const Case& c : std::vector<Case>{
           {"relu", [](const Tensor& x) { return relu(x).sum(); }},
           {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2).sum(); }},
           {"nll_loss", [&](const Tensor& x) { return nn::functional::nll_loss(x, labels); }},
           {"nll_loss sum", [&](const Tensor& x) { return nn::functional::nll_loss(x, labels, nn::Reduction::sum); }},
       }) {
    INFO(c.name);
    Tensor x = tensor({{0.5, -1.0, 2.0}, {-0.25, 1.5, -3.0}, {1.0, 0.75, -0.5}}, kFloat64).requires_grad_();
    Tensor g = autograd::grad({c.fn(x)}, {x}, {}, false, /*create_graph=*/true)[0];
    REQUIRE(g.requires_grad());
    Tensor h = autograd::grad({g.sum()}, {x})[0];  // allow_unused off: it must be used
    REQUIRE(h.defined());
    CHECK(h.shape() == x.shape());
    CHECK(h.abs().sum().item() == 0.0);
    // and the first derivative itself is unchanged: as PyTorch's
    if (std::string(c.name) == "nll_loss")
      CHECK(g.to_vector<double>() == std::vector<double>{0, 0, -1.0 / 3, -1.0 / 3, 0, 0, 0, -1.0 / 3, 0});
  }
}

TEST_CASE("a Hessian-vector product through a relu / leaky_relu MLP with nll_loss matches PyTorch's") {
  namespace ref = hvp_reference;
  Tensor x = tensor(ref::x, {4, 3}, kFloat64);
  Tensor labels = tensor(std::vector<double>(ref::labels.begin(), ref::labels.end()), {4}).to(kInt64);
  std::vector<Tensor> p = {tensor(ref::w1, {5, 3}, kFloat64), tensor(ref::b1, {5}, kFloat64),
                           tensor(ref::w2, {4, 5}, kFloat64), tensor(ref::b2, {4}, kFloat64),
                           tensor(ref::w3, {3, 4}, kFloat64), tensor(ref::b3, {3}, kFloat64)};
  for (auto& t : p) t.requires_grad_();
  std::vector<Tensor> v = {tensor(ref::v_w1, {5, 3}, kFloat64), tensor(ref::v_b1, {5}, kFloat64),
                           tensor(ref::v_w2, {4, 5}, kFloat64), tensor(ref::v_b2, {4}, kFloat64),
                           tensor(ref::v_w3, {3, 4}, kFloat64), tensor(ref::v_b3, {3}, kFloat64)};
  Tensor h = relu(matmul(x, p[0].t()) + p[1]);
  h = leaky_relu(matmul(h, p[2].t()) + p[3], 0.1);
  Tensor loss = nn::functional::nll_loss(log_softmax(matmul(h, p[4].t()) + p[5], 1), labels);
  CHECK(loss.item() == doctest::Approx(ref::loss).epsilon(1e-12));
  auto grads = autograd::grad({loss}, p, {}, false, /*create_graph=*/true);
  Tensor dot = (grads[0] * v[0]).sum();
  for (size_t i = 1; i < p.size(); ++i) dot = dot + (grads[i] * v[i]).sum();
  auto hv = autograd::grad({dot}, p);
  const std::vector<double>* want_grad[] = {&ref::grad_w1, &ref::grad_b1, &ref::grad_w2,
                                            &ref::grad_b2, &ref::grad_w3, &ref::grad_b3};
  const std::vector<double>* want_hv[] = {&ref::hv_w1, &ref::hv_b1, &ref::hv_w2, &ref::hv_b2, &ref::hv_w3, &ref::hv_b3};
  for (size_t i = 0; i < p.size(); ++i) {
    INFO("parameter ", i);
    auto g = grads[i].to_vector<double>(), got = hv[i].to_vector<double>();
    REQUIRE(got.size() == want_hv[i]->size());
    for (size_t k = 0; k < got.size(); ++k) {
      CHECK(g[k] == doctest::Approx((*want_grad[i])[k]).epsilon(1e-10));
      CHECK(got[k] == doctest::Approx((*want_hv[i])[k]).epsilon(1e-10));
    }
  }
}
