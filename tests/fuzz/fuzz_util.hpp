// Shared by the libFuzzer harnesses: the readers under test take paths, so each input is written
// to files in one folder per process under the temporary directory, rewritten for every input.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "xgrad/autograd/core.hpp"

namespace xgrad_fuzz {

namespace fs = std::filesystem;

// This process's scratch folder (created once).
inline const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("xgrad-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

// Writes `bytes` to scratch()/name (creating parent folders) and returns the path.
inline std::string write(const std::string& name, std::string_view bytes) {
  fs::path p = scratch() / name;
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}

// The input cut at every occurrence of `sep` (a file separator the seed corpora use).
inline std::vector<std::string_view> split(std::string_view in, std::string_view sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = in.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(in.substr(0, at));
    in.remove_prefix(at + sep.size());
  }
  parts.push_back(in);
  return parts;
}

// Runs `f`; an xgrad::Error is the expected way to refuse bad bytes. Anything else (another
// exception type, a crash, a sanitizer report) escapes and is a finding.
template <class F>
void expect_success_or_error(F&& f) {
  try {
    f();
  } catch (const xgrad::Error&) {
  }
}

}  // namespace xgrad_fuzz
