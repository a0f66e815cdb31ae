// optim: each optimizer's steps, the schedulers and clip_grad_norm_ against PyTorch's numbers
// (tests/reference/optim_reference.hpp, made by tests/reference/optim_reference.py), parameter
// groups, state_dict round trips and option checks.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "reference/optim_reference.hpp"
#include "xgrad/xgrad.hpp"
#include "test_util.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::check_close;
using test_util::error_of;
namespace ref = optim_reference;

namespace {

// The reference problem's parameters and loss.
struct Problem {
  Dtype dtype;
  Tensor w, b, x, t;
  explicit Problem(Dtype d = kFloat64)
      : dtype(d),
        w(tensor(ref::w0, {3, 2}, d).requires_grad_()),
        b(tensor(ref::b0, {2}, d).requires_grad_()),
        x(tensor(ref::x, {4, 3}, d)),
        t(tensor(ref::t, {4, 2}, d)) {}
  Tensor loss() const {
    Tensor r = matmul(x, w) + b - t;
    return (r * r).mean() + 0.1 * w.pow(4.0).sum();
  }
};

using MakeOptimizer = std::function<std::unique_ptr<optim::Optimizer>(Problem&)>;

// Runs kSteps steps and compares w and b after each with PyTorch's.
void check_trajectory(const ref::Trajectory& want, const MakeOptimizer& make,
                      const std::string& name, Dtype dtype = kFloat64, double rtol = 1e-10,
                      double atol = 1e-12) {
  Problem p(dtype);
  auto opt = make(p);
  for (int step = 0; step < ref::kSteps; ++step) {
    opt->zero_grad();
    p.loss().backward();
    opt->step();
    check_close(p.w.to_vector<double>(), want.w[step], rtol, atol,
                name + " w after step " + std::to_string(step + 1));
    check_close(p.b.to_vector<double>(), want.b[step], rtol, atol,
                name + " b after step " + std::to_string(step + 1));
  }
}

template <class Opt, class Options>
MakeOptimizer make(Options o) {
  return [o](Problem& p) { return std::make_unique<Opt>(std::vector<Tensor>{p.w, p.b}, o); };
}

}  // namespace

TEST_CASE("SGD matches PyTorch: plain, weight decay, momentum, dampening, Nesterov, maximize") {
  using optim::SGD;
  check_trajectory(ref::sgd, make<SGD>(optim::SGDOptions{.lr = 0.1}), "sgd");
  check_trajectory(ref::sgd_weight_decay,
                   make<SGD>(optim::SGDOptions{.lr = 0.1, .weight_decay = 0.1}),
                   "sgd weight decay");
  check_trajectory(ref::sgd_momentum, make<SGD>(optim::SGDOptions{.lr = 0.1, .momentum = 0.9}),
                   "sgd momentum");
  check_trajectory(ref::sgd_dampening,
                   make<SGD>(optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.3}),
                   "sgd dampening");
  check_trajectory(ref::sgd_nesterov,
                   make<SGD>(optim::SGDOptions{
                       .lr = 0.1, .momentum = 0.9, .weight_decay = 0.05, .nesterov = true}),
                   "sgd nesterov");
  check_trajectory(ref::sgd_maximize,
                   make<SGD>(optim::SGDOptions{.lr = 0.01, .momentum = 0.5, .maximize = true}),
                   "sgd maximize");
}

TEST_CASE("SGD parameter groups keep their own lr and weight decay (PyTorch's numbers)") {
  check_trajectory(
      ref::sgd_groups,
      [](Problem& p) {
        auto opt = std::make_unique<optim::SGD>(
            std::vector<Tensor>{p.w},
            optim::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1});
        opt->add_param_group({p.b}, {.lr = 0.05, .momentum = 0.9});
        return opt;
      },
      "sgd groups");
  // The same through the group-list constructor.
  check_trajectory(
      ref::sgd_groups,
      [](Problem& p) {
        return std::make_unique<optim::SGD>(
            std::vector<optim::SGD::ParamGroup>{
                {{p.w}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1}},
                {{p.b}, {.lr = 0.05, .momentum = 0.9}}},
            optim::SGDOptions{.lr = 0.1});
      },
      "sgd group list");
}

TEST_CASE("Adam and AdamW match PyTorch, with and without AMSGrad") {
  check_trajectory(ref::adam, make<optim::Adam>(optim::AdamOptions{.lr = 0.01}), "adam");
  check_trajectory(
      ref::adam_amsgrad_weight_decay,
      make<optim::Adam>(optim::AdamOptions{
          .lr = 0.05, .betas = {0.8, 0.95}, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = true}),
      "adam amsgrad weight decay");
  check_trajectory(ref::adamw, make<optim::AdamW>(optim::AdamWOptions{.lr = 0.01}), "adamw");
  check_trajectory(
      ref::adamw_amsgrad,
      make<optim::AdamW>(optim::AdamWOptions{.lr = 0.05, .weight_decay = 0.2, .amsgrad = true}),
      "adamw amsgrad");
}

TEST_CASE("Adam in float32 matches PyTorch's float32 run") {
  check_trajectory(ref::adam_float32, make<optim::Adam>(optim::AdamOptions{.lr = 0.01}),
                   "adam float32", kFloat32, 1e-5, 1e-6);
}

TEST_CASE("RMSprop matches PyTorch: plain, and centered with momentum and weight decay") {
  check_trajectory(ref::rmsprop, make<optim::RMSprop>(optim::RMSpropOptions{.lr = 0.01}),
                   "rmsprop");
  check_trajectory(ref::rmsprop_centered_momentum,
                   make<optim::RMSprop>(optim::RMSpropOptions{.lr = 0.01,
                                                              .alpha = 0.9,
                                                              .eps = 1e-6,
                                                              .weight_decay = 0.1,
                                                              .momentum = 0.5,
                                                              .centered = true}),
                   "rmsprop centered momentum");
}

TEST_CASE(
    "Adagrad matches PyTorch: plain, and with lr decay, weight decay and an initial accumulator") {
  check_trajectory(ref::adagrad, make<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1}), "adagrad");
  check_trajectory(ref::adagrad_decay,
                   make<optim::Adagrad>(optim::AdagradOptions{.lr = 0.1,
                                                              .lr_decay = 0.05,
                                                              .weight_decay = 0.1,
                                                              .initial_accumulator_value = 0.5,
                                                              .eps = 1e-8}),
                   "adagrad decay");
}

TEST_CASE("parameters without a gradient are left alone") {
  Tensor a = ones({2}).requires_grad_(), b = ones({2}).requires_grad_();
  optim::Adam opt({a, b}, {.lr = 0.1});
  (a * 3.0).sum().backward();
  opt.step();
  CHECK(a.sum().item() < 2.0);
  CHECK(b.sum().item() == 2.0);
  CHECK(opt.state(b).buffers.empty());
  CHECK(opt.state(a).step == 1);
}

TEST_CASE("zero_grad drops gradients or zeroes them") {
  Tensor a = ones({2}).requires_grad_();
  optim::SGD opt({a}, {.lr = 0.1});
  (a * 2.0).sum().backward();
  opt.zero_grad(false);
  REQUIRE(a.grad().defined());
  CHECK(a.grad().abs().sum().item() == 0.0);
  opt.zero_grad();
  CHECK_FALSE(a.grad().defined());
}

TEST_CASE(
    "optimizer state_dict round trip: 3 steps, save, load in a fresh optimizer, 2 more == 5 "
    "steps") {
  auto run = [](auto make_opt, const ref::Trajectory& want, const std::string& name) {
    Problem p;
    auto opt = make_opt(p);
    for (int s = 0; s < 3; ++s) {
      opt->zero_grad();
      p.loss().backward();
      opt->step();
    }
    nn::StateDict sd = opt->state_dict();
    auto fresh = make_opt(p);
    fresh->set_lr(123.0);  // overwritten by the loaded options
    fresh->load_state_dict(sd);
    CHECK(fresh->lr() == opt->lr());
    for (int s = 3; s < 5; ++s) {
      fresh->zero_grad();
      p.loss().backward();
      fresh->step();
    }
    check_close(p.w.to_vector<double>(), want.w[4], 1e-10, 1e-12, name);
  };
  run(
      [](Problem& p) {
        return std::make_unique<optim::Adam>(std::vector<Tensor>{p.w, p.b},
                                             optim::AdamOptions{.lr = 0.01});
      },
      ref::adam, "adam");
  run(
      [](Problem& p) {
        return std::make_unique<optim::SGD>(std::vector<Tensor>{p.w, p.b},
                                            optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
      },
      ref::sgd_momentum, "sgd momentum");
  run(
      [](Problem& p) {
        return std::make_unique<optim::RMSprop>(std::vector<Tensor>{p.w, p.b},
                                                optim::RMSpropOptions{.lr = 0.01,
                                                                      .alpha = 0.9,
                                                                      .eps = 1e-6,
                                                                      .weight_decay = 0.1,
                                                                      .momentum = 0.5,
                                                                      .centered = true});
      },
      ref::rmsprop_centered_momentum, "rmsprop");
  run(
      [](Problem& p) {
        return std::make_unique<optim::AdamW>(
            std::vector<Tensor>{p.w, p.b},
            optim::AdamWOptions{.lr = 0.05, .weight_decay = 0.2, .amsgrad = true});
      },
      ref::adamw_amsgrad, "adamw amsgrad");
}

TEST_CASE("AdamW and Adagrad restored from a state_dict step bitwise as an uninterrupted optimizer") {
  auto run = [](auto make_opt, const std::string& name) {
    INFO(name);
    Problem straight;
    auto a = make_opt(straight);
    for (int s = 0; s < 5; ++s) {
      a->zero_grad();
      straight.loss().backward();
      a->step();
    }
    Problem p;
    auto b = make_opt(p);
    for (int s = 0; s < 3; ++s) {
      b->zero_grad();
      p.loss().backward();
      b->step();
    }
    nn::StateDict sd = b->state_dict();
    CHECK(sd.at("state.0.step").item() == 3);
    Problem q;  // fresh parameters with the values p has now
    {
      NoGradGuard g;
      q.w.copy_(p.w);
      q.b.copy_(p.b);
    }
    auto c = make_opt(q);
    c->load_state_dict(sd);
    for (int s = 3; s < 5; ++s) {
      c->zero_grad();
      q.loss().backward();
      c->step();
    }
    CHECK(q.w.to_vector<double>() == straight.w.to_vector<double>());
    CHECK(q.b.to_vector<double>() == straight.b.to_vector<double>());
  };
  run(
      [](Problem& p) {
        return std::make_unique<optim::AdamW>(
            std::vector<Tensor>{p.w, p.b},
            optim::AdamWOptions{.lr = 0.05, .weight_decay = 0.2, .amsgrad = true});
      },
      "AdamW");
  run(
      [](Problem& p) {
        return std::make_unique<optim::Adagrad>(
            std::vector<Tensor>{p.w, p.b},
            optim::AdagradOptions{.lr = 0.1, .lr_decay = 0.05, .weight_decay = 0.1,
                                  .initial_accumulator_value = 0.1});
      },
      "Adagrad");
}

TEST_CASE("optimizer state_dict has PyTorch's layout and survives a checkpoint file") {
  Problem p;
  optim::Adam opt({p.w, p.b}, {.lr = 0.01, .amsgrad = true});
  p.loss().backward();
  opt.step();
  nn::StateDict sd = opt.state_dict();
  CHECK(sd.contains("param_groups.0.params"));
  CHECK(sd.at("param_groups.0.lr").item() == 0.01);
  CHECK(sd.at("param_groups.0.amsgrad").item() == 1.0);
  CHECK(sd.at("state.0.step").item() == 1.0);
  CHECK(sd.at("state.1.exp_avg").shape() == Shape{2});
  CHECK(sd.contains("state.0.max_exp_avg_sq"));
  std::string path = std::string(XGRAD_BINARY_DIR) + "/test_optim_state.safetensors";
  nn::save(sd, path);
  optim::Adam loaded({p.w, p.b}, {.lr = 0.5});
  loaded.load_state_dict(nn::load(path));
  CHECK(loaded.options().amsgrad);
  CHECK(loaded.lr() == 0.01);
  CHECK(allclose(loaded.state(p.w).buffers.at("exp_avg"), opt.state(p.w).buffers.at("exp_avg")));
}

TEST_CASE("loading a mismatched optimizer state is an error that changes nothing") {
  Problem p;
  optim::SGD two({p.w, p.b}, {.lr = 0.1, .momentum = 0.9});
  p.loss().backward();
  two.step();
  optim::SGD one({p.w}, {.lr = 0.3});
  CHECK(contains(error_of([&] { one.load_state_dict(two.state_dict()); }),
                 "has 2 parameter(s) in the state, 1 here"));
  CHECK(one.lr() == 0.3);
  optim::SGD swapped({p.b, p.w}, {.lr = 0.3});
  CHECK(contains(error_of([&] { swapped.load_state_dict(two.state_dict()); }),
                 "has shape [3, 2], its parameter has shape [2]"));
  CHECK(swapped.lr() == 0.3);
  optim::SGD grouped({p.w}, {.lr = 0.3});
  grouped.add_param_group({p.b});
  CHECK(contains(error_of([&] { grouped.load_state_dict(two.state_dict()); }),
                 "1 parameter group(s), this optimizer has 2"));
}

TEST_CASE("options are checked with PyTorch's messages") {
  Tensor a = ones({2}).requires_grad_();
  CHECK(contains(error_of([&] { optim::SGD({a}, {}); }), "a learning rate is required"));
  CHECK(contains(error_of([&] { optim::SGD({a}, {.lr = -1}); }), "invalid learning rate -1"));
  CHECK(contains(error_of([&] { optim::SGD({a}, {.lr = 0.1, .nesterov = true}); }), "Nesterov"));
  CHECK(contains(error_of([&] {
                   optim::Adam({a}, {.betas = {1.0, 0.999}});
                 }),
                 "beta parameter at index 0"));
  CHECK(contains(error_of([&] { optim::SGD(std::vector<Tensor>{}, {.lr = 0.1}); }),
                 "empty parameter list"));
  CHECK(contains(error_of([&] { optim::SGD({a, a}, {.lr = 0.1}); }), "more than once"));
  CHECK(contains(error_of([&] { optim::SGD({a * 2.0}, {.lr = 0.1}); }), "not a leaf"));
  CHECK(contains(error_of([&] { optim::SGD({ones({2}, kInt64)}, {.lr = 0.1}); }), "int64"));
}

TEST_CASE("the design page's loop: SGD on model.parameters() with weight decay") {
  manual_seed(0);
  nn::Sequential model(nn::Linear(4, 8), nn::Sigmoid(), nn::Linear(8, 3));
  optim::SGD opt(model.parameters(), {.lr = 0.01, .weight_decay = 0.1});
  Tensor x = randn({10, 4});
  Tensor y = randint(0, 3, {10});
  Tensor before = model.parameters()[0].clone();
  opt.zero_grad();
  nn::functional::cross_entropy(model(x), y).backward();
  opt.step();
  CHECK_FALSE(allclose(model.parameters()[0], before));
}

TEST_CASE("schedulers set the lr PyTorch sets, epoch by epoch") {
  auto run = [](auto make_sched, const std::vector<double>& want, const std::string& name) {
    Tensor p = zeros({1}).requires_grad_();
    optim::SGD opt({p}, {.lr = 0.1});
    auto sched = make_sched(opt);
    std::vector<double> got;
    for (size_t e = 0; e < want.size(); ++e) {
      opt.step();
      sched.step();
      got.push_back(opt.lr());
      CHECK(sched.get_last_lr()[0] == opt.lr());
    }
    check_close(got, want, 1e-14, 0.0, name);
  };
  run([](optim::Optimizer& o) { return optim::StepLR(o, {.step_size = 3, .gamma = 0.5}); },
      ref::step_lr, "StepLR");
  run([](optim::Optimizer& o) { return optim::ExponentialLR(o, {.gamma = 0.9}); },
      ref::exponential_lr, "ExponentialLR");
  run(
      [](optim::Optimizer& o) {
        return optim::CosineAnnealingLR(o, {.T_max = 5, .eta_min = 0.001});
      },
      ref::cosine_annealing_lr, "CosineAnnealingLR");
}

TEST_CASE("a scheduler scales every parameter group from its own base lr") {
  Tensor a = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();
  optim::SGD opt({a}, {.lr = 0.1});
  opt.add_param_group({b}, {.lr = 1.0});
  optim::StepLR sched(opt, {.step_size = 1, .gamma = 0.5});
  sched.step();
  CHECK(opt.lr(0) == doctest::Approx(0.05));
  CHECK(opt.lr(1) == doctest::Approx(0.5));
}

TEST_CASE("clip_grad_norm_ matches PyTorch for norms 2, 1 and infinity") {
  auto run = [](double max_norm, double norm_type, const std::vector<double>& want,
                const std::string& name) {
    Tensor p1 = zeros({2, 2}, kFloat64).requires_grad_(),
           p2 = zeros({3}, kFloat64).requires_grad_();
    Tensor none = zeros({2}, kFloat64).requires_grad_();  // no gradient: skipped
    p1.set_grad(tensor(ref::g1, {2, 2}, kFloat64));
    p2.set_grad(tensor(ref::g2, {3}, kFloat64));
    Tensor total = optim::clip_grad_norm_({p1, none, p2}, max_norm, norm_type);
    std::vector<double> got{total.item()};
    for (auto& g : {p1.grad(), p2.grad()})
      for (double v : g.to_vector<double>()) got.push_back(v);
    check_close(got, want, 1e-12, 1e-15, name);
  };
  run(1.0, 2.0, ref::clip_norm2, "norm 2");
  run(2.0, optim::kInf, ref::clip_norm_inf, "norm inf");
  run(5.0, 1.0, ref::clip_norm1, "norm 1");
  run(100.0, 2.0, ref::clip_norm2_no_change, "norm 2, under the limit");
}

TEST_CASE("clip_grad_value_ clamps every gradient element") {
  Tensor p = zeros({3}).requires_grad_();
  p.set_grad(tensor({-3.0, 0.5, 2.0}));
  optim::clip_grad_value_({p}, 1.0);
  CHECK(allclose(p.grad(), tensor({-1.0, 0.5, 1.0})));
}

TEST_CASE("optimizers step parameters on a CUDA device when one is present") {
  if (!cuda::is_available()) {
    MESSAGE("skipped: no CUDA device");
    return;
  }
  auto run = [](Device d) {
    Problem p;
    p.w = p.w.detach().to(d).requires_grad_();
    p.b = p.b.detach().to(d).requires_grad_();
    p.x = p.x.to(d);
    p.t = p.t.to(d);
    optim::Adam opt({p.w, p.b}, {.lr = 0.01, .amsgrad = true});
    for (int s = 0; s < ref::kSteps; ++s) {
      opt.zero_grad();
      p.loss().backward();
      opt.step();
    }
    return p.w.cpu().to_vector<double>();
  };
  check_close(run(kCUDA), run(kCPU), 1e-9, 1e-12, "adam on cuda vs cpu");
}
