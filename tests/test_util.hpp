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

}  // namespace test_util
