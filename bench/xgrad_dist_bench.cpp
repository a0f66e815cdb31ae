// xgrad's side of the distributed benchmark (P1-P3), run by bench/run.py under mpirun:
//   xgrad_dist_bench epoch DIR      notebook 001's digits net (64-50-10 sigmoid), a global batch of
//                                   200 split over the ranks (DataParallel + DistributedSampler):
//                                   ms per epoch
//   xgrad_dist_bench single DIR     the same recipe in one process without xgrad::distributed
//   xgrad_dist_bench allreduce N    all_reduce (sum) of N float32: us per call
// Rank 0 prints the `key value` lines. The loss is the batch mean (gradients average over ranks):
// lr 1 and weight decay 0.001 are notebook 001's lr 0.01 and L2 0.1 on the summed loss of 100 rows.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <xgrad/distributed.hpp>

#include "bench_util.hpp"

using namespace xgrad;
namespace dist = xgrad::distributed;
namespace F = xgrad::nn::functional;
using bench::Clock;
using bench::seconds_since;

namespace {

constexpr int64_t kGlobalBatch = 200;
constexpr int kEpochs = 100;

data::TensorDataset load(const std::string& dir, const std::string& name) {
  auto x = bench::read_raw<float>(dir + "/" + name + "_x.f32");
  auto y = bench::read_raw<int64_t>(dir + "/" + name + "_y.i64");
  auto n = static_cast<int64_t>(y.size());
  return {from_vector(x, {n, 64}), from_vector(y, {n})};
}

nn::Sequential digits_net() {
  manual_seed(0);
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 1),
                         .bias_init = nn::init::constant(0.01)};
  return nn::Sequential(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
}

std::unique_ptr<optim::SGD> make_sgd(const std::vector<nn::NamedTensor>& params) {
  std::vector<Tensor> weights, biases;
  for (auto& [name, p] : params)
    (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
  auto opt =
      std::make_unique<optim::SGD>(weights, optim::SGDOptions{.lr = 1.0, .weight_decay = 0.001});
  opt->add_param_group(biases, {.lr = 1.0});
  return opt;
}

void report(const std::vector<double>& ms, const nn::Sequential& net,
            const data::TensorDataset& test) {
  NoGradGuard no_grad;
  bench::put("ms_per_epoch", bench::median(ms));
  bench::put("test_accuracy", metrics::accuracy(net(test.x), test.y));
}

void epoch(const std::string& dir) {
  auto train = load(dir, "digits_train"), test = load(dir, "digits_test");
  const int ranks = dist::world_size();
  const int64_t local = kGlobalBatch / ranks;
  nn::Sequential net = digits_net();
  dist::DataParallel model(net);
  auto opt = make_sgd(model->named_parameters());
  data::DistributedSampler sampler(train.size(), ranks, dist::rank(), {.seed = 0});
  std::vector<double> ms;
  for (int e = 0; e < kEpochs; ++e) {
    dist::barrier();  // every rank starts the epoch together
    auto start = Clock::now();
    sampler.set_epoch(e);
    auto shard = train.subset(sampler.indices());
    for (auto [x, y] : data::DataLoader(shard, {.batch_size = local, .drop_last = true})) {
      opt->zero_grad();
      F::cross_entropy(model(x), y).backward();
      opt->step();
    }
    ms.push_back(seconds_since(start) * 1e3);
  }
  if (dist::rank() == 0) report(ms, net, test);
}

void single(const std::string& dir) {
  auto train = load(dir, "digits_train"), test = load(dir, "digits_test");
  nn::Sequential net = digits_net();
  auto opt = make_sgd(net->named_parameters());
  data::DataLoader loader(train, {.batch_size = kGlobalBatch, .shuffle = true, .drop_last = true});
  std::vector<double> ms;
  for (int e = 0; e < kEpochs; ++e) {
    auto start = Clock::now();
    for (auto [x, y] : loader) {
      opt->zero_grad();
      F::cross_entropy(net(x), y).backward();
      opt->step();
    }
    ms.push_back(seconds_since(start) * 1e3);
  }
  report(ms, net, test);
}

void allreduce(int64_t n) {
  Tensor t = ones({n});
  const int reps = n <= 100000 ? 2000 : 10;
  dist::barrier();
  double us = bench::median_us_per(
      [&] {
        for (int i = 0; i < reps; ++i) dist::all_reduce(t);
      },
      reps);
  if (dist::rank() == 0) bench::put("us_per_allreduce", us);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: xgrad_dist_bench epoch|single DIR | allreduce N\n");
    return 2;
  }
  std::string what = argv[1], arg = argv[2];
  try {
    if (what == "single") return single(arg), 0;
    dist::init();
    if (what == "epoch")
      epoch(arg);
    else if (what == "allreduce")
      allreduce(std::atoll(arg.c_str()));
    else
      throw Error("unknown workload " + what);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xgrad_dist_bench: %s\n", e.what());
    if (dist::is_initialized()) dist::abort(e.what());
    return 1;
  }
}
