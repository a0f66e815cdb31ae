// Resuming training (train/checkpoint.hpp): the Generator's state, the DataLoader's position, a
// checkpoint killed midway by SIGKILL (200 times), digits trained 10 epochs straight against
// 5 + 5 through a checkpoint (bitwise), and the refusal of newer format versions and unknown dtypes.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace fs = std::filesystem;

namespace {

std::string scratch(const std::string& name) {
  fs::path dir = fs::path(XGRAD_BINARY_DIR) / "test_resume";
  fs::create_directories(dir);
  return (dir / name).string();
}

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  Tensor x = a.cpu(), y = b.cpu();
  return std::memcmp(x.data_ptr(), y.data_ptr(), static_cast<size_t>(x.numel()) * element_size(x.dtype())) == 0;
}

}  // namespace

TEST_CASE("Generator: state round trips repeat the draws; manual_seed and get/set_rng_state use the default one") {
  manual_seed(7);
  CHECK(default_generator().seed() == 7);
  std::vector<uint8_t> saved = default_generator().get_state();
  CHECK(saved.size() == Generator::kStateSize);
  Tensor a = rand({5}, kFloat64);
  RngState after = get_rng_state();
  CHECK(after.offset == 5);
  default_generator().set_state(saved);
  CHECK(same_bits(rand({5}, kFloat64), a));
  set_rng_state({7, 0});
  CHECK(same_bits(rand({5}, kFloat64), a));
  Generator g(7);
  CHECK(g.state().seed == 7);
  CHECK(g.take(3).offset == 0);
  CHECK(g.take(2).offset == 3);
  CHECK(test_util::contains(error_of([&] { g.set_state(std::vector<uint8_t>(15)); }),
                            "Generator::set_state: expected 16 bytes"));
  g.set_state(saved);
  CHECK(g.state().seed == 7);
  CHECK(g.state().offset == 0);
}

TEST_CASE("Generator: threads drawing at once take disjoint numbers") {
  manual_seed(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([] {
      for (int i = 0; i < 200; ++i) (void)rand({3});
    });
  for (auto& t : threads) t.join();
  CHECK(get_rng_state().offset == 4 * 200 * 3);
}

TEST_CASE("DataLoader state: a loader restored mid-pass gives the pass's remaining batches") {
  data::TensorDataset ds{arange(20.0).reshape({10, 2}), arange(10.0)};
  data::DataLoader loader(ds, {.batch_size = 3, .shuffle = true});
  manual_seed(3);
  (void)rand({4});  // the permutation comes from wherever the engine stands
  std::vector<Tensor> want;
  data::DataLoaderState saved;
  RngState engine;
  int b = 0;
  for (auto [x, y] : loader) {
    want.push_back(y);
    if (++b == 2) {
      saved = loader.state();
      engine = get_rng_state();
    }
  }
  CHECK(saved.next_batch == 2);
  CHECK(saved.in_pass);
  data::DataLoader fresh(ds, {.batch_size = 3, .shuffle = true});
  manual_seed(99);  // elsewhere; the restored pass must not depend on it
  set_rng_state(engine);
  fresh.load_state(saved);
  std::vector<Tensor> got;
  for (auto [x, y] : fresh) got.push_back(y);
  REQUIRE(got.size() == 2);  // batches 2 and 3 of 4
  CHECK(same_bits(got[0], want[2]));
  CHECK(same_bits(got[1], want[3]));
  CHECK(get_rng_state().offset == engine.offset);  // resuming drew nothing
  CHECK(fresh.state().next_batch == 4);
  CHECK(contains(error_of([&] { fresh.load_state({{}, 5, true}); }),
                 "DataLoader::load_state: next_batch 5 is outside this loader's pass of 4 batches"));
}

TEST_CASE("a checkpoint killed by SIGKILL while it overwrites the old one is always the whole old or new one") {
  // 200 children each write a ~1 MB checkpoint over the previous one and are killed after a random
  // delay spanning the save's duration; after each the file loads and is entirely one of the two.
  std::string path = scratch("killed.ckpt");
  for (auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    if (e.path().filename().string().rfind("killed.ckpt", 0) == 0) fs::remove(e.path());
  nn::Linear model(512, 512), check(512, 512);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  optim::SGD check_opt(check->parameters(), {.lr = 0.1});
  auto fill = [&](double v) {
    NoGradGuard g;
    for (auto& p : model->parameters()) p.fill_(v);
  };
  training::TrainingState st{.model = model.get(), .optimizer = &opt};
  fill(0.0);
  st.step = 0;
  training::save_checkpoint(path, st);
  auto t0 = std::chrono::steady_clock::now();
  training::save_checkpoint(path, st);
  const double save_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<int> delay(0, static_cast<int>(save_us * 1.5) + 200);
  int64_t old_value = 0, kept_old = 0, got_new = 0;
  for (int i = 1; i <= 200; ++i) {
    fill(static_cast<double>(i));
    st.step = i;
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      try {
        training::save_checkpoint(path, st);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    training::TrainingState loaded{.model = check.get(), .optimizer = &check_opt};
    REQUIRE_NOTHROW(training::load_checkpoint(path, loaded));
    const double want = loaded.step == i ? i : static_cast<double>(old_value);
    REQUIRE_MESSAGE((loaded.step == i || loaded.step == old_value), "kill " << i << ": step " << loaded.step);
    for (auto& p : check->parameters()) {
      Tensor c = p.detach();
      const float* d = c.data<float>();
      bool whole = true;
      for (int64_t k = 0; k < c.numel(); ++k) whole = whole && d[k] == static_cast<float>(want);
      REQUIRE_MESSAGE(whole, "kill " << i << ": the file mixes two checkpoints");
    }
    if (loaded.step == i) {
      ++got_new;
      old_value = i;
    } else {
      ++kept_old;
    }
  }
  std::vector<std::string> stale = nn::remove_stale_temporaries(path);
  MESSAGE("one save " << save_us << " us; killed before the rename " << kept_old << " times, after "
                      << got_new << "; " << stale.size() << " stale temporaries removed at the end");
  for (auto& e : fs::directory_iterator(fs::path(path).parent_path()))
    CHECK_MESSAGE(e.path().filename().string().find(".tmp.") == std::string::npos, e.path());
}

namespace {

// The digits recipe (examples/digits.cpp) with dropout, SGD with momentum and a per-batch
// OneCycleLR, so the generator, the loader, the optimizer's buffers and the scheduler all matter.
struct DigitsRun {
  data::Split split;
  nn::Sequential model;
  std::vector<Tensor> weights, biases;
  std::unique_ptr<optim::SGD> opt;
  std::unique_ptr<optim::OneCycleLR> sched;
  std::unique_ptr<data::DataLoader> loader;

  explicit DigitsRun(uint64_t seed) : split(data::digits_sklearn_split(data::load_digits())) {
    manual_seed(seed);
    nn::LinearOptions init{.weight_init = nn::init::normal(0, 1), .bias_init = nn::init::constant(0.01)};
    model = nn::Sequential(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Dropout(0.1), nn::Linear(50, 10, init));
    for (auto& [name, p] : model->named_parameters())
      (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
    opt = std::make_unique<optim::SGD>(weights, optim::SGDOptions{.lr = 0.01, .momentum = 0.9, .weight_decay = 0.1});
    opt->add_param_group(biases, {.lr = 0.01, .momentum = 0.9});
    loader = std::make_unique<data::DataLoader>(split.train, data::DataLoaderOptions{.batch_size = 100, .shuffle = true, .drop_last = true});
    sched = std::make_unique<optim::OneCycleLR>(*opt, optim::OneCycleLROptions{.max_lr = {0.05}, .epochs = 10, .steps_per_epoch = loader->size()});
  }
  training::TrainingState state() {
    return {.model = model.get(), .optimizer = opt.get(), .scheduler = sched.get(), .loader = loader.get()};
  }
  // Trains epochs [from, to); with stop_batch > 0, saves a checkpoint after that batch of epoch
  // stop_epoch and returns.
  void train(int64_t from, int64_t to, const std::string& path = "", int64_t stop_epoch = -1, int64_t stop_batch = -1) {
    for (int64_t epoch = from; epoch < to; ++epoch) {
      model->train();
      int64_t b = 0;
      for (auto [x, y] : *loader) {
        opt->zero_grad();
        nn::functional::cross_entropy(model(x), y, nn::Reduction::sum).backward();
        opt->step();
        sched->step();
        if (epoch == stop_epoch && ++b == stop_batch) {
          auto st = state();
          st.epoch = epoch;
          training::save_checkpoint(path, st);
          return;
        }
      }
    }
  }
};

}  // namespace

TEST_CASE("digits: 10 epochs straight == 5 epochs, a checkpoint, a fresh run restored from it, 5 more (bitwise)") {
  DigitsRun straight(0);
  straight.train(0, 10);

  std::string path = scratch("digits.ckpt");
  {
    DigitsRun first(0);
    first.train(0, 5);
    auto st = first.state();
    st.epoch = 5;
    st.step = 5 * first.loader->size();
    st.metadata = {{"recipe", "digits"}};
    training::save_checkpoint(path, st);
    (void)rand({17});  // the engine moves on; the checkpoint's position is what counts
  }
  DigitsRun resumed(123);  // other initial weights: everything must come from the file
  auto st = resumed.state();
  training::load_checkpoint(path, st);
  CHECK(st.epoch == 5);
  CHECK(st.step == 5 * resumed.loader->size());
  CHECK(st.metadata == nn::Metadata{{"recipe", "digits"}});
  resumed.train(st.epoch, 10);
  auto want = straight.model->state_dict(), got = resumed.model->state_dict();
  for (auto& [k, v] : want) CHECK_MESSAGE(same_bits(got.at(k), v), k);

  // The same through a checkpoint taken mid-epoch (after batch 6 of epoch 4).
  {
    DigitsRun first(0);
    first.train(0, 10, path, 4, 6);
  }
  DigitsRun mid(5);
  auto st2 = mid.state();
  training::load_checkpoint(path, st2);
  CHECK(st2.epoch == 4);
  mid.train(st2.epoch, 10);
  got = mid.model->state_dict();
  for (auto& [k, v] : want) CHECK_MESSAGE(same_bits(got.at(k), v), "mid-epoch " << k);
}

TEST_CASE("a checkpoint of a newer format version or with an unknown dtype is refused, naming both versions") {
  nn::Linear model(3, 2);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  training::TrainingState st{.model = model.get(), .optimizer = &opt};
  std::string path = scratch("version.ckpt");
  training::save_checkpoint(path, st);
  nn::Checkpoint file = nn::load_checkpoint(path);
  CHECK(file.metadata.at("format_version") == "1");

  std::string newer = scratch("newer.ckpt");
  file.metadata["format_version"] = "2";
  nn::save(file.tensors, newer, file.metadata);
  std::string e = error_of([&] { training::load_checkpoint(newer, st); });
  CHECK(contains(e, "training::load_checkpoint: '" + newer + "'"));
  CHECK(contains(e, "the file is checkpoint format version 2, this xgrad reads versions 1 to 1"));

  // A BF16 tensor in a version-1 file.
  std::string header = R"({"__metadata__":{"format":"xgrad.training_checkpoint","format_version":"1","epoch":"0","step":"0"},)"
                       R"("model.weight":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  bytes += header + std::string(4, '\0');
  std::string bf16 = scratch("bf16.ckpt");
  std::ofstream(bf16, std::ios::binary) << bytes;
  e = error_of([&] { training::load_checkpoint(bf16, st); });
  CHECK(contains(e, bf16));
  CHECK(contains(e, "unsupported dtype \"BF16\""));
  CHECK(contains(e, "the file is checkpoint format version 1, this xgrad reads versions 1 to 1"));

  CHECK(contains(error_of([&] { nn::save(model, scratch("plain.safetensors")); training::load_checkpoint(scratch("plain.safetensors"), st); }),
                 "not an xgrad training checkpoint"));
  optim::StepLR sched(opt, {.step_size = 2});
  training::TrainingState with_sched{.model = model.get(), .optimizer = &opt, .scheduler = &sched};
  CHECK(contains(error_of([&] { training::load_checkpoint(path, with_sched); }), "the file has no scheduler state"));
  nn::Linear other(4, 2);
  optim::SGD other_opt(other->parameters(), {.lr = 0.1});
  training::TrainingState wrong{.model = other.get(), .optimizer = &other_opt};
  CHECK(contains(error_of([&] { training::load_checkpoint(path, wrong); }), "training::load_checkpoint: '" + path + "'"));
  CHECK(contains(error_of([&] { training::save_checkpoint(path, training::TrainingState{}); }), "no model given"));
}
