// LibTorch's side of the benchmark: the same workloads as xgrad_bench.cpp, written as a LibTorch
// user would write them, on the data `xgrad_bench export` wrote. Intra-op threads are set to 1
// (OpenBLAS keeps its own threads): the fastest LibTorch setting on a 2-core machine.
//   libtorch_bench W<n> DIR [EPOCHS]
#include <torch/torch.h>

#include "bench_util.hpp"

using bench::Clock;
using bench::put;
using bench::seconds_since;
namespace F = torch::nn::functional;

namespace {

struct Set {
  torch::Tensor x, y;
};

Set load(const std::string& dir, const std::string& name, int64_t features) {
  auto x = bench::read_raw<float>(dir + "/" + name + "_x.f32");
  auto y = bench::read_raw<int64_t>(dir + "/" + name + "_y.i64");
  auto n = static_cast<int64_t>(y.size());
  return {torch::from_blob(x.data(), {n, features}, torch::kFloat32).clone(),
          torch::from_blob(y.data(), {n}, torch::kInt64).clone()};
}

double accuracy(torch::nn::Sequential& model, const Set& d) {
  torch::NoGradGuard no_grad;
  model->eval();
  return model->forward(d.x).argmax(1).eq(d.y).to(torch::kFloat64).mean().item<double>();
}

void w0() {
  auto a = torch::ones({4}, torch::requires_grad());
  auto b = torch::ones({4});
  put("add_grad_us", bench::median_us_per([&] {
        for (int i = 0; i < bench::kW0Ops; ++i) auto c = a + b;
      }, bench::kW0Ops));
  put("add_nograd_us", bench::median_us_per([&] {
        torch::NoGradGuard no_grad;
        for (int i = 0; i < bench::kW0Ops; ++i) auto c = a + b;
      }, bench::kW0Ops));
  put("chain_us", bench::median_us_per([&] {
        for (int i = 0; i < bench::kW0Chains; ++i) {
          torch::Tensor x = a;
          for (int j = 0; j < 100; ++j) x = x + b;
          x.sum().backward();
        }
      }, bench::kW0Chains * 100));
}

torch::nn::Sequential worked_net(torch::Dtype dtype) {
  torch::nn::Sequential net(torch::nn::Linear(4, 4), torch::nn::Tanh(), torch::nn::Linear(4, 3), torch::nn::Tanh(),
                            torch::nn::Linear(3, 3));
  net->to(dtype);
  torch::NoGradGuard no_grad;
  for (auto& p : net->parameters()) p.fill_(0.1);
  return net;
}

void w1() {
  for (auto dtype : {torch::kFloat64, torch::kFloat32}) {
    auto net = worked_net(dtype);
    torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.1));
    auto x = torch::tensor({1.0, 0.0, 1.0, 0.0}, dtype).reshape({1, 4});
    auto y = torch::tensor({0.0, 1.0, 0.0}, dtype).reshape({1, 3});
    auto step = [&] {
      opt.zero_grad();
      auto z3 = net->forward(x);
      auto loss = 0.5 * (z3 - y).pow(2).sum();
      loss.backward();
      opt.step();
      return std::pair{z3, loss};
    };
    if (dtype == torch::kFloat64) {
      auto [z3, loss] = step();
      std::printf("check_z3 %.17g\ncheck_loss %.17g\n", z3[0][0].item<double>(), loss.item<double>());
      continue;
    }
    put("us_per_iter", bench::median_us_per(
                           [&] {
                             for (int i = 0; i < bench::kW1Iters; ++i) step();
                           },
                           bench::kW1Iters));
  }
}

void normal_init(torch::nn::Sequential& model, double w_std, double b_mean, double b_std) {
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    auto& p = item.value();
    if (item.key().find("bias") != std::string::npos) {
      if (b_std == 0) p.fill_(b_mean);
      else p.normal_(b_mean, b_std);
    } else {
      p.normal_(0, w_std);
    }
  }
}

void w2(const std::string& dir) {
  auto train = load(dir, "digits_train", 64), test = load(dir, "digits_test", 64);
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(64, 50), torch::nn::Sigmoid(), torch::nn::Linear(50, 10));
  normal_init(model, 1.0, 0.01, 0);
  std::vector<torch::Tensor> weights, biases;
  for (auto& item : model->named_parameters())
    (item.key().find("bias") != std::string::npos ? biases : weights).push_back(item.value());
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(weights, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(0.01).weight_decay(0.1)));
  groups.emplace_back(biases, std::make_unique<torch::optim::SGDOptions>(torch::optim::SGDOptions(0.01)));
  torch::optim::SGD opt(std::move(groups), torch::optim::SGDOptions(0.01));
  int64_t n = train.x.size(0), batches = n / 100;
  std::vector<double> t;
  for (int epoch = 0; epoch < 100; ++epoch) {
    auto start = Clock::now();
    model->train();
    auto order = torch::randperm(n, torch::kInt64);
    for (int64_t b = 0; b < batches; ++b) {
      auto idx = order.slice(0, b * 100, (b + 1) * 100);
      auto x = train.x.index_select(0, idx), y = train.y.index_select(0, idx);
      opt.zero_grad();
      F::cross_entropy(model->forward(x), y, F::CrossEntropyFuncOptions().reduction(torch::kSum)).backward();
      opt.step();
    }
    t.push_back(seconds_since(start) * 1e3);
  }
  put("ms_per_epoch", bench::median(t));
  put("train_accuracy", accuracy(model, train));
  put("test_accuracy", accuracy(model, test));
}

void w3(const std::string& dir, int epochs) {
  auto train = load(dir, "digits_train", 64), test = load(dir, "digits_test", 64);
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(64, 50), torch::nn::Tanh(), torch::nn::Linear(50, 10));
  normal_init(model, 0.1, 0, 0.1);
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.001));
  int64_t n = train.x.size(0);
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    for (int64_t i = 0; i < n; ++i) {
      auto x = train.x.slice(0, i, i + 1), y = train.y.slice(0, i, i + 1);
      opt.zero_grad();
      F::cross_entropy(model->forward(x), y, F::CrossEntropyFuncOptions().reduction(torch::kSum)).backward();
      opt.step();
    }
    t.push_back(seconds_since(start) * 1e6 / static_cast<double>(n));
  }
  put("us_per_step", bench::median(t));
  put("train_accuracy", accuracy(model, train));
  put("test_accuracy", accuracy(model, test));
}

void w4(const std::string& dir, int epochs) {
  auto train = load(dir, "fashion_train", 784), test = load(dir, "fashion_test", 784);
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 256),
                              torch::nn::ReLU(), torch::nn::Linear(256, 10));
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  int64_t n = train.x.size(0);
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    model->train();
    auto order = torch::randperm(n, torch::kInt64);
    for (int64_t b = 0; b < n; b += 256) {
      auto idx = order.slice(0, b, std::min<int64_t>(b + 256, n));
      auto x = train.x.index_select(0, idx), y = train.y.index_select(0, idx);
      opt.zero_grad();
      F::cross_entropy(model->forward(x), y).backward();
      opt.step();
    }
    t.push_back(seconds_since(start));
  }
  put("s_per_epoch", bench::median(t));
  put("test_accuracy", accuracy(model, test));
}

// W7: xgrad_bench's W7 in LibTorch.
void w7(const std::string& dir, int epochs) {
  auto train = load(dir, "fashion_train", 784), test = load(dir, "fashion_test", 784);
  for (auto* d : {&train, &test}) d->x = ((d->x - bench::kFashionMean) / bench::kFashionStd).reshape({-1, 1, 28, 28});
  torch::manual_seed(0);
  namespace tnn = torch::nn;
  tnn::Sequential model(tnn::Conv2d(tnn::Conv2dOptions(1, 16, 3).padding(1)), tnn::BatchNorm2d(16), tnn::ReLU(),
                        tnn::MaxPool2d(2), tnn::Conv2d(tnn::Conv2dOptions(16, 32, 3).padding(1)),
                        tnn::BatchNorm2d(32), tnn::ReLU(), tnn::MaxPool2d(2), tnn::Flatten(),
                        tnn::Linear(32 * 7 * 7, 10));
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-3));
  int64_t n = train.x.size(0);
  std::vector<double> t;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    auto start = Clock::now();
    model->train();
    auto order = torch::randperm(n, torch::kInt64);
    for (int64_t b = 0; b < n; b += 64) {
      auto idx = order.slice(0, b, std::min<int64_t>(b + 64, n));
      auto x = train.x.index_select(0, idx), y = train.y.index_select(0, idx);
      opt.zero_grad();
      F::cross_entropy(model->forward(x), y).backward();
      opt.step();
    }
    t.push_back(seconds_since(start));
  }
  put("s_per_epoch", bench::median(t));
  torch::NoGradGuard no_grad;
  model->eval();
  double right = 0;
  for (int64_t i = 0; i < test.x.size(0); i += 1000) {
    auto x = test.x.slice(0, i, i + 1000), y = test.y.slice(0, i, i + 1000);
    right += model->forward(x).argmax(1).eq(y).sum().item<double>();
  }
  put("test_accuracy", right / static_cast<double>(test.x.size(0)));
}

void w5() {
  for (int64_t n : {256, 1024, 2048}) {
    auto a = torch::randn({n, n}), b = torch::randn({n, n});
    double flop = 2.0 * static_cast<double>(n * n * n);
    int reps = std::max(3, static_cast<int>(2e10 / flop));
    std::vector<double> rate;
    for (int rep = 0; rep <= reps; ++rep) {
      auto start = Clock::now();
      auto c = torch::matmul(a, b);
      if (rep) rate.push_back(flop / seconds_since(start) * 1e-9);
    }
    std::printf("gflops_%lld %.6g\n", static_cast<long long>(n), bench::median(rate));
  }
}

void w6() {
  double rss_before = bench::rss_mib();
  auto start = Clock::now();
  auto a = torch::ones({1}, torch::requires_grad());
  auto c = torch::ones({1});
  {
    torch::Tensor x = a;
    for (int i = 0; i < bench::kW6Length; ++i) x = x * c;
    put("forward_seconds", seconds_since(start));
    auto mid = Clock::now();
    x.sum().backward();
    put("backward_seconds", seconds_since(mid));
  }
  put("seconds", seconds_since(start));
  put("peak_mib", bench::peak_rss_mib() - rss_before);
  put("grad", a.grad().item<double>());
}

// T1: elementwise ops and reductions on 1e7 float32 on 1 and on 2 intra-op threads (us per op).
void t1() {
  auto x = torch::randn({10'000'000}), y = torch::randn({10'000'000});
  auto m = x.reshape({10'000, 1'000});
  for (int threads : {1, 2}) {
    torch::set_num_threads(threads);
    auto time = [&](const char* name, auto&& op) {
      std::vector<double> t;
      for (int rep = 0; rep <= 20; ++rep) {
        auto start = Clock::now();
        torch::Tensor r = op();
        if (rep) t.push_back(seconds_since(start) * 1e6);
      }
      std::printf("%s_t%d %.6g\n", name, threads, bench::median(t));
    };
    time("exp", [&] { return torch::exp(x); });
    time("add", [&] { return x + y; });
    time("relu", [&] { return torch::relu(x); });
    time("sum", [&] { return x.sum(); });
    time("max", [&] { return x.max(); });
    time("sum_rows", [&] { return m.sum(1); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: libtorch_bench W0..W6 [DIR] [EPOCHS]\n");
    return 2;
  }
  torch::set_num_threads(1);
  std::string what = argv[1], dir = argc > 2 ? argv[2] : "bench-data";
  int epochs = argc > 3 ? std::atoi(argv[3]) : 0;
  try {
    if (what == "W0") w0();
    else if (what == "W1") w1();
    else if (what == "W2") w2(dir);
    else if (what == "W3") w3(dir, epochs ? epochs : 100);
    else if (what == "W4") w4(dir, epochs ? epochs : 3);
    else if (what == "W5") w5();
    else if (what == "W6") w6();
    else if (what == "T1") t1();
    else if (what == "W7") w7(dir, epochs ? epochs : 1);
    else throw std::runtime_error("unknown workload " + what);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "libtorch_bench %s: %s\n", what.c_str(), e.what());
    return 1;
  }
}
