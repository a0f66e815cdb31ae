// nn: the Module API, every layer's forward, weight init and two short trainings (the losses are
// in test_nn_losses.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

#include "xgrad/xgrad.hpp"
#include "test_util.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace F = xgrad::nn::functional;

namespace {

std::string str(const auto& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

struct NetImpl : nn::Module {
  nn::Linear fc1{4, 8};
  nn::Linear fc2{8, 2};
  Tensor& scale;
  Tensor& running;
  NetImpl()
      : Module("Net"),
        scale(register_parameter("scale", ones({2}))),
        running(register_buffer("running", zeros({2}))) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(fc1(x))) * scale; }
};
XGRAD_MODULE(Net);

}  // namespace

// ---------------------------------------------------------------- Module API

TEST_CASE("Sequential of the design page builds, runs and names its parameters like PyTorch") {
  manual_seed(0);
  nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10));
  Tensor y = model(randn({5, 64}));
  CHECK(y.shape() == Shape{5, 10});
  CHECK(model.parameters().size() == 4);
  auto named = model.named_parameters();
  REQUIRE(named.size() == 4);
  CHECK(named[0].first == "0.weight");
  CHECK(named[1].first == "0.bias");
  CHECK(named[2].first == "2.weight");
  CHECK(named[3].first == "2.bias");
  CHECK(named[0].second.shape() == Shape{50, 64});
  CHECK(named[3].second.shape() == Shape{10});
  for (auto& p : model.parameters()) CHECK(p.requires_grad());
  CHECK(model->size() == 3);
  CHECK(model->at<nn::LinearImpl>(2).out_features == 10);
  CHECK_THROWS_AS(model->at<nn::LinearImpl>(1), Error);
}

TEST_CASE("a user-defined module registers parameters, buffers and submodules with dotted names") {
  Net net;
  auto names = [](const std::vector<nn::NamedTensor>& v) {
    std::vector<std::string> out;
    for (auto& [n, _] : v) out.push_back(n);
    return out;
  };
  CHECK(names(net.named_parameters()) ==
        std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(names(net.named_parameters(false)) == std::vector<std::string>{"scale"});
  CHECK(names(net.named_buffers()) == std::vector<std::string>{"running"});
  CHECK(net.state_dict().keys() == std::vector<std::string>{"scale", "running", "fc1.weight",
                                                            "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(net.children().size() == 2);
  auto modules = net.named_modules();
  REQUIRE(modules.size() == 3);
  CHECK(modules[0].first == "");
  CHECK(modules[1].first == "fc1");
  CHECK(net(zeros({3, 4})).shape() == Shape{3, 2});
}

TEST_CASE("registering a bad or duplicate name is an error naming it") {
  nn::Module m("M");
  m.register_parameter("w", zeros({2}));
  CHECK(contains(error_of([&] { m.register_parameter("w", zeros({2})); }), "\"w\""));
  CHECK(contains(error_of([&] { m.register_buffer("a.b", zeros({2})); }), "'.'"));
  CHECK(contains(error_of([&] { m.register_module("", nn::ReLU().ptr()); }), "empty"));
  CHECK(contains(error_of([&] { m.register_parameter("i", zeros({2}, kInt64)); }), "int64"));
}

TEST_CASE("a moved-from module handle is empty, as the shared_ptr it holds") {
  nn::Linear a(2, 3);
  nn::Linear b = std::move(a);
  CHECK(a.is_empty());
  CHECK(a.get() == nullptr);
  CHECK(a.ptr() == nullptr);
  CHECK(contains(error_of([&] { a->forward(zeros({1, 2})); }), "empty module handle"));
  nn::Module m("M");
  CHECK(contains(error_of([&] { m.register_module("a", a); }), "empty"));
  REQUIRE(b.get() != nullptr);
  CHECK(b.ptr().get() == b.get());
  CHECK(b(zeros({1, 2})).shape() == Shape{1, 3});
  a = b;  // assigning gives the moved-from handle both pointers back
  CHECK(a.get() == b.get());
  CHECK(a.ptr() == b.ptr());
}

TEST_CASE("a parameter shared by two modules is listed once") {
  nn::Linear a(3, 3), b(3, 3);
  b->weight = a->weight;  // tie
  nn::Sequential model(a, b);
  CHECK(model.parameters().size() == 3);
  CHECK(model.state_dict().size() == 4);  // every name kept, as PyTorch
}

TEST_CASE("train and eval propagate to every submodule") {
  Net net;
  CHECK(net.is_training());
  net.eval();
  CHECK_FALSE(net.is_training());
  CHECK_FALSE(net->fc1.is_training());
  net.train();
  CHECK(net->fc2.is_training());
}

TEST_CASE("zero_grad drops gradients, or zeroes them in place") {
  nn::Linear lin(3, 2);
  (lin(ones({4, 3})).sum()).backward();
  REQUIRE(lin->weight.grad().defined());
  lin.zero_grad(false);
  REQUIRE(lin->weight.grad().defined());
  CHECK(lin->weight.grad().abs().sum().item() == 0.0);
  lin.zero_grad();
  CHECK_FALSE(lin->weight.grad().defined());
  CHECK_FALSE(lin->bias.grad().defined());
}

TEST_CASE("to(dtype) converts parameters and buffers, and the layer's members follow") {
  Net net;
  net.to(kFloat64);
  CHECK(net->fc1->weight.dtype() == kFloat64);
  CHECK(net->scale.dtype() == kFloat64);
  CHECK(net->running.dtype() == kFloat64);
  for (auto& p : net.parameters()) {
    CHECK(p.dtype() == kFloat64);
    CHECK(p.requires_grad());
    CHECK(p.is_leaf());
  }
  CHECK(net(zeros({2, 4}, kFloat64)).dtype() == kFloat64);
  CHECK_THROWS_AS(net.to(kInt64), Error);
}

TEST_CASE("to(device) moves a model to CUDA and back when a device is present") {
  if (!cuda::is_available()) {
    MESSAGE("skipped: no CUDA device");
    return;
  }
  manual_seed(1);
  nn::Sequential model(nn::Linear(4, 3), nn::Tanh(), nn::Linear(3, 2));
  Tensor x = randn({5, 4});
  Tensor want = model(x);
  model.to(kCUDA);
  CHECK(model->at<nn::LinearImpl>(0).weight.is_cuda());
  Tensor got = model(x.cuda());
  CHECK(got.is_cuda());
  CHECK(allclose(got.cpu(), want, 1e-5, 1e-6));
  model.to(kCPU);
  CHECK_FALSE(model.parameters()[0].is_cuda());
}

// ---------------------------------------------------------------- state_dict

TEST_CASE("load_state_dict copies every value into another model") {
  manual_seed(2);
  Net a, b;
  a->running.fill_(3.0);
  b.load_state_dict(a.state_dict());
  for (auto& [name, t] : a.state_dict()) {
    INFO(name);
    CHECK(allclose(b.state_dict().at(name), t));
  }
  CHECK(b->running.sum().item() == 6.0);
  Tensor x = randn({3, 4});
  CHECK(allclose(a(x), b(x)));
}

TEST_CASE("load_state_dict names missing, unexpected and mis-shaped keys, and changes nothing") {
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2));
  nn::StateDict sd = model.state_dict();
  const Tensor before = model.parameters()[0].clone();

  nn::StateDict missing = sd;
  missing.erase("2.bias");
  std::string e = error_of([&] { model.load_state_dict(missing); });
  CHECK(contains(e, "Error(s) in loading state_dict for Sequential"));
  CHECK(contains(e, "Missing key(s) in state_dict: \"2.bias\""));

  nn::StateDict extra = sd;
  extra.insert("3.weight", zeros({1}));
  e = error_of([&] { model.load_state_dict(extra); });
  CHECK(contains(e, "Unexpected key(s) in state_dict: \"3.weight\""));

  nn::StateDict bad = sd;
  bad.insert("0.weight", full({5, 4}, 7.0));
  bad.insert("2.weight", full({2, 3}, 7.0));
  e = error_of([&] { model.load_state_dict(bad); });
  CHECK(contains(e,
                 "size mismatch for 0.weight: copying a param with shape [5, 4] from checkpoint, "
                 "the shape in current model is [3, 4]"));
  // Checked before copying: the well-shaped 2.weight was not copied either.
  CHECK(model.parameters()[2].max().item() < 7.0);
  CHECK(allclose(model.parameters()[0], before));

  // Non-strict: missing and unexpected keys are reported, not raised; shapes still are.
  missing.insert("extra", zeros({1}));
  auto result = model.load_state_dict(missing, false);
  CHECK(result.missing_keys == std::vector<std::string>{"2.bias"});
  CHECK(result.unexpected_keys == std::vector<std::string>{"extra"});
  CHECK_THROWS_AS(model.load_state_dict(bad, false), Error);
}

TEST_CASE("load_state_dict converts float64 values into a float32 model") {
  nn::Linear a(2, 2), b(2, 2);
  a.to(kFloat64);
  a->weight.detach().fill_(0.5);
  b.load_state_dict(a.state_dict());
  CHECK(b->weight.dtype() == kFloat32);
  CHECK(b->weight.sum().item() == doctest::Approx(2.0));
}

// ---------------------------------------------------------------- printing

TEST_CASE("a model prints like PyTorch") {
  nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10, {.bias = false}),
                       nn::Dropout(0.25), nn::LeakyReLU(0.2), nn::Softmax(1), nn::Flatten());
  CHECK(str(model) ==
        "Sequential(\n"
        "  (0): Linear(in_features=64, out_features=50, bias=True)\n"
        "  (1): Sigmoid()\n"
        "  (2): Linear(in_features=50, out_features=10, bias=False)\n"
        "  (3): Dropout(p=0.25)\n"
        "  (4): LeakyReLU(negative_slope=0.2)\n"
        "  (5): Softmax(dim=1)\n"
        "  (6): Flatten(start_dim=1, end_dim=-1)\n"
        ")");
  nn::Sequential nested(nn::Sequential(nn::Linear(2, 3), nn::ReLU()), nn::Linear(3, 1));
  CHECK(str(nested) ==
        "Sequential(\n"
        "  (0): Sequential(\n"
        "    (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "    (1): ReLU()\n"
        "  )\n"
        "  (1): Linear(in_features=3, out_features=1, bias=True)\n"
        ")");
  CHECK(nested.state_dict().keys() ==
        std::vector<std::string>{"0.0.weight", "0.0.bias", "1.weight", "1.bias"});
  Net net;
  CHECK(str(net) ==
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (fc2): Linear(in_features=8, out_features=2, bias=True)\n"
        ")");
}

TEST_CASE("summary prints each layer's output shape and parameter count, then totals") {
  nn::Sequential model(nn::Linear(64, 50), nn::Sigmoid(), nn::Dropout(0.5), nn::Linear(50, 10));
  std::ostringstream os;
  manual_seed(3);
  Tensor before = rand({1});
  manual_seed(3);
  model.summary({64}, os);
  std::string s = os.str();
  INFO(s);
  CHECK(contains(s, "Layer (type)"));
  CHECK(contains(s, "Output Shape"));
  CHECK(contains(s, "0 (Linear)"));
  CHECK(contains(s, "[-1, 50]"));
  CHECK(contains(s, "3,250"));
  CHECK(contains(s, "3 (Linear)"));
  CHECK(contains(s, "Total params: 3,760"));
  CHECK(contains(s, "Trainable params: 3,760"));
  CHECK(contains(s, "Non-trainable params: 0"));
  CHECK(model.is_training());                // mode restored
  CHECK(rand({1}).item() == before.item());  // no random numbers drawn (Dropout in eval)
}

// ---------------------------------------------------------------- layers

TEST_CASE("Linear computes x W^T + b for 1-D, 2-D and 3-D inputs") {
  nn::Linear lin(3, 2);
  lin->weight.detach().copy_(tensor({{1, 2, 3}, {-1, 0, 1}}));
  lin->bias.detach().copy_(tensor({0.5, -0.5}));
  CHECK(allclose(lin(tensor({{1, 1, 1}, {0, 1, 0}})), tensor({{6.5, -0.5}, {2.5, -0.5}})));
  CHECK(allclose(lin(tensor({1, 1, 1})), tensor({6.5, -0.5})));
  Tensor y3 = lin(ones({2, 4, 3}));
  CHECK(y3.shape() == Shape{2, 4, 2});
  CHECK(allclose(y3.select(0, 1).select(0, 2), tensor({6.5, -0.5})));
  CHECK(contains(error_of([&] { lin(ones({2, 4})); }), "last dimension must be 3"));
}

TEST_CASE("Linear's default init is PyTorch's: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias") {
  manual_seed(4);
  nn::Linear lin(100, 200);
  const double bound = 1.0 / std::sqrt(100.0);
  for (Tensor t : {lin->weight, lin->bias}) {
    CHECK(t.max().item() <= bound);
    CHECK(t.min().item() >= -bound);
  }
  CHECK(lin->weight.max().item() > 0.9 * bound);
  CHECK(std::abs(lin->weight.mean().item()) < 0.01);
}

TEST_CASE("Linear options: normal weights, constant bias, no bias, dtype") {
  manual_seed(5);
  nn::Linear lin(64, 500,
                 {.weight_init = nn::init::normal(0.0, 1.0),
                  .bias_init = nn::init::constant(0.01),
                  .dtype = kFloat64});
  CHECK(lin->weight.dtype() == kFloat64);
  CHECK(std::abs(lin->weight.mean().item()) < 0.02);
  CHECK(std::abs(xgrad::std(lin->weight).item() - 1.0) < 0.02);
  CHECK(lin->bias.min().item() == 0.01);
  CHECK(lin->bias.max().item() == 0.01);
  nn::Linear nobias(3, 2, {.bias = false});
  CHECK_FALSE(nobias->bias.defined());
  CHECK(nobias.parameters().size() == 1);
  CHECK(nobias.state_dict().size() == 1);
  CHECK(nobias(ones({1, 3})).shape() == Shape{1, 2});
}

TEST_CASE("nn::init fills in place with the documented bounds and spreads") {
  manual_seed(6);
  Tensor w = empty({300, 200});
  nn::init::xavier_uniform_(w);
  double b = std::sqrt(6.0 / 500.0);
  CHECK(w.max().item() <= b);
  CHECK(w.max().item() > 0.95 * b);
  nn::init::xavier_normal_(w, 2.0);
  CHECK(xgrad::std(w).item() == doctest::Approx(2.0 * std::sqrt(2.0 / 500.0)).epsilon(0.03));
  nn::init::kaiming_uniform_(w, 0.0, nn::init::FanMode::fan_in, "relu");
  CHECK(w.max().item() <= std::sqrt(2.0) * std::sqrt(3.0 / 200.0));
  nn::init::kaiming_normal_(w, 0.0, nn::init::FanMode::fan_out, "relu");
  CHECK(xgrad::std(w).item() == doctest::Approx(std::sqrt(2.0 / 300.0)).epsilon(0.03));
  nn::init::uniform_(w, 2.0, 3.0);
  CHECK(w.min().item() >= 2.0);
  CHECK(w.max().item() < 3.0);
  nn::init::normal_(w, 5.0, 0.1);
  CHECK(w.mean().item() == doctest::Approx(5.0).epsilon(0.01));
  nn::init::constant_(w, 0.25);
  CHECK(w.min().item() == 0.25);
  nn::init::zeros_(w);
  CHECK(w.abs().max().item() == 0.0);
  nn::init::ones_(w);
  CHECK(w.sum().item() == 60000.0);
  CHECK(nn::init::calculate_gain("tanh") == doctest::Approx(5.0 / 3.0));
  CHECK(nn::init::calculate_gain("leaky_relu", 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
  CHECK_THROWS_AS(nn::init::calculate_gain("swish"), Error);
  Tensor v = empty({5});
  CHECK(contains(error_of([&] { nn::init::xavier_uniform_(v); }), "2 or more dimensions"));
  // In place on a parameter: no graph, requires_grad kept.
  nn::Linear lin(3, 3);
  nn::init::zeros_(lin->weight);
  CHECK(lin->weight.requires_grad());
  CHECK(lin->weight.is_leaf());
}

TEST_CASE("activation modules compute their functions") {
  Tensor x = tensor({{-2.0, -0.5, 0.0, 1.5}}, kFloat64);
  CHECK(allclose(nn::ReLU()(x), tensor({{0.0, 0.0, 0.0, 1.5}}, kFloat64)));
  CHECK(allclose(nn::LeakyReLU(0.1)(x), tensor({{-0.2, -0.05, 0.0, 1.5}}, kFloat64)));
  CHECK(allclose(nn::Tanh()(x),
                 tensor({{std::tanh(-2.0), std::tanh(-0.5), 0.0, std::tanh(1.5)}}, kFloat64)));
  auto sig = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  CHECK(allclose(nn::Sigmoid()(x), tensor({{sig(-2.0), sig(-0.5), 0.5, sig(1.5)}}, kFloat64)));
  Tensor s = nn::Softmax(1)(x);
  CHECK(s.sum().item() == doctest::Approx(1.0));
  CHECK(allclose(nn::LogSoftmax(1)(x), log(s)));
  CHECK(allclose(nn::Softmax()(x), s));  // default: the last dimension
  CHECK(allclose(nn::Identity()(x), x));
  CHECK(nn::Flatten()(zeros({2, 3, 4})).shape() == Shape{2, 12});
  CHECK(nn::Flatten(0)(zeros({2, 3, 4})).shape() == Shape{24});
}

TEST_CASE("Dropout zeroes about p of the elements and scales the rest by 1/(1-p)") {
  manual_seed(7);
  const int64_t n = 200000;
  nn::Dropout drop(0.25);
  Tensor x = ones({n}, kFloat64).requires_grad_();
  Tensor y = drop(x);
  auto v = y.to_vector<double>();
  int64_t zeros_seen = 0;
  for (double e : v) {
    if (e == 0.0)
      ++zeros_seen;
    else
      CHECK_MESSAGE(e == doctest::Approx(1.0 / 0.75), "a kept element is not scaled by 1/(1-p)");
  }
  CHECK(static_cast<double>(zeros_seen) / n == doctest::Approx(0.25).epsilon(0.02));
  CHECK(y.mean().item() == doctest::Approx(1.0).epsilon(0.01));
  // The gradient is the same scaled mask.
  y.sum().backward();
  CHECK(allclose(x.grad(), y.detach()));
}

TEST_CASE("Dropout is the identity in eval mode and follows the seed in training") {
  nn::Dropout drop(0.5);
  Tensor x = randn({100});
  manual_seed(8);
  Tensor a = drop(x);
  manual_seed(8);
  Tensor b = drop(x);
  CHECK(allclose(a, b));
  drop.eval();
  CHECK(drop(x).same(x));
  CHECK(F::dropout(x, 0.0).same(x));
  CHECK(F::dropout(x, 1.0).abs().sum().item() == 0.0);
  CHECK_THROWS_AS(nn::Dropout(1.5), Error);
  CHECK_THROWS_AS(F::dropout(x, -0.1), Error);
}

TEST_CASE("a small model trains: loss goes down with SGD on cross entropy") {
  manual_seed(9);
  nn::Sequential model(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 2));
  Tensor x = randn({64, 2});
  Tensor y = gt(x.select(1, 0) * x.select(1, 1), 0.0).to(kInt64);
  optim::SGD opt(model.parameters(), {.lr = 0.5});
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model(x), y);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  CHECK(last < 0.5 * first);
}

TEST_CASE("1000 training steps of a digits MLP keep the resident memory flat after warm-up" *
          doctest::skip(test_util::kAddressSanitizer)) {
  // 64-32-10 with ReLU, batch 32, SGD with momentum, on scikit-learn's digits; RSS from
  // /proc/self/statm at step 200 and at step 1000 (Linux only: elsewhere it reads 0).
  auto rss = [] {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
      std::fclose(f);
    }
    return static_cast<int64_t>(resident) * 4096;
  };
  manual_seed(0);
  auto digits = data::load_digits();
  nn::Sequential model(nn::Linear(64, 32), nn::ReLU(), nn::Linear(32, 10));
  optim::SGD opt(model->parameters(), {.lr = 0.01, .momentum = 0.9});
  int step = 0;
  int64_t at_200 = 0, at_1000 = 0;
  double first_loss = 0, last_loss = 0;
  while (step < 1000) {
    for (auto [x, y] : data::DataLoader(digits, {.batch_size = 32, .shuffle = true, .drop_last = true})) {
      opt.zero_grad();
      Tensor loss = nn::functional::cross_entropy(model(x / 16.0), y);
      loss.backward();
      opt.step();
      double l = loss.item();
      if (step == 0) first_loss = l;
      last_loss = l;
      if (++step == 200) at_200 = rss();
      if (step == 1000) {
        at_1000 = rss();
        break;
      }
    }
  }
  MESSAGE("RSS at step 200: ", at_200 / 1024, " KiB; at step 1000: ", at_1000 / 1024, " KiB");
  CHECK(at_1000 - at_200 < (1 << 20));
  CHECK(last_loss < first_loss);  // it did train
}
