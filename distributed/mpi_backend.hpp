// Internal: the MPI backend (collectives on CPU tensors) and the barrier, without mpi.h.
#pragma once

#include <memory>

#include "distributed/work.hpp"

namespace xgrad::distributed::detail {

std::unique_ptr<Backend> make_mpi_backend();
void mpi_barrier(const char* what);

}  // namespace xgrad::distributed::detail
