// Internal: a collective in flight (Work) and the interface every backend implements (MPI for
// CPU tensors, NCCL for CUDA tensors, MPI through host memory for CUDA tensors without NCCL).
// DataParallel starts bucket reductions here and finishes them after the backward.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "xgrad/distributed/distributed.hpp"

namespace xgrad::distributed::detail {

class Work {
 public:
  virtual ~Work() = default;
  // Advances the collective without blocking; true once it has completed (then the callbacks
  // added with then() have run, once).
  bool test();
  // Until it has completed; raises xgrad::Error naming the ranks it waited for on a timeout, or a
  // rank that failed or exited.
  void wait();
  // Runs `fn` when the collective completes (in the order added).
  void then(std::function<void()> fn) { then_.push_back(std::move(fn)); }

 protected:
  virtual bool poll() = 0;              // true when the transfers are done
  virtual void block_until_done() = 0;  // waits, with the backend's deadline and fault checks

 private:
  void finish();
  std::vector<std::function<void()>> then_;
  bool done_ = false;
};

// A work that has nothing to wait for (world size 1, empty tensors).
class DoneWork final : public Work {
 protected:
  bool poll() override { return true; }
  void block_until_done() override {}
};

// Tensors given to a backend are contiguous, on the backend's device, checked by the caller
// (collectives.cpp): same dtype, shapes the operation allows.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Work> all_reduce(const Tensor& t, ReduceOp op, const char* what) = 0;
  virtual std::unique_ptr<Work> broadcast(const Tensor& t, int root, const char* what) = 0;
  // out: world_size blocks of in's size.
  virtual std::unique_ptr<Work> all_gather(const Tensor& in, const Tensor& out,
                                           const char* what) = 0;
  // in: world_size blocks of out's size.
  virtual std::unique_ptr<Work> reduce_scatter(const Tensor& in, const Tensor& out, ReduceOp op,
                                               const char* what) = 0;
};

// The backend for tensors on `device` (the group must be initialized with world size > 1).
Backend& backend_for(Device device);

// Starts an all_reduce of `t` (checked as all_reduce checks it); mean divides on completion.
// DataParallel calls this for each bucket while the backward runs.
std::unique_ptr<Work> start_all_reduce(const Tensor& t, ReduceOp op, const char* what);

}  // namespace xgrad::distributed::detail
