// The process group's front end: init, rank and size, the exit and failure paths, the collectives'
// argument checks, and the choice of backend by device (MPI for CPU tensors; NCCL, or MPI through
// host memory, for CUDA tensors).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "autograd/impl.hpp"
#include "xgrad/cuda/cuda.hpp"
#include "xgrad/distributed/distributed.hpp"
#include "distributed/mpi_backend.hpp"
#include "distributed/mpi_group.hpp"
#include "distributed/nccl_backend.hpp"
#include "distributed/staging.hpp"
#include "distributed/work.hpp"

namespace xgrad::distributed {

namespace detail {

bool Work::test() {
  if (done_) return true;
  if (!poll()) return false;
  finish();
  return true;
}

void Work::wait() {
  if (done_) return;
  block_until_done();
  finish();
}

void Work::finish() {
  done_ = true;
  auto fns = std::move(then_);
  for (auto& f : fns) f();
}

namespace {

struct State {
  bool initialized = false;
  bool mpi = false;
  int rank = 0, size = 1, local_rank = 0;
  double timeout = 600;
  std::string cuda_backend = "auto";
  std::unique_ptr<Backend> mpi_backend, cuda;
  std::terminate_handler previous_terminate = nullptr;
};

// Never destroyed: the exit handler and the NCCL communicator outlive static destruction.
State& state() {
  static State* s = new State;
  return *s;
}

bool under_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

double timeout_from(const InitOptions& o) {
  if (!(o.timeout_seconds >= 0) || !std::isfinite(o.timeout_seconds))
    throw Error(
        "distributed::init: timeout_seconds must be a positive number of seconds (or 0 for the "
        "default), got " +
        std::to_string(o.timeout_seconds));
  if (o.timeout_seconds > 0) return o.timeout_seconds;
  if (const char* env = std::getenv("XGRAD_DIST_TIMEOUT")) {
    char* end = nullptr;
    double v = std::strtod(env, &end);
    if (end == env || *end != '\0' || !(v > 0) || !std::isfinite(v))
      throw Error(
          std::string(
              "distributed::init: XGRAD_DIST_TIMEOUT must be a positive number of seconds, got '") +
          env + "'");
    return v;
  }
  return 600;
}

void at_exit() {
  if (MpiGroup::started()) MpiGroup::get().leave();
}

// An exception nobody caught: tell the other ranks before the process aborts.
void on_terminate() {
  std::string what = "terminate called without an exception";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = std::string("uncaught exception: ") + x.what();
    } catch (...) {
      what = "uncaught exception of an unknown type";
    }
  }
  if (MpiGroup::started()) {
    try {
      MpiGroup::get().announce_failure(what, 10);
    } catch (...) {
    }
  }
  if (state().previous_terminate) state().previous_terminate();
  std::abort();
}

void check_initialized(const char* what) {
  if (!state().initialized) throw Error(std::string(what) + ": call distributed::init() first");
}

// Collectives also need a usable group.
void check_ready(const char* what) {
  check_initialized(what);
  if (state().mpi) MpiGroup::get().check_usable(what);
}

void check_tensor(const char* what, const Tensor& t, bool in_place) {
  check_ready(what);
  if (!t.defined()) throw Error(std::string(what) + ": the tensor is undefined");
  if (in_place && t.requires_grad() && GradMode::is_enabled())
    throw Error(
        std::string(what) +
        ": the tensor requires grad, and collectives are not recorded on the graph (call it under "
        "NoGradGuard, or on a detach()ed tensor)");
}

void check_op(const char* what, const Tensor& t, ReduceOp op) {
  if (op == ReduceOp::mean && !is_floating(t.dtype()))
    throw Error(std::string(what) + ": mean of an int64 tensor would truncate; use sum");
}

bool use_nccl() {
  const std::string& b = state().cuda_backend;
  return b == "nccl" || (b == "auto" && nccl_unavailable_reason().empty() && cuda::is_available());
}

void bump_version(const Tensor& t) { t.impl()->storage->version++; }

}  // namespace

Backend& backend_for(Device device) {
  State& s = state();
  if (device.is_cpu()) return *s.mpi_backend;
  if (!s.cuda)
    s.cuda = use_nccl() ? make_nccl_backend(*s.mpi_backend)
                        : std::make_unique<StagedBackend>(*s.mpi_backend);
  return *s.cuda;
}

std::unique_ptr<Work> start_all_reduce(const Tensor& t, ReduceOp op, const char* what) {
  check_tensor(what, t, true);
  check_op(what, t, op);
  const int size = state().size;
  if (size == 1 || t.numel() == 0) return std::make_unique<DoneWork>();
  auto work = backend_for(t.device()).all_reduce(t, op, what);
  work->then([t, op, size] {
    bump_version(t);
    if (op == ReduceOp::mean) {
      NoGradGuard no_grad;
      Tensor x = t;
      x.mul_(1.0 / size);  // as x / size computes it
    }
  });
  return work;
}

}  // namespace detail

using namespace detail;

void init(const InitOptions& options) {
  State& s = state();
  const std::string& b = options.cuda_backend;
  if (b != "auto" && b != "nccl" && b != "mpi")
    throw Error("distributed::init: cuda_backend must be \"auto\", \"nccl\" or \"mpi\", got \"" +
                b + "\"");
  if (b == "nccl" && !nccl_unavailable_reason().empty())
    throw Error("distributed::init: cuda_backend \"nccl\": " + nccl_unavailable_reason());
  double timeout = timeout_from(options);
  if (s.initialized) return;
  s.timeout = timeout;
  s.cuda_backend = b;
  if (under_launcher()) {
    MpiGroup::start(s.timeout);
    MpiGroup& g = MpiGroup::get();
    s.mpi = true;
    s.rank = g.rank();
    s.size = g.size();
    s.local_rank = g.local_rank();
    std::atexit(at_exit);
    s.previous_terminate = std::set_terminate(on_terminate);
    s.mpi_backend = make_mpi_backend();
    select_cuda_device(s.local_rank);
  }
  s.initialized = true;
}

bool is_initialized() { return state().initialized; }

int rank() {
  check_initialized("distributed::rank");
  return state().rank;
}

int world_size() {
  check_initialized("distributed::world_size");
  return state().size;
}

int local_rank() {
  check_initialized("distributed::local_rank");
  return state().local_rank;
}

double timeout_seconds() {
  check_initialized("distributed::timeout_seconds");
  return state().timeout;
}

std::string backend_name(Device device) {
  check_initialized("distributed::backend_name");
  if (state().size == 1) return "local";
  if (device.is_cpu()) return "mpi";
  if (state().cuda) return state().cuda->name();
  return use_nccl() ? "nccl" : "mpi (staged through host memory)";
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum:
      return "sum";
    case ReduceOp::mean:
      return "mean";
    case ReduceOp::max:
      return "max";
  }
  return "?";
}

void barrier() {
  check_ready("barrier");
  if (state().size > 1) mpi_barrier("barrier");
}

void all_reduce(const Tensor& t, ReduceOp op) { start_all_reduce(t, op, "all_reduce")->wait(); }

void broadcast(const Tensor& t, int root) {
  check_tensor("broadcast", t, true);
  const int size = state().size;
  if (root < 0 || root >= size)
    throw Error("broadcast: root " + std::to_string(root) + " is not a rank (world size " +
                std::to_string(size) + ")");
  if (size == 1 || t.numel() == 0) return;
  backend_for(t.device()).broadcast(t, root, "broadcast")->wait();
  bump_version(t);
}

Tensor all_gather(const Tensor& t) {
  check_tensor("all_gather", t, false);
  const int size = state().size;
  Tensor in = t.detach();
  Shape shape = in.dim() == 0 ? Shape{1} : in.shape();
  shape[0] *= size;
  if (size == 1) return in.clone().reshape(shape);
  Tensor out = empty(shape, TensorOptions(in.dtype(), in.device()));
  if (in.numel() > 0) backend_for(in.device()).all_gather(in, out, "all_gather")->wait();
  return out;
}

Tensor reduce_scatter(const Tensor& t, ReduceOp op) {
  check_tensor("reduce_scatter", t, false);
  check_op("reduce_scatter", t, op);
  const int size = state().size;
  if (t.dim() == 0)
    throw Error("reduce_scatter: needs a tensor with a first dimension to split, got a 0-d tensor");
  if (t.size(0) % size != 0)
    throw Error("reduce_scatter: the first dimension (" + std::to_string(t.size(0)) +
                ") must divide by the world size (" + std::to_string(size) + ")");
  Tensor in = t.detach();
  if (size == 1) return in.clone();
  Shape shape = in.shape();
  shape[0] /= size;
  Tensor out = empty(shape, TensorOptions(in.dtype(), in.device()));
  if (out.numel() == 0) return out;
  backend_for(in.device()).reduce_scatter(in, out, op, "reduce_scatter")->wait();
  if (op == ReduceOp::mean) {
    NoGradGuard no_grad;
    out.mul_(1.0 / size);
  }
  return out;
}

void abort(const std::string& reason) {
  std::fflush(stdout);
  if (MpiGroup::started()) {
    try {
      MpiGroup::get().announce_failure(reason, 10);
    } catch (...) {
    }
  }
  std::exit(1);
}

}  // namespace xgrad::distributed
