// The options every example takes: --epochs N --seed S --device cpu|cuda --quiet --deterministic,
// plus its own (`--name value` options with defaults, and on/off flags such as --augment).
// --deterministic turns on xgrad's deterministic mode: the run gives the same bits on every x86-64
// machine (see xgrad::set_deterministic).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include <xgrad/xgrad.hpp>

namespace examples {

struct Args {
  std::map<std::string, std::string> values;
  std::set<std::string> flags, set_flags;  // the flags this example knows; those given
  bool quiet = false;
  bool deterministic = false;

  Args(int argc, char** argv, std::map<std::string, std::string> defaults, std::set<std::string> known_flags = {})
      : values(std::move(defaults)), flags(std::move(known_flags)) {
    values.emplace("device", "cpu");
    values.emplace("seed", "0");
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--quiet") {
        quiet = true;
      } else if (a == "--deterministic") {
        deterministic = true;
        xgrad::set_deterministic(true);
      } else if (a.rfind("--", 0) == 0 && flags.count(a.substr(2))) {
        set_flags.insert(a.substr(2));
      } else if (a == "--help" || a == "-h") {
        std::cout << "usage: " << argv[0] << " [--quiet] [--deterministic]";
        for (auto& f : flags) std::cout << " [--" << f << "]";
        for (auto& [k, v] : values) std::cout << " [--" << k << " " << (v.empty() ? "VALUE" : v) << "]";
        std::cout << "\n";
        std::exit(0);
      } else if (a.rfind("--", 0) == 0 && values.count(a.substr(2)) && i + 1 < argc) {
        values[a.substr(2)] = argv[++i];
      } else {
        std::cerr << argv[0] << ": unknown or incomplete option '" << a << "' (see --help)\n";
        std::exit(2);
      }
    }
  }
  std::string str(const std::string& k) const { return values.at(k); }
  bool flag(const std::string& k) const { return set_flags.count(k) > 0; }
  long integer(const std::string& k) const { return std::stol(values.at(k)); }
  double real(const std::string& k) const { return std::stod(values.at(k)); }
  xgrad::Device device() const {
    std::string d = str("device");
    if (d == "cpu") return xgrad::kCPU;
    if (d == "cuda") return xgrad::kCUDA;
    std::cerr << "unknown --device '" << d << "' (cpu or cuda)\n";
    std::exit(2);
  }
};

// FNV-1a over the bytes of every parameter and buffer, in state_dict order: two runs trained the
// same bits exactly when their checksums agree.
inline std::string weights_checksum(const auto& model) {
  uint64_t h = 14695981039346656037ull;
  for (auto& [name, t] : model.state_dict()) {
    xgrad::Tensor c = t.cpu();
    const auto* p = static_cast<const unsigned char*>(c.data_ptr());
    for (size_t i = 0; i < static_cast<size_t>(c.numel()) * xgrad::element_size(c.dtype()); ++i)
      h = (h ^ p[i]) * 1099511628211ull;
  }
  char buf[19];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace examples
