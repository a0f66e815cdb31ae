// Training on the device against the CPU: seeded draws, dropout masks and shuffles repeat; a model
// moved with Module::to(device) follows the CPU model's trajectory step by step under every
// optimizer; checkpoints cross devices; and an op given tensors on two devices names itself and
// both devices. Without a device the binary exits 77 and says why.
#include <doctest/doctest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "device_parity.hpp"

using namespace xgrad;
using parity::check_close;
using parity::tolerance;
using V = std::vector<Tensor>;
namespace F = xgrad::nn::functional;

namespace {

Device dev() { return parity::device(); }
void skip_without_device() { parity::skip_without_device("test_cuda_nn"); }

bool equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         a.to_vector<double>() == b.to_vector<double>();
}

double fraction_equal_to(const Tensor& t, double v) {
  std::vector<double> x = t.to_vector<double>();
  double n = 0;
  for (double e : x) n += e == v;
  return n / static_cast<double>(x.size());
}

// ---- a small classifier trained a few steps

nn::Sequential make_model(Dtype dtype, Device device) {
  manual_seed(3);
  nn::Sequential m(nn::Linear(6, 16), nn::Tanh(), nn::Linear(16, 16), nn::ReLU(), nn::Dropout(0.1),
                   nn::Linear(16, 4));
  m->to(dtype);
  m->to(device);
  return m;
}

struct Recipe {
  std::string name;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> make;
  std::function<void(const std::vector<Tensor>&)> clip = {};  // between backward and step
};

template <class Opt, class Options>
std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> maker(Options o) {
  return [o](std::vector<Tensor> params) { return std::make_unique<Opt>(std::move(params), o); };
}

std::vector<Recipe> recipes() {
  return {
      {"SGD", maker<optim::SGD>(optim::SGDOptions{.lr = 0.1})},
      {"SGD momentum, dampening, weight decay, clip_grad_norm_",
       maker<optim::SGD>(
           optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 1e-3}),
       [](const std::vector<Tensor>& p) { optim::clip_grad_norm_(p, 0.5); }},
      {"SGD Nesterov",
       maker<optim::SGD>(optim::SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true})},
      {"Adam", maker<optim::Adam>(optim::AdamOptions{.lr = 1e-2})},
      {"Adam AMSGrad, weight decay, clip_grad_value_",
       maker<optim::Adam>(optim::AdamOptions{.lr = 1e-2, .weight_decay = 1e-2, .amsgrad = true}),
       [](const std::vector<Tensor>& p) { optim::clip_grad_value_(p, 0.05); }},
      {"AdamW", maker<optim::AdamW>(optim::AdamWOptions{.lr = 1e-2})},
      {"RMSprop", maker<optim::RMSprop>(optim::RMSpropOptions{.lr = 1e-2})},
      {"RMSprop centered, momentum, weight decay",
       maker<optim::RMSprop>(optim::RMSpropOptions{
           .lr = 1e-2, .weight_decay = 1e-3, .momentum = 0.9, .centered = true})},
      {"Adagrad", maker<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1})},
  };
}

struct Trajectory {
  std::vector<Tensor> losses;  // per step, detached
  nn::StateDict model, optimizer;
};

// Five steps of cross-entropy on a fixed batch; dropout masks come from the seeded engine, so both
// devices draw the same ones.
Trajectory train(const Recipe& r, Dtype dtype, Device device) {
  nn::Sequential model = make_model(dtype, device);
  Tensor x = randn({32, 6}, kFloat64).to(dtype).to(device);
  Tensor y = randint(0, 4, {32}).to(device);
  std::vector<Tensor> params = model->parameters();
  std::unique_ptr<optim::Optimizer> opt = r.make(params);
  Trajectory t;
  for (int step = 0; step < 5; ++step) {
    opt->zero_grad();
    Tensor loss = F::cross_entropy(model(x), y);
    loss.backward();
    for (const Tensor& p : params) {
      REQUIRE(p.grad().defined());
      CHECK(p.device() == device);
      CHECK(p.grad().device() == device);
    }
    if (r.clip) r.clip(params);
    opt->step();
    t.losses.push_back(loss.detach());
  }
  t.model = model->state_dict();
  t.optimizer = opt->state_dict();
  return t;
}

}  // namespace

TEST_CASE("manual_seed makes device draws, dropout masks and shuffles repeat") {
  skip_without_device();
  nn::Dropout drop(0.2);
  auto draw = [&] {
    Tensor x = ones({64, 64}, dev());
    drop->train();
    return V{rand({1000}, dev()),
             randn({257, 3}, TensorOptions{kFloat64, dev()}),
             randint(0, 10, {500}, TensorOptions{kInt64, dev()}),
             bernoulli({999}, 0.25, dev()),
             randperm(100, TensorOptions{kInt64, dev()}),
             F::dropout(x, 0.5),
             drop(x)};
  };
  manual_seed(42);
  V a = draw();
  manual_seed(42);
  V b = draw();
  manual_seed(43);
  V c = draw();
  for (size_t k = 0; k < a.size(); ++k) {
    CAPTURE(k);
    CHECK(a[k].device() == dev());
    CHECK(equal(a[k], b[k]));
    CHECK_FALSE(equal(a[k], c[k]));
  }
  // Inverted dropout: zeros at rate p, the rest scaled by 1 / (1 - p).
  CHECK(fraction_equal_to(a[5], 0.0) == doctest::Approx(0.5).epsilon(0.1));
  CHECK(fraction_equal_to(a[5], 0.0) + fraction_equal_to(a[5], 2.0) == doctest::Approx(1.0));
  CHECK(fraction_equal_to(a[6], 0.0) == doctest::Approx(0.2).epsilon(0.25));
  CHECK(fraction_equal_to(a[6], 0.0) + fraction_equal_to(a[6], 1.25) == doctest::Approx(1.0));
  drop->eval();
  Tensor x = randn({8, 8}, dev());
  CHECK(equal(drop(x), x));
  // The engine moves on: the next draw differs from the first.
  manual_seed(42);
  Tensor first = rand({100}, dev()), second = rand({100}, dev());
  CHECK_FALSE(equal(first, second));

  // A shuffled DataLoader over data on the device gives the CPU's batches.
  Tensor xs = arange(40.0).reshape({20, 2}), ys = arange(20.0, TensorOptions(kInt64));
  data::TensorDataset on_cpu(xs, ys), on_dev = on_cpu.to(dev());
  auto batches = [](const data::TensorDataset& ds) {
    manual_seed(9);
    V out;
    for (auto [bx, by] : data::DataLoader(ds, {.batch_size = 6, .shuffle = true})) {
      out.push_back(bx);
      out.push_back(by);
    }
    return out;
  };
  V bc = batches(on_cpu), bd = batches(on_dev);
  REQUIRE(bc.size() == bd.size());
  for (size_t k = 0; k < bc.size(); ++k)
    check_close("batch tensor " + std::to_string(k), bc[k], bd[k], {0, 0});
}

TEST_CASE("a model moved to the device follows the CPU model under every optimizer") {
  skip_without_device();
  for (Dtype dtype : {kFloat32, kFloat64}) {
    for (const Recipe& r : recipes()) {
      INFO(r.name, " in ", std::string(dtype_name(dtype)));
      Trajectory c = train(r, dtype, kCPU), g = train(r, dtype, dev());
      auto tol = tolerance(dtype, 10);  // five steps of a small network compound the rounding
      for (size_t s = 0; s < c.losses.size(); ++s)
        check_close("loss at step " + std::to_string(s), c.losses[s], g.losses[s], tol);
      REQUIRE(c.model.keys() == g.model.keys());
      for (const auto& [key, value] : c.model)
        check_close("parameter " + key, value, g.model.at(key), tol);
      REQUIRE(c.optimizer.keys() == g.optimizer.keys());
      for (const auto& [key, value] : c.optimizer) {
        const Tensor& got = g.optimizer.at(key);
        bool buffer = key.rfind("state.", 0) == 0 && key.find(".step") == std::string::npos;
        if (buffer) CHECK_MESSAGE(got.device() == dev(), key);  // moment buffers stay on the device
        check_close("optimizer " + key, value, got.to(dev()), tol);
      }
    }
  }
}

TEST_CASE("Module::to moves parameters to the device and back; summary runs there") {
  skip_without_device();
  nn::Sequential m = make_model(kFloat32, kCPU);
  nn::StateDict before = m->state_dict();
  m->to(dev());
  for (const Tensor& p : m->parameters()) CHECK(p.device() == dev());
  std::ostringstream summary;
  m->summary({6}, summary);
  CHECK(summary.str().find("Linear") != std::string::npos);
  m->eval();
  Tensor out = m(randn({5, 6}, dev()));
  CHECK(out.device() == dev());
  CHECK(out.shape() == Shape({5, 4}));
  m->to(kCPU);
  for (const auto& [key, value] : before) {
    CAPTURE(key);
    CHECK(m->state_dict().at(key).device() == kCPU);
    CHECK(equal(m->state_dict().at(key), value));
  }
}

TEST_CASE("checkpoints written from the device load on the CPU and back on the device") {
  skip_without_device();
  std::string path = std::string(XGRAD_BINARY_DIR) + "/test_cuda_nn_model.safetensors";
  std::string opt_path = std::string(XGRAD_BINARY_DIR) + "/test_cuda_nn_adam.safetensors";
  nn::Sequential trained = make_model(kFloat32, dev());
  optim::Adam adam(trained->parameters(), {.lr = 1e-2});
  Tensor x = randn({8, 6}, dev());
  Tensor y = randint(0, 4, {8}, TensorOptions{kInt64, dev()});
  for (int step = 0; step < 2; ++step) {
    adam.zero_grad();
    F::cross_entropy(trained(x), y).backward();
    adam.step();
  }
  nn::save(trained, path);
  nn::save(adam.state_dict(), opt_path);

  nn::Sequential on_cpu = make_model(kFloat32, kCPU);
  nn::load(on_cpu, path);
  nn::Sequential on_dev = make_model(kFloat32, dev());
  nn::load(on_dev, path);
  for (const auto& [key, value] : trained->state_dict()) {
    CAPTURE(key);
    CHECK(on_cpu->state_dict().at(key).device() == kCPU);
    CHECK(on_dev->state_dict().at(key).device() == dev());
    CHECK(equal(on_cpu->state_dict().at(key), value));
    CHECK(equal(on_dev->state_dict().at(key), value));
  }
  optim::Adam resumed(on_dev->parameters(), {.lr = 1e-2});
  resumed.load_state_dict(nn::load(opt_path));
  for (const auto& [key, value] : adam.state_dict()) {
    CAPTURE(key);
    CHECK(equal(resumed.state_dict().at(key), value));
  }
  std::remove(path.c_str());
  std::remove(opt_path.c_str());
}

TEST_CASE("an op given tensors on two devices names the op and both devices") {
  skip_without_device();
  if (!dev().is_cuda()) {
    MESSAGE("skipped: the device under test is the CPU");
    return;
  }
  Tensor c = ones({2, 3}), g = ones({2, 3}, kCUDA);
  Tensor ci = tensor({0.0, 1.0}, kInt64), gi = tensor({0.0, 1.0}, TensorOptions{kInt64, kCUDA});
  Tensor c_index = tensor({0.0, 1.0, 1.0, 0.0, 2.0, 1.0}, {2, 3}, kInt64);
  Tensor c_labels = tensor({0.0, 2.0}, kInt64);
  struct Mixed {
    const char* op;  // the name the message must carry
    std::function<void()> call;
  };
  const std::vector<Mixed> cases = {
      {"add", [&] { add(c, g); }},
      {"sub", [&] { sub(g, c); }},
      {"mul", [&] { (void)(c * g); }},
      {"div", [&] { (void)(g / c); }},
      {"pow", [&] { pow(c, g); }},
      {"maximum", [&] { maximum(g, c); }},
      {"minimum", [&] { minimum(c, g); }},
      {"eq", [&] { eq(c, g); }},
      {"lt", [&] { lt(g, c); }},
      {"where", [&] { where(c, g, g); }},
      {"where", [&] { where(gt(g, 0.0), g, c); }},
      {"tanh_backward", [&] { tanh_backward(c, g); }},
      {"sigmoid_backward", [&] { sigmoid_backward(g, c); }},
      {"threshold_backward", [&] { threshold_backward(g, c, 0.0); }},
      {"matmul", [&] { matmul(c, g.t()); }},
      {"matmul", [&] { mm(c, g, false, true); }},  // mm reports itself as matmul
      {"cat",
       [&] {
         cat({c, g});
       }},
      {"stack",
       [&] {
         stack({g, c});
       }},
      {"index_select", [&] { index_select(g, 0, ci); }},
      {"index_select", [&] { index_select(c, 0, gi); }},
      {"gather", [&] { gather(g, 0, c_index); }},
      {"scatter_add", [&] { scatter_add(g, 0, c_index, g); }},
      {"scatter_add", [&] { scatter_add(g, 1, c_index.to(kCUDA), c); }},
      {"index_add", [&] { index_add(g, 0, gi, c); }},
      {"add_", [&] { g.clone().add_(c); }},
      {"mul_", [&] { g.clone().mul_(c); }},
      {"div_", [&] { c.clone().div_(g); }},
      {"linear", [&] { linear(c, g); }},
      {"linear", [&] { F::linear(c, g); }},
      {"mse_loss", [&] { F::mse_loss(g, c); }},
      {"l1_loss", [&] { F::l1_loss(c, g); }},
      {"binary_cross_entropy", [&] { F::binary_cross_entropy(g * 0.5, c * 0.5); }},
      {"binary_cross_entropy_with_logits", [&] { F::binary_cross_entropy_with_logits(g, c); }},
      {"nll_loss", [&] { F::nll_loss(g, c_labels); }},
      {"cross_entropy", [&] { F::cross_entropy(g, c_labels); }},
      {"cross_entropy", [&] { softmax_cross_entropy(g, c_labels, true); }},
      {"cross_entropy", [&] { F::cross_entropy(g, c.to(kCUDA), nn::Reduction::mean, ones({3})); }},
  };
  for (const Mixed& m : cases) {
    CAPTURE(m.op);
    try {
      m.call();
      FAIL_CHECK("no error for tensors on cpu and cuda:0");
    } catch (const Error& e) {
      std::string what = e.what();
      CAPTURE(what);
      CHECK(what.rfind(std::string(m.op) + ":", 0) == 0);
      CHECK(what.find("cpu") != std::string::npos);
      CHECK(what.find("cuda:0") != std::string::npos);
    }
  }
  // The engine, given a gradient on the wrong device.
  Tensor x = ones({2}, TensorOptions(kFloat64, kCUDA).requires_grad(true));
  Tensor y = x * 2.0;
  try {
    y.backward(ones({2}, kFloat64));
    FAIL_CHECK("no error for a gradient on the cpu");
  } catch (const Error& e) {
    std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("backward") != std::string::npos);
    CHECK(what.find("cpu") != std::string::npos);
    CHECK(what.find("cuda:0") != std::string::npos);
  }
  // A model on the device given a batch on the CPU.
  nn::Sequential model = make_model(kFloat32, kCUDA);
  try {
    model(ones({2, 6}));
    FAIL_CHECK("no error for a batch on the cpu");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("cuda:0") != std::string::npos);
  }
}
