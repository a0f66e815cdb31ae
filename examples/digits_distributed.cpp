// Notebook 004's coarse-grained parallelism on notebook 001's digits classifier (64-50-10 sigmoid,
// N(0, 1) weights, L2 on the weights only), over MPI: `scripts/run digits_distributed --np 2`.
//   --mode sync    synchronous SGD with allreduce (DataParallel): each rank takes its shard of
//                  every epoch's permutation (DistributedSampler) and batch / ranks rows a step;
//                  the gradients are averaged, every rank makes the same step.
//   --mode async   asynchronous SGD through a parameter server: rank 0 holds the weights and
//                  applies each worker's gradient (a batch of `batch` rows) as it arrives.
//   --mode backup  synchronous SGD with backup workers: a step averages the first
//                  workers - backups gradients (batch / (workers - backups) rows each).
//   --mode single  one process, the same global batches as sync on --shards ranks (to compare).
// Gradients average over ranks, so the loss is the batch mean: lr 1 and weight decay 0.001 on the
// mean are the notebook's lr 0.01 and L2 0.1 on the summed loss of a batch of 100.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <xgrad/distributed.hpp>

#include "cli.hpp"

using namespace xgrad;
namespace dist = xgrad::distributed;
namespace F = xgrad::nn::functional;

namespace {

nn::Sequential make_net(Dtype dtype) {
  nn::LinearOptions init{.weight_init = nn::init::normal(0, 1),
                         .bias_init = nn::init::constant(0.01)};
  nn::Sequential net(nn::Linear(64, 50, init), nn::Sigmoid(), nn::Linear(50, 10, init));
  net->to(dtype);
  return net;
}

// SGD with L2 on the weights only (the biases in a group without decay).
std::unique_ptr<optim::SGD> make_sgd(const std::vector<nn::NamedTensor>& params, double lr,
                                     double lambda) {
  std::vector<Tensor> weights, biases;
  for (auto& [name, p] : params)
    (name.find("bias") != std::string::npos ? biases : weights).push_back(p);
  auto opt =
      std::make_unique<optim::SGD>(weights, optim::SGDOptions{.lr = lr, .weight_decay = lambda});
  opt->add_param_group(biases, {.lr = lr});
  return opt;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = "sync", dtype_name = "float32";
  int64_t epochs = 100, batch = 100, backups = 0, shard_option = 0;
  double lr = 1, lambda = 0.001;
  examples::Cli cli("Notebook 004's synchronous, asynchronous and backup-worker SGD on notebook "
                    "001's digits net, over MPI (run under mpirun)");
  cli.option("--mode", mode, "sync (DataParallel), async (parameter server), backup, or single")
      ->check(CLI::IsMember({"sync", "async", "backup", "single"}));
  cli.epochs(epochs);
  cli.option("--batch", batch, "rows per step, over all ranks")->check(examples::at_least(1));
  cli.option("--lr", lr, "learning rate (on the batch's mean loss)")->check(examples::positive);
  cli.option("--lambda", lambda, "L2 weight decay on the weights")->check(examples::at_least(0));
  cli.option("--backups", backups, "backup workers (--mode backup)")->check(examples::at_least(0));
  cli.option("--dtype", dtype_name, "float32 or float64")->check(CLI::IsMember({"float32", "float64"}));
  cli.option("--shards", shard_option, "--mode single: the global batches of this many ranks (0: 2)")
      ->check(examples::at_least(0));
  cli.parse(argc, argv);
  try {
    dist::init();
    const int rank = dist::rank(), ranks = dist::world_size();
    const Dtype dtype = dtype_name == "float64" ? kFloat64 : kFloat32;
    const auto seed = cli.common.seed;

    auto [train, test] = data::digits_sklearn_split(data::load_digits());
    train.x = train.x.to(dtype);
    test.x = test.x.to(dtype);
    manual_seed(seed);
    nn::Sequential net = make_net(dtype);
    const int64_t steps_per_epoch = train.size() / batch;

    std::vector<std::pair<std::string, double>> results;
    auto start = std::chrono::steady_clock::now();
    if (mode == "sync" || mode == "single") {
      // A global batch is every rank's local batch; `single` walks the same global batches alone.
      const int shards = mode == "single" && shard_option > 0
                             ? static_cast<int>(shard_option)
                             : ranks;
      if (batch % shards != 0)
        throw Error("--batch " + std::to_string(batch) + " must divide by the " +
                    std::to_string(shards) + " ranks");
      const int64_t local = batch / shards;
      nn::ModulePtr trained = net.ptr();
      dist::DataParallel model(nullptr);
      if (mode == "sync") {
        model = dist::DataParallel(net);
        trained = model.ptr();
      }
      auto opt = make_sgd(trained->named_parameters(), lr, lambda);
      for (int64_t epoch = 0; epoch < epochs; ++epoch) {
        std::vector<data::TensorDataset> shard;
        for (int r = 0; r < shards; ++r) {
          if (mode == "sync" && r != rank) continue;
          data::DistributedSampler sampler(train.size(), shards, r, {.seed = seed});
          sampler.set_epoch(epoch);
          shard.push_back(train.subset(sampler.indices()));
        }
        const int64_t steps = shard[0].size() / local;
        for (int64_t k = 0; k < steps; ++k) {
          std::vector<Tensor> xs, ys;
          for (auto& s : shard) {
            xs.push_back(s.x.narrow(0, k * local, local));
            ys.push_back(s.y.narrow(0, k * local, local));
          }
          Tensor x = xs.size() == 1 ? xs[0] : cat(xs), y = ys.size() == 1 ? ys[0] : cat(ys);
          opt->zero_grad();
          F::cross_entropy((*trained)(x), y).backward();
          opt->step();
        }
      }
      results.push_back({"ms_per_epoch", seconds_since(start) * 1e3 /
                                             static_cast<double>(std::max<int64_t>(epochs, 1))});
      if (mode == "sync") {  // every rank holds the same bits: compare checksums
        Tensor mine = full({1}, 0.0, kInt64);
        mine.data<int64_t>()[0] =
            static_cast<int64_t>(std::stoull(examples::weights_checksum(net), nullptr, 16));
        Tensor all = dist::all_gather(mine);
        auto sums = all.to_vector<int64_t>();
        results.push_back({"ranks_identical",
                           std::count(sums.begin(), sums.end(), sums[0]) == ranks ? 1.0 : 0.0});
      }
    } else {
      dist::ParameterServer ps(
          net->parameters(), {.mode = mode == "async" ? dist::PsMode::async : dist::PsMode::backup,
                              .backups = static_cast<int>(backups)});
      const int workers = ps.workers();
      const int64_t per_worker =
          mode == "async" ? batch : batch / (workers - backups);
      if (mode == "backup" && per_worker * (workers - backups) != batch)
        throw Error("--batch must divide by workers - backups (" +
                    std::to_string(workers - backups) + ")");
      if (ps.is_server()) {
        auto opt = make_sgd(net->named_parameters(), lr, lambda);
        auto stats = ps.serve(epochs * steps_per_epoch, [&] { opt->step(); });
        results.push_back({"updates", static_cast<double>(stats.updates)});
        results.push_back({"gradients", static_cast<double>(stats.gradients)});
        results.push_back({"dropped", static_cast<double>(stats.dropped)});
        results.push_back({"mean_staleness", stats.mean_staleness});
        results.push_back({"max_staleness", static_cast<double>(stats.max_staleness)});
        results.push_back({"ms_per_epoch", seconds_since(start) * 1e3 /
                                               static_cast<double>(std::max<int64_t>(epochs, 1))});
      } else {
        // Each worker walks its shard of a new permutation per pass until the server stops it.
        bool more = true;
        for (int64_t pass = 0; more; ++pass) {
          data::DistributedSampler sampler(train.size(), workers, rank - 1, {.seed = seed});
          sampler.set_epoch(pass);
          auto mine = train.subset(sampler.indices());
          for (int64_t k = 0; more && (k + 1) * per_worker <= mine.size(); ++k) {
            if (!(more = ps.fetch())) break;
            net->zero_grad();
            F::cross_entropy(net(mine.x.narrow(0, k * per_worker, per_worker)),
                             mine.y.narrow(0, k * per_worker, per_worker))
                .backward();
            ps.push();
          }
        }
      }
    }
    const double seconds = seconds_since(start);
    if (rank == 0) {
      NoGradGuard no_grad;
      net->eval();
      std::printf("mode %s\nranks %d\n", mode.c_str(), ranks);
      std::printf("train_seconds %.3f\n", seconds);
      for (auto& [k, v] : results) std::printf("%s %.6g\n", k.c_str(), v);
      std::printf("train_accuracy %.4f\n", metrics::accuracy(net(train.x), train.y));
      std::printf("test_accuracy %.4f\n", metrics::accuracy(net(test.x), test.y));
      if (cli.common.deterministic)
        std::printf("weights_checksum %s\n", examples::weights_checksum(net).c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits_distributed: rank %d: %s\n",
                 dist::is_initialized() ? dist::rank() : 0, e.what());
    if (dist::is_initialized()) dist::abort(e.what());
    return 1;
  }
}
