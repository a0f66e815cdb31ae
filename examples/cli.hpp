// The command line the examples share, on CLI11: every example takes --seed, --device cpu|cuda,
// --quiet and --deterministic (xgrad::set_deterministic), those that train take --epochs, and
// each adds its own typed options with ranges. --help lists every option with its type, range,
// default and meaning. A bad command line (an unknown option, a value that is not a number, one
// out of range) prints "NAME: --option: what was wrong" naming the value, and exits with status 2.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace examples {

// Ranges, checked on what the user typed (the defaults are the recipe's). A value that is not a
// number passes here and fails its conversion, whose message names the option and the value.
inline CLI::Validator number_check(const std::string& description, double lo, double hi,
                                   bool lo_open = false) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return {};
        bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && v <= hi;
        return ok ? std::string() : "must be " + description + ", got " + text;
      },
      description);
}
inline CLI::Validator at_least(double lo) {
  std::string text = CLI::detail::to_string(lo);
  return number_check(">= " + text, lo, std::numeric_limits<double>::infinity());
}
inline const CLI::Validator positive =
    number_check("> 0", 0, std::numeric_limits<double>::infinity(), true);
inline const CLI::Validator probability = number_check("in [0, 1]", 0, 1);

// What a value must look like to convert to T, checked before CLI11 converts it so that the
// message names the value: "'abc' is not a whole number". Whole numbers are read in decimal and
// must fit T (CLI11 alone reads 010 as octal and -1 into an unsigned as 2^64 - 1); the text is
// rewritten to the number read. No description: --help shows the type.
template <class T>
CLI::Validator parses_as() {
  std::string what = std::is_floating_point_v<T> ? "a number"
                     : std::is_unsigned_v<T>     ? "a whole number >= 0"
                                                 : "a whole number";
  return CLI::Validator(
      [what](std::string& text) -> std::string {
        T v{};
        bool ok = false;
        if constexpr (std::is_integral_v<T>) {
          const char* first = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
          const char* last = text.data() + text.size();
          auto [end, error] = std::from_chars(first, last, v);
          ok = first != last && end == last && error == std::errc();
          if (ok) text = std::to_string(v);
        } else {
          ok = CLI::detail::lexical_cast(text, v);
        }
        return ok ? std::string() : "'" + text + "' is not " + what;
      },
      "");
}

template <class T>
struct Element {
  using type = T;
};
template <class T>
struct Element<std::vector<T>> {  // a list option: each item is checked
  using type = T;
};

// --help's option lines: "--epochs INT >= 0 [100]  passes over the training set".
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0) return {};  // a flag
    std::string type = opt->get_type_name();
    std::replace(type.begin(), type.end(), ':', ' ');
    std::string out = " " + type;
    std::string value = opt->get_default_str();
    if (value.size() > 1 && value.front() == '[')
      value = value.substr(1, value.size() - 2);  // a list
    if (!value.empty()) out += " [" + value + "]";
    return out;
  }
};

struct Common {
  uint64_t seed = 0;
  std::string device = "cpu";
  bool quiet = false, deterministic = false;
  xgrad::Device dev() const { return device == "cuda" ? xgrad::kCUDA : xgrad::kCPU; }
};

class Cli {
 public:
  explicit Cli(const std::string& description) : app(description) {
    app.formatter(std::make_shared<HelpFormatter>());
    app.get_formatter()->column_width(36);
    app.option_defaults()->always_capture_default()->multi_option_policy(
        CLI::MultiOptionPolicy::TakeLast);  // a repeated option: the last one counts
    option("--seed", common.seed, "seeds xgrad's generator (init, shuffles, dropout)");
    app.add_option("--device", common.device, "where tensors live")
        ->check(CLI::IsMember({"cpu", "cuda"}));
    app.add_flag("--quiet", common.quiet, "no progress, only the results");
    app.add_flag("--deterministic", common.deterministic,
                 "the same bits on every x86-64 machine (xgrad::set_deterministic)");
  }

  // An option of any type, shown in --help with its default.
  template <class T>
  CLI::Option* option(const std::string& name, T& value, const std::string& help) {
    CLI::Option* o = app.add_option(name, value, help);
    using E = typename Element<T>::type;
    if constexpr (std::is_arithmetic_v<E> && !std::is_same_v<E, bool>)
      o->transform(parses_as<E>());  // first, and may rewrite
    return o;
  }
  CLI::Option* flag(const std::string& name, bool& value, const std::string& help) {
    return app.add_flag(name, value, help);
  }
  CLI::Option* epochs(int64_t& value, const std::string& help = "passes over the training set") {
    return option("--epochs", value, help)->check(at_least(0));
  }

  // Exits 0 after --help and 2 on a bad command line; then turns on deterministic mode if asked.
  void parse(int argc, char** argv) {
    std::string name = std::filesystem::path(argc > 0 ? argv[0] : "example").filename().string();
    app.name(name);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ExtrasError&) {
      std::string extras;
      for (const std::string& a : app.remaining()) extras += " '" + a + "'";
      std::cerr << name << ": unknown option or argument" << extras << " (see --help)\n";
      std::exit(2);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) std::exit(app.exit(e));
      std::cerr << name << ": " << e.what() << " (see --help)\n";
      std::exit(2);
    }
    if (common.deterministic) xgrad::set_deterministic(true);
  }

  CLI::App app;
  Common common;
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
