// Helpers shared by the test suites: the message of the error a call raises, and substring checks.
#pragma once

#include <string>

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

// AddressSanitizer holds freed memory in quarantine and adds shadow memory, so a resident-memory
// figure in the sanitized suite measures ASan, not xgrad: tests of RSS skip themselves there
// (LeakSanitizer checks for leaks instead).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace test_util
