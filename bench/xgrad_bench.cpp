// xgrad's side of the benchmark: one workload per run, written as a user of xgrad would write it.
//   xgrad_bench export DIR      writes the data every program reads (digits split, Fashion-MNIST)
//   xgrad_bench W<n> DIR        runs workload n on the data in DIR and prints `key value` lines
//   xgrad_bench W2det|W4det DIR W2 or W4 in deterministic mode (set_deterministic(true))
// bench/run.py runs this, libtorch_bench and torch_bench.py interleaved and compares them.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <xgrad/xgrad.hpp>

#include "bench_util.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using bench::Clock;
using bench::put;
using bench::seconds_since;

namespace {

data::TensorDataset load(const std::string& dir, const std::string& name, int64_t features) {
  auto x = bench::read_raw<float>(dir + "/" + name + "_x.f32");
  auto y = bench::read_raw<int64_t>(dir + "/" + name + "_y.i64");
  auto n = static_cast<int64_t>(y.size());
  return {from_vector(x, {n, features}), from_vector(y, {n})};
}

void write(const std::string& dir, const std::string& name, const data::TensorDataset& d) {
  Tensor x = d.x.to(kFloat32).reshape({d.size(), -1});
  bench::write_raw(dir + "/" + name + "_x.f32", x.data<float>(), static_cast<size_t>(x.numel()));
  bench::write_raw(dir + "/" + name + "_y.i64", d.y.data<int64_t>(), static_cast<size_t>(d.y.numel()));
}

void export_data(const std::string& dir) {
  std::filesystem::create_directories(dir);
  auto [train, test] = data::digits_sklearn_split(data::load_digits());
  write(dir, "digits_train", train);
  write(dir, "digits_test", test);
  data::MnistOptions format{.scale = true, .flatten = true};
  write(dir, "fashion_train", data::load_mnist(data::kFashionMnistDir, true, format));
  write(dir, "fashion_test", data::load_mnist(data::kFashionMnistDir, false, format));
  std::printf("exported digits (%lld/%lld) and Fashion-MNIST to %s\n", static_cast<long long>(train.size()),
              static_cast<long long>(test.size()), dir.c_str());
}

double accuracy(const nn::Sequential& model, const data::TensorDataset& d) {
  NoGradGuard no_grad;
  model->eval();
  return metrics::accuracy(model(d.x), d.y);
}

// W0: (a) one add in grad mode, (b) the same under no-grad, (c) chains of 100 adds then backward.
void w0() {
  Tensor a = ones({4}).requires_grad_();
  Tensor b = ones({4});
  put("add_grad_us", bench::median_us_per([&] {
        for (int i = 0; i < bench::kW0Ops; ++i) Tensor c = a + b;
      }, bench::kW0Ops));
  put("add_nograd_us", bench::median_us_per([&] {
        NoGradGuard no_grad;
        for (int i = 0; i < bench::kW0Ops; ++i) Tensor c = a + b;
      }, bench::kW0Ops));
  put("chain_us", bench::median_us_per([&] {
        for (int i = 0; i < bench::kW0Chains; ++i) {
          Tensor x = a;
          for (int j = 0; j < 100; ++j) x = x + b;
          x.sum().backward();
        }
      }, bench::kW0Chains * 100));
}

// W1: notebook 002's 4-4-3-3 tanh network, every weight and bias 0.1, x = [1, 0, 1, 0],
// y = [0, 1, 0], loss 1/2 ||z3 - y||^2, SGD lr 0.1. First the float64 numbers, then float32 timing.
nn::Sequential worked_net(Dtype dtype) {
  nn::Sequential net(nn::Linear(4, 4), nn::Tanh(), nn::Linear(4, 3), nn::Tanh(), nn::Linear(3, 3));
  net->to(dtype);
  NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.fill_(0.1);
  return net;
}

void w1() {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    auto net = worked_net(dtype);
    optim::SGD opt(net->parameters(), {.lr = 0.1});
    Tensor x = tensor({{1, 0, 1, 0}}, dtype);
    Tensor y = tensor({{0, 1, 0}}, dtype);
    auto step = [&] {
      opt.zero_grad();
      Tensor z3 = net(x);
      Tensor loss = 0.5 * sum(pow(z3 - y, 2.0));
      loss.backward();
      opt.step();
      return std::pair{z3, loss};
    };
    if (dtype == kFloat64) {
      auto [z3, loss] = step();
      std::printf("check_z3 %.17g\ncheck_loss %.17g\n", z3.to_vector<double>()[0], loss.item());
      continue;
    }
    put("us_per_iter", bench::median_us_per(
                           [&] {
                             for (int i = 0; i < bench::kW1Iters; ++i) step();
                           },
                           bench::kW1Iters));
  }
}

// W2: notebook 001's digits recipe (see examples/digits.cpp).
void w2(const std::string& dir) {
  auto train = load(dir, "digits_train", 64), test = load(dir, "digits_test", 64);
  manual_seed(0);
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 1), .bias_init = nn::init::constant(0.01)};
  nn::Sequential model(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
  std::vector<Tensor> weights, biases;  // L2 on the weights only
  for (auto& [name, p] : model->named_parameters())
    (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
  optim::SGD opt(weights, {.lr = 0.01, .weight_decay = 0.1});
  opt.add_param_group(biases, {.lr = 0.01});
  data::DataLoader loader(train, {.batch_size = 100, .shuffle = true, .drop_last = true});
  std::vector<double> t;
  for (int epoch = 0; epoch < 100; ++epoch) {
    auto start = Clock::now();
    for (auto [x, y] : loader) {
      opt.zero_grad();
      F::cross_entropy(model(x), y, nn::Reduction::sum).backward();
      opt.step();
    }
    t.push_back(seconds_since(start) * 1e3);
  }
  put("ms_per_epoch", bench::median(t));
  put("train_accuracy", accuracy(model, train));
  put("test_accuracy", accuracy(model, test));
}

// W3: notebook 002's per-sample SGD (see examples/digits_tanh.cpp).
void w3(const std::string& dir, int epochs) {
  auto train = load(dir, "digits_train", 64), test = load(dir, "digits_test", 64);
  manual_seed(0);
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 0.1), .bias_init = nn::init::normal(0, 0.1)};
  nn::Sequential model(nn::Linear(64, 50, init), nn::Tanh(), nn::Linear(50, 10, init));
  optim::SGD opt(model->parameters(), {.lr = 0.001});
  data::DataLoader loader(train, {.batch_size = 1});
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    for (auto [x, y] : loader) {
      opt.zero_grad();
      F::cross_entropy(model(x), y, nn::Reduction::sum).backward();
      opt.step();
    }
    t.push_back(seconds_since(start) * 1e6 / static_cast<double>(train.size()));
  }
  put("us_per_step", bench::median(t));
  put("train_accuracy", accuracy(model, train));
  put("test_accuracy", accuracy(model, test));
}

// W4: Fashion-MNIST 784-256-256-10 ReLU, Adam 1e-3, batches of 256 shuffled, cross-entropy.
void w4(const std::string& dir, int epochs) {
  auto train = load(dir, "fashion_train", 784), test = load(dir, "fashion_test", 784);
  manual_seed(0);
  nn::Sequential model(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 256), nn::ReLU(), nn::Linear(256, 10));
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(train, {.batch_size = 256, .shuffle = true});
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    for (auto [x, y] : loader) {
      opt.zero_grad();
      F::cross_entropy(model(x), y).backward();
      opt.step();
    }
    t.push_back(seconds_since(start));
  }
  put("s_per_epoch", bench::median(t));
  put("test_accuracy", accuracy(model, test));
}

// W5: square float32 matmul, GFLOP/s.
void w5() {
  for (int64_t n : {256, 1024, 2048}) {
    Tensor a = randn({n, n}), b = randn({n, n});
    double flop = 2.0 * static_cast<double>(n * n * n);
    int reps = std::max(3, static_cast<int>(2e10 / flop));
    std::vector<double> rate;
    for (int rep = 0; rep <= reps; ++rep) {
      auto start = Clock::now();
      Tensor c = matmul(a, b);
      if (rep) rate.push_back(flop / seconds_since(start) * 1e-9);
    }
    std::printf("gflops_%lld %.6g\n", static_cast<long long>(n), bench::median(rate));
  }
}

// W6: a chain of 1e6 multiplies on a {1} tensor, then backward: time and memory.
void w6() {
  double rss_before = bench::rss_mib();
  auto start = Clock::now();
  Tensor a = ones({1}).requires_grad_();
  Tensor c = ones({1});
  {
    Tensor x = a;
    for (int i = 0; i < bench::kW6Length; ++i) x = x * c;
    put("forward_seconds", seconds_since(start));
    auto mid = Clock::now();
    x.sum().backward();
    put("backward_seconds", seconds_since(mid));
  }
  put("seconds", seconds_since(start));
  put("peak_mib", bench::peak_rss_mib() - rss_before);
  put("grad", a.grad().item());
}

// T1: elementwise ops and reductions on 1e7 float32 on 1 and on 2 threads (us per op).
void t1() {
  Tensor x = randn({10'000'000}), y = randn({10'000'000});
  Tensor m = x.reshape({10'000, 1'000});
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto time = [&](const char* name, auto&& op) {
      std::vector<double> t;
      for (int rep = 0; rep <= 20; ++rep) {
        auto start = Clock::now();
        Tensor r = op();
        if (rep) t.push_back(seconds_since(start) * 1e6);
      }
      std::printf("%s_t%d %.6g\n", name, threads, bench::median(t));
    };
    time("exp", [&] { return exp(x); });
    time("add", [&] { return x + y; });
    time("relu", [&] { return relu(x); });
    time("sum", [&] { return sum(x); });
    time("max", [&] { return max(x); });
    time("sum_rows", [&] { return sum(m, 1); });
  }
}

// W7: examples/fashion_cnn's network on Fashion-MNIST: conv 3x3 (1 -> 16) - batch norm - ReLU -
// max pool 2, conv 3x3 (16 -> 32) - batch norm - ReLU - max pool 2, linear 1568 -> 10; Adam 1e-3,
// batches of 64 shuffled, pixels standardized with fixed constants. Seconds per training epoch.
void w7(const std::string& dir, int epochs) {
  auto train = load(dir, "fashion_train", 784), test = load(dir, "fashion_test", 784);
  for (auto* d : {&train, &test}) d->x = ((d->x - bench::kFashionMean) / bench::kFashionStd).reshape({-1, 1, 28, 28});
  manual_seed(0);
  nn::Sequential model(nn::Conv2d(1, 16, 3, {.padding = 1}), nn::BatchNorm2d(16), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Conv2d(16, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Flatten(), nn::Linear(32 * 7 * 7, 10));
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(train, {.batch_size = 64, .shuffle = true});
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    model->train();
    auto start = Clock::now();
    for (auto [x, y] : loader) {
      opt.zero_grad();
      F::cross_entropy(model(x), y).backward();
      opt.step();
    }
    t.push_back(seconds_since(start));
  }
  put("s_per_epoch", bench::median(t));
  NoGradGuard no_grad;
  model->eval();
  double right = 0;
  for (int64_t i = 0; i < test.size(); i += 1000) {
    auto part = test.slice(i, std::min(test.size(), i + 1000));
    right += metrics::accuracy(model(part.x), part.y) * static_cast<double>(part.size());
  }
  put("test_accuracy", right / static_cast<double>(test.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: xgrad_bench export DIR | W0..W7 [DIR] [EPOCHS]\n");
    return 2;
  }
  std::string what = argv[1], dir = argc > 2 ? argv[2] : "bench-data";
  int epochs = argc > 3 ? std::atoi(argv[3]) : 0;
  try {
    if (what == "export") export_data(dir);
    else if (what == "W0") w0();
    else if (what == "W1") w1();
    else if (what == "W2") w2(dir);
    else if (what == "W2det") set_deterministic(true), w2(dir);
    else if (what == "W4det") set_deterministic(true), w4(dir, epochs ? epochs : 3);
    else if (what == "W3") w3(dir, epochs ? epochs : 100);
    else if (what == "W4") w4(dir, epochs ? epochs : 3);
    else if (what == "W5") w5();
    else if (what == "W6") w6();
    else if (what == "T1") t1();
    else if (what == "W7") w7(dir, epochs ? epochs : 1);
    else throw std::runtime_error("unknown workload " + what);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xgrad_bench %s: %s\n", what.c_str(), e.what());
    return 1;
  }
}
