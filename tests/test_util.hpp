// Helpers shared by the test suites: the message of the error a call raises, substring checks,
// and element-by-element closeness.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "xgrad/autograd/core.hpp"

namespace test_util {

// The message of the xgrad::Error that `fn` raises, or "(no error)".
std::string error_of(const auto& fn) {
  try {
    fn();
  } catch (const xgrad::Error& e) {
    return e.what();
  }
  return "(no error)";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Each element of `got` within atol + rtol |want| of `want`'s (same length), reported by index.
inline void check_close(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                        double atol, const std::string& what) {
  INFO(what);
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
    CHECK(std::abs(got[i] - want[i]) <= atol + rtol * std::abs(want[i]));
  }
}

// AddressSanitizer holds freed memory in quarantine and adds shadow memory, so a resident-memory
// figure in the sanitized suite measures ASan, not xgrad: tests of RSS skip themselves there
// (LeakSanitizer checks for leaks instead).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace test_util
