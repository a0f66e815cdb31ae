/// \file
/// Data-parallel training over several processes: `#include <xgrad/distributed.hpp>` and link
/// xgrad::distributed. Kept out of `<xgrad/xgrad.hpp>` on purpose: that library links MPI (and NCCL
/// in CUDA builds), which a program training in one process should neither need nor load.
#pragma once

#include "xgrad/distributed/data_parallel.hpp"
#include "xgrad/distributed/distributed.hpp"
#include "xgrad/distributed/parameter_server.hpp"
#include "xgrad/xgrad.hpp"
