// The MPI process group: start-up, notices between ranks, transfers polled against a deadline,
// and the leaving handshake at exit.
#include "distributed/mpi_group.hpp"

#include <sched.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <thread>

namespace xgrad::distributed::detail {

namespace {

MpiGroup* g_group = nullptr;

// Notice kinds, used as the tag on the control communicator.
constexpr int kFailed = 1, kLeft = 2, kAck = 3;
// MPI counts are ints: larger transfers go as several messages (in order: MPI does not overtake).
constexpr size_t kMaxMessage = size_t{1} << 30;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

std::string ranks_text(const std::vector<int>& ranks) {
  std::string s = ranks.size() == 1 ? "rank " : "ranks ";
  for (size_t i = 0; i < ranks.size(); ++i) s += (i ? ", " : "") + std::to_string(ranks[i]);
  return s;
}

void check_mpi(int rc, const char* call) {
  if (rc != MPI_SUCCESS)
    throw Error(std::string("distributed: ") + call + " failed: " + mpi_error_text(rc));
}

}  // namespace

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(len));
}

// ---- start-up

MpiGroup& MpiGroup::get() {
  if (!g_group)
    throw Error("distributed: the MPI process group is not started (call distributed::init())");
  return *g_group;
}

bool MpiGroup::started() { return g_group != nullptr; }

void MpiGroup::start(double timeout_seconds) {
  if (g_group) return;
  auto* g = new MpiGroup();  // lives until exit: leave() runs from an atexit handler
  g->timeout_ = timeout_seconds;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided),
              "MPI_Init_thread");
    g->we_initialized_mpi_ = true;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  for (MPI_Comm* c : {&g->data_, &g->ps_, &g->control_}) {
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, c), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(*c, MPI_ERRORS_RETURN);
  }
  MPI_Comm_rank(g->data_, &g->rank_);
  MPI_Comm_size(g->data_, &g->size_);
  int* tag_ub = nullptr;
  int flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag);
  if (flag && tag_ub) g->tag_window_ = std::max(1, (*tag_ub) / 64);
  g->self_ = this_process();
  g->peers_.resize(static_cast<size_t>(g->size_));
  g->peers_[static_cast<size_t>(g->rank_)].process = g->self_;
  g_group = g;

  // Exchange process identities (for the liveness checks), under the same deadline as any wait.
  Tensor ids = zeros({g->size_, 3}, kInt64);
  auto* id = ids.data<int64_t>();
  auto mine = static_cast<size_t>(g->rank_) * 3;
  id[mine] = static_cast<int64_t>(g->self_.host);
  id[mine + 1] = g->self_.pid;
  id[mine + 2] = static_cast<int64_t>(g->self_.start_time);
  int tag = g->tag(g->next_seq(), OpCode::bootstrap, kInt64);
  Pending p;
  for (int r = 0; r < g->size_; ++r) {
    if (r == g->rank_) continue;
    p.recv(ids, id + static_cast<size_t>(r) * 3, 3 * sizeof(int64_t), r, tag, g->data_);
    p.send(ids, id + mine, 3 * sizeof(int64_t), r, tag, g->data_);
  }
  p.wait("distributed::init");
  for (int r = 0; r < g->size_; ++r) {
    auto& pr = g->peers_[static_cast<size_t>(r)].process;
    pr.host = static_cast<uint64_t>(id[r * 3]);
    pr.pid = id[r * 3 + 1];
    pr.start_time = static_cast<uint64_t>(id[r * 3 + 2]);
    if (r < g->rank_ && pr.host == g->self_.host) ++g->local_rank_;
  }
}

int MpiGroup::tag(uint64_t seq, OpCode op, Dtype dtype) const {
  return static_cast<int>(seq % static_cast<uint64_t>(tag_window_)) * 64 +
         static_cast<int>(op) * 4 + static_cast<int>(dtype);
}

// ---- faults

void MpiGroup::check_usable(const char* op) const {
  if (broken())
    throw Error(std::string(op) +
                ": the process group is unusable after an earlier error: " + broken_reason_);
}

void MpiGroup::fail(const std::string& message) {
  if (broken_reason_.empty()) broken_reason_ = message;
  throw Error(message);
}

void MpiGroup::send_notice(int peer, int kind, const std::string& text) {
  outgoing_.emplace_back(std::vector<char>(text.begin(), text.end()), MPI_REQUEST_NULL);
  auto& [buf, req] = outgoing_.back();
  if (MPI_Isend(buf.data(), static_cast<int>(buf.size()), MPI_BYTE, peer, kind, control_, &req) !=
      MPI_SUCCESS)
    req = MPI_REQUEST_NULL;  // a peer we cannot reach: nothing more to do
}

void MpiGroup::poll_control() {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, control_, &flag, &st) != MPI_SUCCESS || !flag)
      break;
    int bytes = 0;
    MPI_Get_count(&st, MPI_BYTE, &bytes);
    std::vector<char> buf(static_cast<size_t>(std::max(bytes, 1)));
    if (MPI_Recv(buf.data(), bytes, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, control_,
                 MPI_STATUS_IGNORE) != MPI_SUCCESS)
      break;
    Peer& p = peers_[static_cast<size_t>(st.MPI_SOURCE)];
    std::string text(buf.data(), static_cast<size_t>(bytes));
    if (st.MPI_TAG == kFailed) {
      p.failed = true;
      p.reason = text;
      send_notice(st.MPI_SOURCE, kAck, "");
    } else if (st.MPI_TAG == kLeft) {
      p.left = true;
      p.left_clean = text == "clean";
    } else if (st.MPI_TAG == kAck) {
      p.acked = true;
    }
  }
  while (!outgoing_.empty()) {  // drop the notices that have gone out
    int done = 1;
    if (outgoing_.front().second != MPI_REQUEST_NULL)
      MPI_Test(&outgoing_.front().second, &done, MPI_STATUS_IGNORE);
    if (!done) break;
    outgoing_.pop_front();
  }
}

std::string MpiGroup::describe_gone(const std::vector<int>& peers) {
  std::string s;
  for (int r : peers) {
    const Peer& p = peers_[static_cast<size_t>(r)];
    std::string what;
    if (p.failed)
      what = "rank " + std::to_string(r) + " failed: " + p.reason;
    else if (p.left)
      what = "rank " + std::to_string(r) + " has exited" + (p.left_clean ? "" : " after an error");
    else if (liveness(p.process, self_) == Liveness::dead)
      what = "rank " + std::to_string(r) + " (pid " + std::to_string(p.process.pid) + ") has died";
    if (!what.empty()) s += (s.empty() ? "" : "; ") + what;
  }
  return s;
}

void MpiGroup::check_peers(const char* op, const std::vector<int>& peers, bool check_liveness,
                           const std::vector<int>& sends_only) {
  poll_control();
  for (int r = 0; r < size_; ++r)
    if (peers_[static_cast<size_t>(r)].failed)
      fail(std::string(op) + ": rank " + std::to_string(r) +
           " failed: " + peers_[static_cast<size_t>(r)].reason);
  for (int r : peers) {
    const Peer& p = peers_[static_cast<size_t>(r)];
    if (p.left && p.left_clean && std::find(sends_only.begin(), sends_only.end(), r) != sends_only.end())
      continue;  // our send to it completes on a later test (or the wait times out, naming it)
    if (p.left)
      fail(std::string(op) + ": rank " + std::to_string(r) + " has exited" +
           (p.left_clean ? "" : " after an error") +
           " while this rank waits for it (did it stop early, or skip this " + op + "?)");
    if (check_liveness && liveness(p.process, self_) == Liveness::dead)
      fail(std::string(op) + ": rank " + std::to_string(r) + " (pid " +
           std::to_string(p.process.pid) + ") has died while this rank waits for it");
  }
}

void MpiGroup::announce_failure(const std::string& reason, double seconds) {
  for (int r = 0; r < size_; ++r)
    if (r != rank_) send_notice(r, kFailed, reason);
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    poll_control();
    bool all = true;
    for (int r = 0; r < size_; ++r) {
      const Peer& p = peers_[static_cast<size_t>(r)];
      if (r != rank_ && !p.acked && !p.left && !p.failed &&
          liveness(p.process, self_) != Liveness::dead)
        all = false;
    }
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (broken_reason_.empty()) broken_reason_ = "this rank failed: " + reason;
  self_failed_ = true;
}

void MpiGroup::leave() {
  if (left_) return;
  left_ = true;
  bool clean = !broken();
  for (int r = 0; r < size_; ++r)
    if (r != rank_) send_notice(r, kLeft, clean ? "clean" : "broken");
  bool all_clean = clean;
  if (clean) {
    auto deadline = Clock::now() + std::chrono::duration<double>(timeout_);
    bool noted = false;
    for (;;) {
      poll_control();
      bool waiting = false, only_local_alive = true;
      for (int r = 0; r < size_; ++r) {
        Peer& p = peers_[static_cast<size_t>(r)];
        if (r == rank_ || p.left || p.failed) continue;
        Liveness l = liveness(p.process, self_);
        if (l == Liveness::dead) {
          p.failed = true;
          continue;
        }
        waiting = true;
        if (l != Liveness::alive) only_local_alive = false;
      }
      if (!waiting) break;
      if (Clock::now() > deadline) {
        // Ranks on this host that still run may be finishing a long evaluation: wait on.
        if (!only_local_alive) break;
        if (!noted)
          std::fprintf(stderr,
                       "xgrad distributed: rank %d waits at exit for the other ranks to finish\n",
                       rank_);
        noted = true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (int r = 0; r < size_; ++r)
      if (r != rank_ && !peers_[static_cast<size_t>(r)].left_clean) all_clean = false;
  }
  auto drain = Clock::now() + std::chrono::seconds(1);
  while (!outgoing_.empty() && Clock::now() < drain) poll_control();
  if (all_clean && we_initialized_mpi_) {
    for (MPI_Comm* c : {&data_, &ps_, &control_}) MPI_Comm_free(c);
    MPI_Finalize();
  } else if (broken() && !self_failed_) {
    std::fflush(stdout);
    std::fprintf(stderr,
                 "xgrad distributed: rank %d ends the job (MPI_Abort) after the error above\n",
                 rank_);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

// ---- transfers

Pending::~Pending() {
  if (!requests_.empty()) abandon();
}

void Pending::recv(const Tensor& buffer, void* at, size_t bytes, int peer, int tag, MPI_Comm comm) {
  if (buffers_.empty() || !buffers_.back().same(buffer)) buffers_.push_back(buffer);
  auto* p = static_cast<char*>(at);
  do {
    size_t n = std::min(bytes, kMaxMessage);
    MPI_Request r;
    int rc = MPI_Irecv(p, static_cast<int>(n), MPI_BYTE, peer, tag, comm, &r);
    if (rc != MPI_SUCCESS)
      throw Error("distributed: MPI_Irecv from rank " + std::to_string(peer) +
                  " failed: " + mpi_error_text(rc));
    requests_.push_back(r);
    transfers_.push_back({peer, true, n, false});
    p += n;
    bytes -= n;
  } while (bytes > 0);
}

void Pending::send(const Tensor& buffer, const void* at, size_t bytes, int peer, int tag,
                   MPI_Comm comm) {
  if (buffers_.empty() || !buffers_.back().same(buffer)) buffers_.push_back(buffer);
  auto* p = static_cast<const char*>(at);
  do {
    size_t n = std::min(bytes, kMaxMessage);
    MPI_Request r;
    int rc = MPI_Isend(p, static_cast<int>(n), MPI_BYTE, peer, tag, comm, &r);
    if (rc != MPI_SUCCESS)
      throw Error("distributed: MPI_Isend to rank " + std::to_string(peer) +
                  " failed: " + mpi_error_text(rc));
    requests_.push_back(r);
    transfers_.push_back({peer, false, n, false});
    p += n;
    bytes -= n;
  } while (bytes > 0);
}

bool Pending::test(const char* op) {
  if (requests_.empty()) return true;
  int n = static_cast<int>(requests_.size()), count = 0;
  indices_.resize(requests_.size());
  statuses_.resize(requests_.size());
  int rc = MPI_Testsome(n, requests_.data(), &count, indices_.data(), statuses_.data());
  if (rc != MPI_SUCCESS && rc != MPI_ERR_IN_STATUS) {
    auto peers = waiting_for();
    abandon();
    MpiGroup::get().fail(std::string(op) + ": MPI_Testsome failed while waiting for " +
                         ranks_text(peers) + ": " + mpi_error_text(rc));
  }
  if (count == MPI_UNDEFINED) count = 0;
  for (int i = 0; i < count; ++i) {
    auto k = static_cast<size_t>(indices_[static_cast<size_t>(i)]);
    Transfer& t = transfers_[k];
    t.done = true;
    const MPI_Status& st = statuses_[static_cast<size_t>(i)];
    std::string peer = "rank " + std::to_string(t.peer);
    if (rc == MPI_ERR_IN_STATUS && st.MPI_ERROR != MPI_SUCCESS) {
      abandon();
      if (st.MPI_ERROR == MPI_ERR_TRUNCATE)
        MpiGroup::get().fail(
            std::string(op) + ": " + peer + " sent more than the " + std::to_string(t.bytes) +
            " bytes this rank expected (every rank must pass tensors of the same shape and dtype)");
      MpiGroup::get().fail(std::string(op) + ": the transfer " + (t.is_recv ? "from " : "to ") +
                           peer + " failed: " + mpi_error_text(st.MPI_ERROR));
    }
    if (t.is_recv) {
      int got = 0;
      MPI_Get_count(&st, MPI_BYTE, &got);
      if (static_cast<size_t>(got) != t.bytes) {
        abandon();
        MpiGroup::get().fail(std::string(op) + ": " + peer + " sent " + std::to_string(got) +
                             " bytes where this rank expected " + std::to_string(t.bytes) +
                             " (every rank must pass tensors of the same shape and dtype)");
      }
    }
  }
  if (std::all_of(transfers_.begin(), transfers_.end(), [](const Transfer& t) { return t.done; })) {
    requests_.clear();
    transfers_.clear();
    buffers_.clear();
    return true;
  }
  return false;
}

void Pending::wait(const char* op) {
  if (test(op)) return;
  Waiter waiter(op);
  // The ranks still waited for, and those of them only sent to (a clean exit of these is no
  // failure: check_peers), worked out again only when a transfer completes, not on every turn.
  std::vector<int> peers, sends_only;
  size_t open = transfers_.size() + 1;
  try {
    while (!test(op)) {
      const auto left = static_cast<size_t>(
          std::count_if(transfers_.begin(), transfers_.end(), [](const Transfer& t) { return !t.done; }));
      if (left != open) {
        open = left;
        peers = waiting_for();
        sends_only = peers;
        std::erase_if(sends_only, [&](int peer) {
          return std::any_of(transfers_.begin(), transfers_.end(),
                             [&](const Transfer& t) { return !t.done && t.peer == peer && t.is_recv; });
        });
      }
      waiter.idle(peers, sends_only);
    }
  } catch (...) {
    abandon();
    throw;
  }
}

std::vector<int> Pending::waiting_for() const {
  std::vector<int> peers;
  for (auto& t : transfers_)
    if (!t.done && std::find(peers.begin(), peers.end(), t.peer) == peers.end())
      peers.push_back(t.peer);
  std::sort(peers.begin(), peers.end());
  return peers;
}

void Pending::abandon() {
  for (size_t i = 0; i < requests_.size(); ++i) {
    if (transfers_[i].done || requests_[i] == MPI_REQUEST_NULL) continue;
    if (transfers_[i].is_recv) MPI_Cancel(&requests_[i]);
    MPI_Request_free(&requests_[i]);
  }
  if (MpiGroup::started())
    for (auto& b : buffers_) MpiGroup::get().keep_until_exit(b);
  requests_.clear();
  transfers_.clear();
  buffers_.clear();
}

// ---- waiting

Waiter::Waiter(const char* op) : op_(op), group_(MpiGroup::get()) {
  start_ = Clock::now();
  deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(group_.timeout_seconds()));
  next_control_ = start_ + std::chrono::milliseconds(1);
  next_liveness_ = start_ + std::chrono::milliseconds(500);
}

void Waiter::idle(const std::vector<int>& peers, const std::vector<int>& sends_only) {
  ++spins_;
  if (spins_ % 16 == 0) {
    auto now = Clock::now();
    if (now >= next_control_) {
      bool liveness = now >= next_liveness_;
      group_.check_peers(op_, peers, liveness, sends_only);
      next_control_ = now + std::chrono::milliseconds(1);
      if (liveness) next_liveness_ = now + std::chrono::milliseconds(500);
    }
    if (now >= deadline_) {
      std::string gone = group_.describe_gone(peers);
      group_.fail(
          std::string(op_) + ": timed out after " + seconds_text(group_.timeout_seconds()) +
          " waiting for " + ranks_text(peers) +
          (gone.empty()
               ? " (it may hang, compute for longer than the timeout, or call the collectives in "
                 "another order than this rank)"
               : " (" + gone + ")"));
    }
  }
  // After 100 us of spinning give the CPU away on every turn: with more ranks than cores the
  // rank being waited for may need this one's core.
  if (Clock::now() - start_ > std::chrono::microseconds(100)) sched_yield();
}

}  // namespace xgrad::distributed::detail
