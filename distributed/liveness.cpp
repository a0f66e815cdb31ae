// Process identity and liveness from /proc (Linux).
#include "distributed/liveness.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>

namespace xgrad::distributed::detail {

namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The state letter and start time of /proc/<pid>/stat; false when the process is gone. The command
// name (field 2) may hold spaces and parentheses, so fields are counted after the last ')'.
bool read_stat(int64_t pid, char& state, uint64_t& start_time) {
  std::string line = read_first_line("/proc/" + std::to_string(pid) + "/stat");
  size_t close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {  // fields 3 (state) .. 22 (starttime)
    if (i == 3) state = field.empty() ? '?' : field[0];
    if (i == 22) {
      start_time = std::stoull(field);
      return true;
    }
  }
  return false;
}

}  // namespace

ProcessId this_process() { return process_id(getpid()); }

ProcessId process_id(int64_t pid) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  struct stat ns {};
  stat("/proc/self/ns/pid", &ns);
  std::string key = std::string(host) + "|" + read_first_line("/proc/sys/kernel/random/boot_id") +
                    "|" + std::to_string(ns.st_ino);
  ProcessId id;
  id.host = std::hash<std::string>{}(key);
  id.pid = pid;
  char state = 0;
  read_stat(id.pid, state, id.start_time);
  return id;
}

Liveness liveness(const ProcessId& p, const ProcessId& self) {
  if (p.host != self.host) return Liveness::unknown;
  char state = 0;
  uint64_t start = 0;
  if (!read_stat(p.pid, state, start)) return Liveness::dead;
  if (state == 'Z' || state == 'X' || start != p.start_time)
    return Liveness::dead;  // zombie, or a reused pid
  return Liveness::alive;
}

}  // namespace xgrad::distributed::detail
