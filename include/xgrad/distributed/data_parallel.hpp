/// \file
/// DataParallel: synchronous data-parallel SGD, PyTorch's DistributedDataParallel for xgrad.
///
/// \code{.cpp}
///   distributed::init();
///   distributed::DataParallel model(net);      // rank 0's parameters and buffers go to every rank
///   optim::SGD opt(model->parameters(), {.lr = 1.0});
///   for (auto [x, y] : my_shard_of_the_batches) {
///     opt.zero_grad();
///     F::cross_entropy(model(x), y).backward();  // gradients averaged over ranks when it returns
///     opt.step();                                // the same step on every rank
///   }
/// \endcode
///
/// Gradients are reduced in buckets of about 1 MB, filled in reverse parameter order (the order
/// backward produces them): a bucket's all_reduce starts from a post-accumulate-grad hook as soon
/// as its last gradient is in, while the backward goes on; the backward's last hook waits for every
/// bucket and writes the averages into .grad(). On the MPI backend every rank then holds bitwise
/// the same gradients, (g0 + g1 + ...) / world_size summed in rank order, so every rank stays
/// bitwise equal to the others. Every parameter must receive a gradient in every backward (unused
/// parameters are reported at the next forward).
#pragma once

#include <memory>
#include <vector>

#include "xgrad/distributed/distributed.hpp"
#include "xgrad/nn/module.hpp"

namespace xgrad::distributed {

/// Options of DataParallel.
struct DataParallelOptions {
  int64_t bucket_bytes = 1 << 20;  ///< a bucket closes once it holds this many bytes of gradients
};

namespace detail {
class Reducer;
}

/// Synchronous data-parallel training of a module (see the file's description); use it through
/// distributed::DataParallel.
class DataParallelImpl : public nn::Module {
 public:
  /// Wraps `module` (registered as the child "module", as in PyTorch, so state_dict keys read
  /// "module.0.weight"). Collective: every rank constructs it, with modules of the same parameter
  /// names, shapes and dtypes. Needs distributed::init().
  DataParallelImpl(nn::ModulePtr module, DataParallelOptions options = {});
  /// As above, for a module handle.
  template <nn::ModuleLike M>
  explicit DataParallelImpl(const M& module, DataParallelOptions options = {})
      : DataParallelImpl(nn::module_ptr(module), options) {}
  ~DataParallelImpl() override;

  /// The wrapped module's forward; raises if the previous backward left parameters without a
  /// gradient (their reduction could not finish).
  Tensor forward(const Tensor& x) override;
  /// The wrapped module.
  const nn::ModulePtr& module() const { return module_; }

  /// While the guard lives, backward passes accumulate gradients locally without any
  /// communication; the first backward after it reduces the accumulated sums (gradient
  /// accumulation over several micro-batches for the price of one reduction).
  class NoSyncGuard {
   public:
    /// Made by no_sync(); turns synchronization off until it is destroyed.
    explicit NoSyncGuard(std::shared_ptr<detail::Reducer> reducer);
    ~NoSyncGuard();
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;

   private:
    std::shared_ptr<detail::Reducer> reducer_;
    bool previous_;
  };
  /// A guard under which backward passes do not communicate (see NoSyncGuard).
  [[nodiscard]] NoSyncGuard no_sync();

  /// The parameters of each bucket (indices into parameters()), in the order they are reduced.
  std::vector<std::vector<size_t>> bucket_indices() const;

 private:
  nn::ModulePtr module_;
  std::shared_ptr<detail::Reducer> reducer_;
};

/// Handle of DataParallelImpl: `distributed::DataParallel model(net)`.
XGRAD_MODULE(DataParallel);

}  // namespace xgrad::distributed
