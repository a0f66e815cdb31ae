// Internal: whether another rank's process still runs, for ranks on this host. Each rank records
// its identity at init (host, pid, start time); a rank waiting for a peer checks /proc so that a
// killed peer is reported within a second instead of at the timeout. Peers on other hosts are
// "unknown": only the timeout catches them.
#pragma once

#include <cstdint>

namespace xgrad::distributed::detail {

struct ProcessId {
  uint64_t host = 0;  // hostname, boot id and PID namespace, hashed
  int64_t pid = 0;
  uint64_t start_time = 0;  // in clock ticks since boot: a reused pid has another
};

ProcessId this_process();
// The identity of process `pid` on this host (start_time 0 when there is no such process).
ProcessId process_id(int64_t pid);

enum class Liveness { alive, dead, unknown };
// `self` tells which host the caller is on.
Liveness liveness(const ProcessId& p, const ProcessId& self);

}  // namespace xgrad::distributed::detail
