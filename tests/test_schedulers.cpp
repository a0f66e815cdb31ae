// Learning-rate schedulers against PyTorch 1.13's numbers (tests/reference/scheduler_reference.hpp,
// made by tests/reference/scheduler_reference.py), their option checks, and their state_dicts:
// a scheduler restored from one continues with bitwise the lrs of an uninterrupted run.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>

#include "reference/scheduler_reference.hpp"
#include "test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace ref = scheduler_reference;

namespace {

// Two groups, lr 0.1 and 0.02, as the reference script's.
struct Setup {
  Tensor a = zeros({1}).requires_grad_(), b = zeros({1}).requires_grad_();
  std::unique_ptr<optim::Optimizer> opt;
  explicit Setup(bool adam = false) {
    if (adam) {
      auto o = std::make_unique<optim::Adam>(std::vector<Tensor>{a},
                                             optim::AdamOptions{.lr = 0.1, .betas = {0.9, 0.99}});
      o->add_param_group({b}, {.lr = 0.02, .betas = {0.9, 0.99}});
      opt = std::move(o);
    } else {
      auto o = std::make_unique<optim::SGD>(std::vector<Tensor>{a},
                                            optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
      o->add_param_group({b}, {.lr = 0.02, .momentum = 0.9});
      opt = std::move(o);
    }
  }
  std::vector<double> lrs() const { return {opt->lr(0), opt->lr(1)}; }
  std::vector<double> momenta() const { return {opt->momentum(0), opt->momentum(1)}; }
};

using Rows = std::vector<std::vector<double>>;

void check_rows(const Rows& got, const Rows& want, const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (size_t e = 0; e < got.size(); ++e)
    for (size_t g = 0; g < 2; ++g) {
      INFO("row " << e << " group " << g << ": got " << got[e][g] << ", want " << want[e][g]);
      CHECK(std::abs(got[e][g] - want[e][g]) <= 1e-12 * std::abs(want[e][g]));
    }
}

// Step `sched` kSteps times (with the reference metrics when it is a ReduceLROnPlateau).
void step(optim::Scheduler& sched, int e) {
  if (auto* p = dynamic_cast<optim::ReduceLROnPlateau*>(&sched))
    p->step(ref::metrics[static_cast<size_t>(e)]);
  else
    dynamic_cast<optim::LRScheduler&>(sched).step();
}

using Make = std::function<std::unique_ptr<optim::Scheduler>(optim::Optimizer&)>;

void check_reference(const Make& make, const Rows& want, const std::string& name, bool adam = false,
                     const Rows* want_momentum = nullptr) {
  Setup s(adam);
  auto sched = make(*s.opt);
  Rows lrs{s.lrs()}, mom;
  if (want_momentum) mom.push_back(s.momenta());
  for (int e = 0; e < ref::kSteps; ++e) {
    s.opt->step();
    step(*sched, e);
    lrs.push_back(s.lrs());
    CHECK(sched->get_last_lr() == lrs.back());
    if (want_momentum) mom.push_back(s.momenta());
  }
  check_rows(lrs, want, name);
  if (want_momentum) check_rows(mom, *want_momentum, name + " momentum");
}

template <class S, class... A>
Make make(A... args) {
  return [=](optim::Optimizer& o) -> std::unique_ptr<optim::Scheduler> {
    return std::make_unique<S>(o, args...);
  };
}

const std::vector<std::pair<std::string, Make>>& all_schedulers() {
  static const std::vector<std::pair<std::string, Make>> list = {
      {"StepLR", make<optim::StepLR>(optim::StepLROptions{.step_size = 3, .gamma = 0.5})},
      {"ExponentialLR", make<optim::ExponentialLR>(optim::ExponentialLROptions{.gamma = 0.9})},
      {"CosineAnnealingLR",
       make<optim::CosineAnnealingLR>(optim::CosineAnnealingLROptions{.T_max = 4, .eta_min = 0.001})},
      {"MultiStepLR", make<optim::MultiStepLR>(optim::MultiStepLROptions{{2, 5, 5, 9}, 0.5})},
      {"LambdaLR", make<optim::LambdaLR>(optim::LambdaLR::Lambda([](int64_t e) { return 0.95 / (1.0 + e); }))},
      {"LinearLR", make<optim::LinearLR>(optim::LinearLROptions{.start_factor = 0.5, .end_factor = 0.1, .total_iters = 7})},
      {"OneCycleLR", make<optim::OneCycleLR>(optim::OneCycleLROptions{.max_lr = {1.0, 0.5}, .total_steps = ref::kSteps})},
      {"ReduceLROnPlateau",
       make<optim::ReduceLROnPlateau>(optim::ReduceLROnPlateauOptions{
           .factor = 0.5, .patience = 1, .threshold = 0.01, .cooldown = 1, .min_lr = {0.01, 0.004}})},
  };
  return list;
}

}  // namespace

TEST_CASE("MultiStepLR, LambdaLR and LinearLR set PyTorch's lrs") {
  check_reference(make<optim::MultiStepLR>(optim::MultiStepLROptions{.milestones = {2, 5, 5, 9}, .gamma = 0.5}),
                  ref::multistep_lr, "MultiStepLR");
  check_reference(make<optim::LambdaLR>(optim::LambdaLR::Lambda([](int64_t e) { return std::pow(0.95, double(e)); })),
                  ref::lambda_lr_one, "LambdaLR, one function");
  check_reference(make<optim::LambdaLR>(std::vector<optim::LambdaLR::Lambda>{
                      [](int64_t e) { return 1.0 / double(e + 1); },
                      [](int64_t e) { return std::pow(0.9, double(e)); }}),
                  ref::lambda_lr_per_group, "LambdaLR, one function per group");
  check_reference(make<optim::LinearLR>(optim::LinearLROptions{.start_factor = 0.25, .end_factor = 1.0, .total_iters = 4}),
                  ref::linear_lr_up, "LinearLR up");
  check_reference(make<optim::LinearLR>(optim::LinearLROptions{.start_factor = 0.5, .end_factor = 0.1, .total_iters = 7}),
                  ref::linear_lr_down, "LinearLR down");
}

TEST_CASE("ReduceLROnPlateau follows PyTorch's lrs for a given metric sequence") {
  check_reference(make<optim::ReduceLROnPlateau>(optim::ReduceLROnPlateauOptions{
                      .mode = "min", .factor = 0.5, .patience = 1, .threshold = 0.01,
                      .threshold_mode = "rel", .cooldown = 1, .min_lr = {0.01, 0.004}}),
                  ref::plateau_min_rel, "ReduceLROnPlateau min rel");
  check_reference(make<optim::ReduceLROnPlateau>(optim::ReduceLROnPlateauOptions{
                      .mode = "max", .factor = 0.1, .patience = 0, .threshold = 0.05,
                      .threshold_mode = "abs", .cooldown = 0, .min_lr = {0.0}, .eps = 1e-3}),
                  ref::plateau_max_abs, "ReduceLROnPlateau max abs");
}

TEST_CASE("OneCycleLR sets PyTorch's lrs and cycles SGD's momentum and Adam's beta1") {
  check_reference(make<optim::OneCycleLR>(optim::OneCycleLROptions{.max_lr = {1.0, 0.5}, .total_steps = ref::kSteps}),
                  ref::onecycle_cos_sgd, "OneCycleLR cos SGD", false, &ref::onecycle_cos_sgd_momentum);
  check_reference(make<optim::OneCycleLR>(optim::OneCycleLROptions{
                      .max_lr = {0.3}, .epochs = 2, .steps_per_epoch = 7, .pct_start = 0.4,
                      .anneal_strategy = "linear", .base_momentum = 0.8, .max_momentum = 0.9,
                      .div_factor = 10.0, .final_div_factor = 100.0, .three_phase = true}),
                  ref::onecycle_linear_three_phase_adam, "OneCycleLR linear three-phase Adam", true,
                  &ref::onecycle_linear_three_phase_adam_momentum);
  Setup s;
  optim::OneCycleLR sched(*s.opt, {.max_lr = {0.1}, .total_steps = 2});
  sched.step();
  sched.step();
  CHECK(contains(error_of([&] { sched.step(); }), "OneCycleLR: stepped 3 times, but total_steps is 2"));
}

TEST_CASE("bad scheduler options are errors naming the scheduler and the option") {
  Setup s;
  optim::Optimizer& o = *s.opt;
  auto err = [](auto fn) { return error_of(fn); };
  CHECK(contains(err([&] { optim::MultiStepLR(o, {.milestones = {3, -1}}); }), "MultiStepLR: invalid milestone -1"));
  CHECK(contains(err([&] { optim::LinearLR(o, {.start_factor = 0.0}); }), "LinearLR: invalid start_factor 0"));
  CHECK(contains(err([&] { optim::LinearLR(o, {.end_factor = 1.5}); }), "LinearLR: invalid end_factor 1.5"));
  CHECK(contains(err([&] { optim::LinearLR(o, {.total_iters = -2}); }), "LinearLR: invalid total_iters -2"));
  CHECK(contains(err([&] { optim::LambdaLR(o, std::vector<optim::LambdaLR::Lambda>(3, [](int64_t) { return 1.0; })); }),
                 "LambdaLR: invalid lr_lambda list: expected one function or one per parameter group (2), got 3"));
  CHECK(contains(err([&] { optim::LambdaLR(o, optim::LambdaLR::Lambda()); }), "LambdaLR: invalid lr_lambda of group 0"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}}); }),
                 "OneCycleLR: give total_steps, or epochs and steps_per_epoch"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .total_steps = -3}); }), "OneCycleLR: invalid total_steps -3"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .epochs = 2}); }), "OneCycleLR: invalid steps_per_epoch 0"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.total_steps = 5}); }), "OneCycleLR: max_lr is required"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1, 0.2, 0.3}, .total_steps = 5}); }),
                 "OneCycleLR: invalid max_lr: expected one value or one per parameter group (2), got 3"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .total_steps = 5, .pct_start = 1.5}); }),
                 "OneCycleLR: invalid pct_start 1.5"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .total_steps = 5, .anneal_strategy = "exp"}); }),
                 "OneCycleLR: invalid anneal_strategy \"exp\""));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .total_steps = 5, .div_factor = 0}); }),
                 "OneCycleLR: invalid div_factor 0"));
  CHECK(contains(err([&] { optim::OneCycleLR(o, {.max_lr = {0.1}, .total_steps = 5, .base_momentum = 0.99}); }),
                 "OneCycleLR: invalid base_momentum 0.9"));
  Tensor p = zeros({1}).requires_grad_();
  optim::Adagrad adagrad({p}, {.lr = 0.1});
  CHECK(contains(err([&] { optim::OneCycleLR(adagrad, {.max_lr = {0.1}, .total_steps = 5}); }),
                 "OneCycleLR: cycle_momentum needs an optimizer with momentum or betas (Adagrad has neither)"));
  CHECK_NOTHROW(optim::OneCycleLR(adagrad, {.max_lr = {0.1}, .total_steps = 5, .cycle_momentum = false}));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.mode = "lowest"}); }), "ReduceLROnPlateau: invalid mode \"lowest\""));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.factor = 1.0}); }), "ReduceLROnPlateau: invalid factor 1"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.patience = -1}); }), "ReduceLROnPlateau: invalid patience -1"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.threshold = -0.1}); }), "ReduceLROnPlateau: invalid threshold -0.1"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.threshold_mode = "ratio"}); }),
                 "ReduceLROnPlateau: invalid threshold_mode \"ratio\""));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.cooldown = -1}); }), "ReduceLROnPlateau: invalid cooldown -1"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.min_lr = {-1.0}}); }), "ReduceLROnPlateau: invalid min_lr -1"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.min_lr = {0, 0, 0}}); }), "ReduceLROnPlateau: invalid min_lr: expected one value"));
  CHECK(contains(err([&] { optim::ReduceLROnPlateau(o, {.eps = -1.0}); }), "ReduceLROnPlateau: invalid eps -1"));
}

TEST_CASE("every scheduler's state_dict: 6 steps, save, a fresh scheduler and optimizer load it, 8 more == 14 steps, bitwise") {
  for (auto& [name, make_sched] : all_schedulers()) {
    INFO(name);
    Setup straight;
    auto s1 = make_sched(*straight.opt);
    Rows want;
    for (int e = 0; e < ref::kSteps; ++e) {
      step(*s1, e);
      want.push_back(straight.lrs());
    }
    Setup first;
    auto s2 = make_sched(*first.opt);
    for (int e = 0; e < 6; ++e) step(*s2, e);
    StateDict opt_state = first.opt->state_dict(), sched_state = s2->state_dict();
    CHECK(sched_state.at("last_epoch").item() == 6);
    if (name == "ReduceLROnPlateau")
      for (const char* key : {"best", "num_bad_epochs", "cooldown_counter"}) CHECK(sched_state.contains(key));
    // a round trip through a file, as a checkpoint does
    std::string path = std::string(XGRAD_BINARY_DIR) + "/scheduler_state.safetensors";
    nn::save(sched_state, path);
    Setup resumed;
    auto s3 = make_sched(*resumed.opt);  // built fresh: its constructor may have moved the lrs
    s3->load_state_dict(nn::load(path));
    resumed.opt->load_state_dict(opt_state);
    CHECK(s3->last_epoch() == 6);
    CHECK(s3->base_lrs() == s2->base_lrs());
    CHECK(s3->get_last_lr() == s2->get_last_lr());
    Rows got(want.begin(), want.begin() + 6);
    for (int e = 6; e < ref::kSteps; ++e) {
      step(*s3, e);
      got.push_back(resumed.lrs());
    }
    CHECK(got == want);  // bitwise
    if (name == "OneCycleLR") CHECK(resumed.momenta() == straight.momenta());
  }
}

TEST_CASE("loading a scheduler state that does not fit is an error naming the scheduler") {
  Setup s;
  optim::StepLR step_lr(*s.opt, {.step_size = 2});
  optim::OneCycleLR one(*s.opt, {.max_lr = {0.1}, .total_steps = 10});
  optim::ReduceLROnPlateau plateau(*s.opt);
  CHECK(contains(error_of([&] { one.load_state_dict(step_lr.state_dict()); }),
                 "OneCycleLR::load_state_dict: the state has no \"total_steps\""));
  CHECK(contains(error_of([&] { plateau.load_state_dict(step_lr.state_dict()); }),
                 "ReduceLROnPlateau::load_state_dict: the state has no \"best\""));
  optim::OneCycleLR longer(*s.opt, {.max_lr = {0.1}, .total_steps = 20});
  CHECK(contains(error_of([&] { longer.load_state_dict(one.state_dict()); }),
                 "OneCycleLR::load_state_dict: the state is of a cycle of 10 steps, this scheduler's has 20"));
  StateDict bad = step_lr.state_dict();
  bad.insert("base_lrs", tensor({0.1, 0.2, 0.3}, kFloat64));
  CHECK(contains(error_of([&] { step_lr.load_state_dict(bad); }),
                 "StepLR::load_state_dict: \"base_lrs\" must hold 2 float64 values (one per parameter group)"));
  bad = step_lr.state_dict();
  bad.erase("last_epoch");
  CHECK(contains(error_of([&] { step_lr.load_state_dict(bad); }), "StepLR::load_state_dict: the state has no \"last_epoch\""));
}
