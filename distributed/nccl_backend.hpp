// Internal: the NCCL backend for CUDA tensors (one GPU per rank), built where the CUDA toolkit has
// NCCL (nccl_backend.cpp); nccl_none.cpp stands in elsewhere. No CUDA or NCCL header here.
#pragma once

#include <memory>
#include <string>

#include "distributed/work.hpp"

namespace xgrad::distributed::detail {

// Empty when this build has NCCL; else why not.
std::string nccl_unavailable_reason();
// Creates the NCCL communicator of the whole group: rank 0's unique id goes to every rank through
// `bootstrap` (the MPI backend). Collective: every rank calls it, for its first CUDA collective.
std::unique_ptr<Backend> make_nccl_backend(Backend& bootstrap);
// Makes GPU local_rank % device_count this process's CUDA device (nothing without devices).
void select_cuda_device(int local_rank);

}  // namespace xgrad::distributed::detail
