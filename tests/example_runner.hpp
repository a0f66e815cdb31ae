// Runs an example program as a user would and collects the `key value` lines it prints.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace example_runner {

struct Run {
  int status = -1;
  std::map<std::string, std::string> values;
};

inline Run run(const std::string& name, const std::string& arguments) {
  std::string cmd =
      std::string(XGRAD_BINARY_DIR) + "/examples/" + name + " " + arguments + " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream s(line);
    std::string k, v;
    if (s >> k >> v) r.values[k] = v;
  }
  r.status = pclose(p);
  return r;
}

// Everything an example printed, stdout and stderr together, and its exit code: for --help and
// for the messages of a bad command line.
struct Output {
  int exit_code = -1;
  std::string text;
};

inline Output output(const std::string& name, const std::string& arguments) {
  std::string cmd = std::string(XGRAD_BINARY_DIR) + "/examples/" + name + " " + arguments + " 2>&1";
  Output o;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) o.text.append(buf, n);
  int status = pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

inline double number(const Run& r, const std::string& key) {
  auto it = r.values.find(key);
  REQUIRE_MESSAGE(it != r.values.end(), "missing output line: " << key);
  return std::stod(it->second);
}

// A file in the build folder (outputs) or the source folder (fixtures).
// A path in the build folder for an output file. The example tests run again under forced
// OpenBLAS core types, at the same time under `ctest -j`: each run gets its own files, suffixed
// with the core type (digits_logs.Haswell), so no run reads another's.
inline std::string out(const std::string& file) {
  const char* core = std::getenv("OPENBLAS_CORETYPE");
  std::string path = std::string(XGRAD_BINARY_DIR) + "/" + file;
  if (!core || !*core) return path;
  const size_t dot = file.rfind('.');
  return dot == std::string::npos ? path + "." + core
                                  : std::string(XGRAD_BINARY_DIR) + "/" + file.substr(0, dot) + "." + core + file.substr(dot);
}
inline std::string source(const std::string& rel) {
  return std::string(XGRAD_SOURCE_DIR) + "/" + rel;
}

inline bool is_svg(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  std::string text = s.str();
  return text.find("<svg") != std::string::npos && text.find("</svg>") != std::string::npos;
}

}  // namespace example_runner
