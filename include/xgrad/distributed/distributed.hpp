/// \file
/// distributed/: data-parallel training on the engines clusters already run: MPI (OpenMPI) for CPU
/// tensors, NCCL for CUDA tensors (one GPU per rank). This header: the process group and the
/// collectives on tensors. DataParallel and the parameter server are in their own headers; users
/// include <xgrad/distributed.hpp> and link xgrad::distributed (no MPI or NCCL header is needed).
///
/// \code{.cpp}
///   distributed::init();                       // under `mpirun -np 2`, or alone (world size 1)
///   Tensor g = ...;
///   distributed::all_reduce(g, distributed::ReduceOp::mean);
/// \endcode
///
/// Every rank must call the same collectives, with tensors of the same shape and dtype, in the
/// same order. A collective that waits longer than the timeout for another rank, or learns that a
/// rank failed or exited, raises xgrad::Error naming that rank; the group is then unusable (later
/// collectives raise at once) and the process exits without MPI_Finalize, so mpirun reports the job
/// failed instead of hanging.
#pragma once

#include <string>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::distributed {

/// Options of init().
struct InitOptions {
  /// Seconds a collective may wait for another rank before it fails; 0 takes XGRAD_DIST_TIMEOUT
  /// from the environment, else 600 (PyTorch's NCCL default is 600 too).
  double timeout_seconds = 0;
  /// Who reduces CUDA tensors: "auto" (NCCL where this build has it and a GPU is present, else MPI
  /// through host memory), "nccl" or "mpi".
  std::string cuda_backend = "auto";
};

/// Starts the process group. Under a launcher (mpirun, srun: detected from its environment) it
/// initializes MPI and reads rank and world size from it; run as a plain process it is world size
/// 1 and MPI is not touched. Calling it again does nothing. Under MPI, a CUDA build selects GPU
/// local_rank() % device_count as this process's device.
void init(const InitOptions& options = {});
/// True once init() has run.
bool is_initialized();
/// This process's rank, 0 to world_size() - 1 (0 alone).
int rank();
/// Number of processes in the group (1 alone).
int world_size();
int local_rank();  ///< rank among the ranks on this host
/// The collectives' timeout in force (see InitOptions::timeout_seconds).
double timeout_seconds();
/// The backend that reduces tensors on `device`: "local" (world size 1), "mpi", "nccl" or
/// "mpi (staged through host memory)".
std::string backend_name(Device device);

/// Returns once every rank has reached it (or raises xgrad::Error after the timeout).
void barrier();

/// mean is sum then division by world_size (as `x / world_size` computes it). On the MPI backend a
/// sum adds the ranks' tensors in rank order, ((x0 + x1) + x2) + ..., so the result is bitwise the
/// same on every rank and equals that sum computed in one process.
enum class ReduceOp { sum, mean, max };
/// "sum", "mean" or "max".
const char* op_name(ReduceOp op);

/// In place: every rank ends with the reduction of every rank's `t`.
void all_reduce(const Tensor& t, ReduceOp op = ReduceOp::sum);
/// In place: every rank ends with root's `t`.
void broadcast(const Tensor& t, int root = 0);
/// Rank r's `t` as block r along a new first dimension's worth of rows: the result has shape
/// [world_size * t.size(0), ...] (a 0-d `t` gives [world_size]), as torch's all_gather_into_tensor.
Tensor all_gather(const Tensor& t);
/// Reduces `t` over ranks and returns this rank's block of its first dimension, which must divide
/// by world_size: shape [t.size(0) / world_size, ...], as torch's reduce_scatter_tensor.
/// all_gather(reduce_scatter(t)) equals all_reduce(t).
Tensor reduce_scatter(const Tensor& t, ReduceOp op = ReduceOp::sum);

/// Tells the other ranks that this one failed (their collectives raise an error naming this rank
/// and `reason`), waits up to 10 s for them to read it, and exits with status 1.
[[noreturn]] void abort(const std::string& reason);

}  // namespace xgrad::distributed
