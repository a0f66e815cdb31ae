// Internal (includes mpi.h): the MPI side of the process group. Three communicators duplicated from
// MPI_COMM_WORLD, all with MPI_ERRORS_RETURN: `data` for collectives, `ps` for the parameter
// server's messages, `control` for notices between ranks (a rank failed, a rank exited, an
// acknowledgement). Every wait polls transfers against a deadline, reads notices and checks the
// liveness of the peers it waits for, so a dead or failed rank is named instead of hanging.
#pragma once

// The C API only: OpenMPI's and MPICH's headers would otherwise declare C++ bindings to link.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"
#include "distributed/liveness.hpp"

namespace xgrad::distributed::detail {

using Clock = std::chrono::steady_clock;

// Codes in the tags of collective messages: a message of one collective never matches another's.
enum class OpCode : int {
  all_reduce = 0,
  reduce_scatter_phase,
  all_gather_phase,
  broadcast,
  all_gather,
  reduce_scatter,
  barrier,
  bootstrap
};

class MpiGroup {
 public:
  // The group of this process; init() must have started it.
  static MpiGroup& get();
  static bool started();
  // MPI_Init (unless the program did it), communicators, the exchange of process identities.
  static void start(double timeout_seconds);

  int rank() const { return rank_; }
  int size() const { return size_; }
  int local_rank() const { return local_rank_; }
  double timeout_seconds() const { return timeout_; }
  MPI_Comm data() const { return data_; }
  MPI_Comm ps() const { return ps_; }

  // The number of the next collective (every rank counts the same) and its message tag.
  uint64_t next_seq() { return seq_++; }
  uint64_t collectives_started() const { return seq_; }
  int tag(uint64_t seq, OpCode op, Dtype dtype) const;

  // ---- faults
  // Raises the error that made the group unusable, naming `op`, if there was one.
  void check_usable(const char* op) const;
  bool broken() const { return !broken_reason_.empty(); }
  // Marks the group unusable and raises xgrad::Error(message).
  [[noreturn]] void fail(const std::string& message);
  // Reads the notices that have arrived (never blocks, never raises).
  void poll_control();
  // Raises (via fail) when a rank has reported a failure, or when one of `peers` (the ranks `op`
  // waits for) has exited or died. A rank in `sends_only` (op only sends to it) may have exited
  // cleanly: it received what it waited for, and its notice can arrive before our send reports
  // completion (a parameter server's last stop message).
  void check_peers(const char* op, const std::vector<int>& peers, bool check_liveness,
                   const std::vector<int>& sends_only = {});
  // "rank 1 (pid 1234) has died" style descriptions of peers known gone; empty when none is.
  std::string describe_gone(const std::vector<int>& peers);
  // Tells every other rank this one failed, waits up to `seconds` for their acknowledgements.
  void announce_failure(const std::string& reason, double seconds);
  // At exit: tells the others this rank leaves (and whether cleanly), waits for theirs, and calls
  // MPI_Finalize only when every rank left cleanly (it could wait forever for a rank that is
  // gone). A rank that saw another fail ends the job with MPI_Abort, so that mpirun stops the
  // ranks left and exits whatever its settings (with orte_abort_on_non_zero_status=0 it otherwise
  // waits forever for a killed rank); a rank that failed itself just exits.
  void leave();
  // Keeps the memory of abandoned transfers alive until exit (MPI may still write into it).
  void keep_until_exit(const Tensor& t) { graveyard_.push_back(t); }

 private:
  struct Peer {
    ProcessId process;
    bool failed = false, left = false, left_clean = false, acked = false;
    std::string reason;
  };
  struct Notice;
  void send_notice(int peer, int kind, const std::string& text);

  int rank_ = 0, size_ = 1, local_rank_ = 0;
  int tag_window_ = 1 << 14;
  double timeout_ = 600;
  bool we_initialized_mpi_ = false;
  bool left_ = false;
  bool self_failed_ = false;
  uint64_t seq_ = 0;
  MPI_Comm data_ = MPI_COMM_NULL, ps_ = MPI_COMM_NULL, control_ = MPI_COMM_NULL;
  ProcessId self_;
  std::vector<Peer> peers_;
  std::string broken_reason_;
  std::deque<std::pair<std::vector<char>, MPI_Request>> outgoing_;  // notices being sent
  std::vector<Tensor> graveyard_;
};

// "MPI_Isend: MPI_ERR_TRUNCATE: message truncated" style text of an MPI error code.
std::string mpi_error_text(int code);

// Transfers in flight for one step of a collective (or one parameter-server message).
class Pending {
 public:
  Pending() = default;
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;
  ~Pending();

  // `buffer` is kept alive while the transfer may still touch it.
  void recv(const Tensor& buffer, void* at, size_t bytes, int peer, int tag, MPI_Comm comm);
  void send(const Tensor& buffer, const void* at, size_t bytes, int peer, int tag, MPI_Comm comm);
  bool empty() const { return requests_.empty(); }
  // Completes what it can; true when everything has. Raises on an MPI error, or when a peer sent
  // another number of bytes than expected, naming the peer.
  bool test(const char* op);
  // Until everything has completed; raises naming the ranks it still waits for on a timeout or
  // when one of them failed or exited.
  void wait(const char* op);
  // The peers whose transfers have not completed.
  std::vector<int> waiting_for() const;
  // Cancels the receives, frees the requests, keeps the buffers alive until exit.
  void abandon();

 private:
  struct Transfer {
    int peer;
    bool is_recv;
    size_t bytes;
    bool done;
  };
  std::vector<MPI_Request> requests_;
  std::vector<Transfer> transfers_;
  std::vector<Tensor> buffers_;
  std::vector<int> indices_;  // MPI_Testsome's outputs, kept to poll without allocating
  std::vector<MPI_Status> statuses_;
};

// The polling loop of a wait: spins, then yields the CPU (more ranks than cores), reads notices
// every millisecond, checks the peers' liveness twice a second, and raises at the deadline.
class Waiter {
 public:
  explicit Waiter(const char* op);
  // One idle turn; `peers` are the ranks waited for (for the error messages and liveness checks),
  // `sends_only` those of them this wait only sends to (see MpiGroup::check_peers).
  void idle(const std::vector<int>& peers, const std::vector<int>& sends_only = {});

 private:
  const char* op_;
  MpiGroup& group_;
  Clock::time_point start_, deadline_, next_control_, next_liveness_;
  uint64_t spins_ = 0;
};

}  // namespace xgrad::distributed::detail
