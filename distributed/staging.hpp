// Internal: collectives on device tensors through host memory, for a backend that reaches host
// memory only (MPI where NCCL is not built or not wanted, an emulated CUDA device). Each operation
// copies its input to a fresh host tensor, runs the host backend on it, and when the work
// completes copies the result into the device tensor (so nothing changes before completion).
#pragma once

#include "distributed/work.hpp"

namespace xgrad::distributed::detail {

class StagedBackend final : public Backend {
 public:
  explicit StagedBackend(Backend& host) : host_(host) {}
  std::string name() const override { return host_.name() + " (staged through host memory)"; }
  std::unique_ptr<Work> all_reduce(const Tensor& t, ReduceOp op, const char* what) override;
  std::unique_ptr<Work> broadcast(const Tensor& t, int root, const char* what) override;
  std::unique_ptr<Work> all_gather(const Tensor& in, const Tensor& out, const char* what) override;
  std::unique_ptr<Work> reduce_scatter(const Tensor& in, const Tensor& out, ReduceOp op,
                                       const char* what) override;

  // A host copy of `t` that shares nothing with it (a CPU tensor is cloned).
  static Tensor to_host(const Tensor& t);

 private:
  Backend& host_;
};

}  // namespace xgrad::distributed::detail
