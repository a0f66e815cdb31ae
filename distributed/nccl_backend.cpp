// The NCCL backend: collectives on CUDA tensors, one GPU per rank, on the legacy default stream
// (where xgrad's kernels run, so the order with them needs no extra synchronization). The
// communicator is nonblocking: every NCCL call and every wait is polled against the group's
// deadline, with the notices and liveness checks of the MPI group; on a timeout or a failed rank
// the communicator is aborted (ncclCommAbort) and the group marked unusable.
#include "distributed/nccl_backend.hpp"

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <cstring>

#include "distributed/mpi_group.hpp"

namespace xgrad::distributed::detail {

namespace {

ncclDataType_t nccl_type(Dtype d) {
  switch (d) {
    case kFloat32:
      return ncclFloat32;
    case kFloat64:
      return ncclFloat64;
    case kInt64:
      return ncclInt64;
  }
  return ncclFloat32;
}

ncclRedOp_t nccl_op(ReduceOp op) {
  return op == ReduceOp::max ? ncclMax : ncclSum;
}  // mean: sum, then / n

std::vector<int> other_ranks() {
  MpiGroup& g = MpiGroup::get();
  std::vector<int> r;
  for (int i = 0; i < g.size(); ++i)
    if (i != g.rank()) r.push_back(i);
  return r;
}

struct Communicator {
  ncclComm_t comm = nullptr;
  bool aborted = false;

  // Aborts the communicator (so no NCCL kernel keeps waiting) and raises through the group.
  [[noreturn]] void fail(const std::string& message) {
    if (!aborted && comm) ncclCommAbort(comm);
    aborted = true;
    MpiGroup::get().fail(message);
  }

  void check(const std::string& what, ncclResult_t r) {
    if (r == ncclSuccess) return;
    if (r == ncclInProgress) return settle(what);
    fail(what + ": NCCL: " + ncclGetErrorString(r) +
         (comm ? std::string(" (") + ncclGetLastError(comm) + ")" : ""));
  }

  // A nonblocking communicator finishes calls in the background: wait for it under the deadline.
  void settle(const std::string& what) {
    Waiter waiter(what.c_str());
    auto peers = other_ranks();
    try {
      for (;;) {
        ncclResult_t state = ncclSuccess;
        ncclCommGetAsyncError(comm, &state);
        if (state == ncclSuccess) return;
        if (state != ncclInProgress)
          fail(what + ": NCCL: " + ncclGetErrorString(state) + " (" + ncclGetLastError(comm) + ")");
        waiter.idle(peers);
      }
    } catch (const Error&) {
      if (!aborted) ncclCommAbort(comm);
      aborted = true;
      throw;
    }
  }
};

class NcclWork final : public Work {
 public:
  NcclWork(std::shared_ptr<Communicator> comm, std::string what, std::vector<Tensor> keep)
      : comm_(std::move(comm)), what_(std::move(what)), keep_(std::move(keep)) {
    if (cudaEventCreateWithFlags(&event_, cudaEventDisableTiming) != cudaSuccess ||
        cudaEventRecord(event_, nullptr) != cudaSuccess)
      comm_->fail(what_ + ": cudaEventRecord failed: " + cudaGetErrorString(cudaGetLastError()));
  }
  ~NcclWork() override {
    if (event_) cudaEventDestroy(event_);
  }

 protected:
  bool poll() override {
    ncclResult_t state = ncclSuccess;
    ncclCommGetAsyncError(comm_->comm, &state);
    if (state != ncclSuccess && state != ncclInProgress)
      comm_->fail(what_ + ": NCCL: " + ncclGetErrorString(state) + " (" +
                  ncclGetLastError(comm_->comm) + ")");
    cudaError_t e = cudaEventQuery(event_);
    if (e == cudaSuccess) return true;
    if (e == cudaErrorNotReady) return false;
    comm_->fail(what_ + ": CUDA error while waiting for NCCL: " + cudaGetErrorString(e));
  }
  void block_until_done() override {
    Waiter waiter(what_.c_str());
    auto peers = other_ranks();
    try {
      while (!poll()) waiter.idle(peers);
    } catch (const Error&) {
      if (!comm_->aborted) ncclCommAbort(comm_->comm);
      comm_->aborted = true;
      for (auto& t : keep_) MpiGroup::get().keep_until_exit(t);
      throw;
    }
  }

 private:
  std::shared_ptr<Communicator> comm_;
  std::string what_;
  std::vector<Tensor> keep_;  // the tensors NCCL reads and writes, alive until it is done
  cudaEvent_t event_ = nullptr;
};

class NcclBackend final : public Backend {
 public:
  explicit NcclBackend(Backend& bootstrap) : comm_(std::make_shared<Communicator>()) {
    MpiGroup& g = MpiGroup::get();
    static_assert(sizeof(ncclUniqueId) % sizeof(int64_t) == 0);
    Tensor id = zeros({static_cast<int64_t>(sizeof(ncclUniqueId) / sizeof(int64_t))}, kInt64);
    ncclUniqueId uid;
    if (g.rank() == 0) {
      comm_->check("NCCL bootstrap: ncclGetUniqueId", ncclGetUniqueId(&uid));
      std::memcpy(id.data_ptr(), &uid, sizeof uid);
    }
    bootstrap.broadcast(id, 0, "NCCL bootstrap")->wait();
    std::memcpy(&uid, id.data_ptr(), sizeof uid);
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    comm_->check("NCCL bootstrap: ncclCommInitRankConfig",
                 ncclCommInitRankConfig(&comm_->comm, g.size(), uid, g.rank(), &config));
    comm_->settle("NCCL bootstrap");
  }

  std::string name() const override { return "nccl"; }

  std::unique_ptr<Work> all_reduce(const Tensor& t, ReduceOp op, const char* what) override {
    start(what);
    comm_->check(what, ncclAllReduce(t.data_ptr(), t.data_ptr(), static_cast<size_t>(t.numel()),
                                     nccl_type(t.dtype()), nccl_op(op), comm_->comm, nullptr));
    return std::make_unique<NcclWork>(comm_, what, std::vector<Tensor>{t});
  }
  std::unique_ptr<Work> broadcast(const Tensor& t, int root, const char* what) override {
    start(what);
    comm_->check(what, ncclBroadcast(t.data_ptr(), t.data_ptr(), static_cast<size_t>(t.numel()),
                                     nccl_type(t.dtype()), root, comm_->comm, nullptr));
    return std::make_unique<NcclWork>(comm_, what, std::vector<Tensor>{t});
  }
  std::unique_ptr<Work> all_gather(const Tensor& in, const Tensor& out, const char* what) override {
    start(what);
    comm_->check(what, ncclAllGather(in.data_ptr(), out.data_ptr(), static_cast<size_t>(in.numel()),
                                     nccl_type(in.dtype()), comm_->comm, nullptr));
    return std::make_unique<NcclWork>(comm_, what, std::vector<Tensor>{in, out});
  }
  std::unique_ptr<Work> reduce_scatter(const Tensor& in, const Tensor& out, ReduceOp op,
                                       const char* what) override {
    start(what);
    comm_->check(what,
                 ncclReduceScatter(in.data_ptr(), out.data_ptr(), static_cast<size_t>(out.numel()),
                                   nccl_type(in.dtype()), nccl_op(op), comm_->comm, nullptr));
    return std::make_unique<NcclWork>(comm_, what, std::vector<Tensor>{in, out});
  }

 private:
  void start(const char* what) {
    MpiGroup::get().check_usable(what);
    if (comm_->aborted)
      MpiGroup::get().fail(std::string(what) + ": the NCCL communicator was aborted");
  }
  std::shared_ptr<Communicator> comm_;
};

}  // namespace

std::string nccl_unavailable_reason() { return {}; }

std::unique_ptr<Backend> make_nccl_backend(Backend& bootstrap) {
  return std::make_unique<NcclBackend>(bootstrap);
}

void select_cuda_device(int local_rank) {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    cudaGetLastError();  // no device: nothing to select, and no error left for the next call
    return;
  }
  cudaSetDevice(local_rank % count);
}

}  // namespace xgrad::distributed::detail
