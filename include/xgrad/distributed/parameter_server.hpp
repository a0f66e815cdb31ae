/// \file
/// ParameterServer: notebook 004's asynchronous SGD, and synchronous SGD with backup workers, over
/// MPI point-to-point messages. Rank 0 holds the weights; every other rank is a worker that fetches
/// the newest weights, computes a gradient on its own batch and pushes it back.
///
/// \code{.cpp}
///   distributed::ParameterServer ps(model->parameters(), {.mode = distributed::PsMode::async});
///   if (ps.is_server()) {
///     auto stats = ps.serve(steps, [&] { opt.step(); });  // .grad() holds the gradient to apply
///   } else {
///     while (ps.fetch()) {                                 // false once the server has stopped
///       model->zero_grad();
///       loss_on_my_next_batch().backward();
///       ps.push();
///     }
///   }
/// \endcode
///
/// async: the server applies each gradient the moment it arrives and answers that worker with the
/// new weights. A gradient is stale by the updates other workers made between its worker's fetch
/// and its arrival (up to workers - 1 with equal speeds, more with a straggler): the run is not
/// the same as synchronous SGD, and not repeatable bitwise when workers > 1 (arrival order
/// decides). With one worker there is no staleness and it is plain sequential SGD.
///
/// backup (Chen et al. 2016, "Revisiting distributed synchronous SGD"): step v waits for the first
/// workers - backups gradients computed on weights v, applies their average, and sends weights v+1
/// to those workers; a gradient that arrives after its step (computed on old weights) is dropped
/// and its worker gets the newest weights. Slow workers then cost no time, only their gradients.
#pragma once

#include <functional>
#include <vector>

#include "xgrad/distributed/distributed.hpp"

namespace xgrad::distributed {

/// How the server applies gradients: async, or synchronous with backup workers (see the file's
/// description).
enum class PsMode { async, backup };

/// Options of ParameterServer.
struct ParameterServerOptions {
  PsMode mode = PsMode::async;  ///< async or backup.
  int backups = 0;  ///< backup mode: a step uses the first workers - backups gradients
};

/// What ParameterServer::serve did.
struct ServerStats {
  int64_t updates = 0;        ///< steps applied
  int64_t gradients = 0;      ///< gradients received, used or not
  int64_t dropped = 0;        ///< backup mode: gradients that arrived after their step
  double mean_staleness = 0;  ///< async: mean updates between a gradient's weights and its use
  int64_t max_staleness = 0;  ///< async: the largest such count.
  std::vector<int64_t> used_per_worker;  ///< gradients used from rank 1, 2, ...
};

/// Asynchronous or backup-worker SGD with rank 0 as the server (see the file's description).
class ParameterServer {
 public:
  /// Collective: every rank constructs it with parameters of the same shapes and dtypes (the
  /// model's). Needs distributed::init() and at least 2 ranks.
  ParameterServer(std::vector<Tensor> params, ParameterServerOptions options = {});
  ~ParameterServer();
  ParameterServer(const ParameterServer&) = delete;
  ParameterServer& operator=(const ParameterServer&) = delete;

  /// True on rank 0.
  bool is_server() const { return rank_ == 0; }
  /// Number of workers: world_size() - 1.
  int workers() const { return size_ - 1; }

  /// Rank 0: makes `steps` updates, each by setting every parameter's .grad() to the gradient to
  /// apply (one worker's, or the backup step's average) and calling `apply`; then stops each
  /// worker as its next gradient arrives, and returns.
  ServerStats serve(int64_t steps, const std::function<void()>& apply);

  /// Workers: receives the server's newest weights into the parameters; false once the server has
  /// stopped (the parameters are then left as they were).
  bool fetch();
  /// Workers: sends the parameters' .grad() (computed on the weights of the last fetch).
  void push();
  /// Gradients this worker has pushed.
  int64_t pushes() const { return pushes_; }

 private:
  int64_t payload_bytes() const;
  Tensor pack(int64_t kind, int64_t version, bool grads) const;
  void unpack_weights(const Tensor& message) const;
  void set_grads(const std::vector<Tensor>& messages) const;

  std::vector<Tensor> params_;
  ParameterServerOptions options_;
  int rank_ = 0, size_ = 1;
  int64_t version_ = 0;  ///< workers: the version of the weights last fetched
  bool fetched_ = false, stopped_ = false;
  int64_t pushes_ = 0;
};

}  // namespace xgrad::distributed
