// Collectives and DataParallel on CUDA tensors through host memory (the MPI backend's staging, the
// path where NCCL is absent or not chosen). Runs as one process and under `mpirun -np 2`;
// scripts/test runs it on the emulated device (build-emu). Without a device the binary exits 77
// (CTest: skipped) and says why.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <xgrad/distributed.hpp>
#include <xgrad/xgrad.hpp>

#include "xgrad/cuda/cuda.hpp"

using namespace xgrad;
namespace dist = xgrad::distributed;
namespace F = xgrad::nn::functional;

namespace {

// Staged through host memory even where NCCL is built and a GPU is present.
void init_staged() {
  if (!cuda::is_available()) {
    std::string reason = "no device";
    try {
      zeros({1}, kCUDA);
    } catch (const Error& e) {
      reason = e.what();
    }
    std::printf("test_cuda_distributed: SKIPPED: no CUDA device (%s)\n", reason.c_str());
    std::fflush(stdout);
    std::exit(77);
  }
  dist::init({.cuda_backend = "mpi"});
}

// Rank r's values: they do not add exactly in float32, and differ per rank.
Tensor rank_tensor(int r, int64_t n, Dtype dtype) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] =
        0.1 * (r + 1) + 1e-3 * static_cast<double>(i % 97) / 7.0 - 0.37 * r * (i % 3);
  return tensor(v, {n}, dtype);
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  if (!(a.shape() == b.shape()) || a.dtype() != b.dtype()) return false;
  Tensor x = a.cpu(), y = b.cpu();
  return std::memcmp(x.data_ptr(), y.data_ptr(),
                     static_cast<size_t>(x.numel()) * element_size(x.dtype())) == 0;
}

}  // namespace

TEST_CASE("collectives on CUDA tensors staged through host memory give the CPU's bits") {
  init_staged();
  const int ws = dist::world_size(), me = dist::rank();
  if (ws > 1) CHECK(dist::backend_name(kCUDA) == "mpi (staged through host memory)");
  for (Dtype dtype : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dtype));
    // 1000 elements in one exchange; 40001 through reduce-scatter + all-gather.
    for (int64_t n : {int64_t{1000}, int64_t{40001}}) {
      CAPTURE(n);
      for (auto op : {dist::ReduceOp::sum, dist::ReduceOp::mean, dist::ReduceOp::max}) {
        CAPTURE(dist::op_name(op));
        Tensor host = rank_tensor(me, n, dtype), device = host.to(kCUDA);
        dist::all_reduce(host, op);
        dist::all_reduce(device, op);
        CHECK(device.device() == kCUDA);
        CHECK(bitwise_equal(device, host));
      }
    }
    Tensor b = rank_tensor(me, 10, dtype).to(kCUDA);
    dist::broadcast(b, ws - 1);
    CHECK(bitwise_equal(b, rank_tensor(ws - 1, 10, dtype)));
    Tensor gathered = dist::all_gather(rank_tensor(me, 6, dtype).reshape({2, 3}).to(kCUDA));
    CHECK(gathered.device() == kCUDA);
    CHECK(bitwise_equal(gathered, dist::all_gather(rank_tensor(me, 6, dtype).reshape({2, 3}))));
    Tensor rs_in = rank_tensor(me, 4 * ws, dtype).reshape({2 * ws, 2});
    Tensor scattered = dist::reduce_scatter(rs_in.to(kCUDA));
    CHECK(scattered.device() == kCUDA);
    CHECK(bitwise_equal(scattered, dist::reduce_scatter(rs_in)));
  }
}

TEST_CASE(
    "DataParallel on CUDA: the weights after N steps are bitwise one process's that adds the "
    "ranks' gradients in rank order") {
  init_staged();
  const int ws = dist::world_size(), me = dist::rank();
  auto digits = data::digits_sklearn_split(data::load_digits()).train;
  auto make_net = [](uint64_t seed) {
    manual_seed(seed);
    nn::Sequential net(nn::Linear(64, 50), nn::Sigmoid(), nn::Linear(50, 10));
    net->to(kCUDA);
    return net;
  };
  const int64_t per_rank = 25, steps = 5;
  auto batch_of = [&](int r, int64_t k) {
    auto part = digits.slice((k * ws + r) * per_rank, (k * ws + r + 1) * per_rank);
    return data::Batch{part.x.to(kCUDA), part.y.to(kCUDA)};
  };
  auto net = make_net(7 + static_cast<uint64_t>(me));  // rank 0's weights must reach every rank
  dist::DataParallel model(net);
  auto ref = make_net(7);
  optim::SGD opt(model->parameters(), {.lr = 0.5});
  optim::SGD ref_opt(ref->parameters(), {.lr = 0.5});
  auto ref_params = ref->parameters();
  for (int64_t k = 0; k < steps; ++k) {
    auto [x, y] = batch_of(me, k);
    opt.zero_grad();
    F::cross_entropy(model(x), y).backward();
    opt.step();
    std::vector<Tensor> sum(ref_params.size());
    for (int r = 0; r < ws; ++r) {
      ref->zero_grad();
      auto [rx, ry] = batch_of(r, k);
      F::cross_entropy(ref(rx), ry).backward();
      for (size_t i = 0; i < ref_params.size(); ++i)
        sum[i] = sum[i].defined() ? sum[i] + ref_params[i].grad() : ref_params[i].grad().clone();
    }
    for (size_t i = 0; i < ref_params.size(); ++i)
      ref_params[i].set_grad(sum[i] / static_cast<double>(ws));
    ref_opt.step();
  }
  auto mine = model->parameters();
  for (size_t i = 0; i < mine.size(); ++i) {
    CHECK(mine[i].device() == kCUDA);
    CHECK(bitwise_equal(mine[i], ref_params[i]));
  }
}
