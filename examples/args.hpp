// The options every example takes: --epochs N --seed S --device cpu|cuda --quiet, plus its own
// (`--name value` options with defaults, and on/off flags such as --augment).
#pragma once

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

  Args(int argc, char** argv, std::map<std::string, std::string> defaults, std::set<std::string> known_flags = {})
      : values(std::move(defaults)), flags(std::move(known_flags)) {
    values.emplace("device", "cpu");
    values.emplace("seed", "0");
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--quiet") {
        quiet = true;
      } else if (a.rfind("--", 0) == 0 && flags.count(a.substr(2))) {
        set_flags.insert(a.substr(2));
      } else if (a == "--help" || a == "-h") {
        std::cout << "usage: " << argv[0] << " [--quiet]";
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

}  // namespace examples
