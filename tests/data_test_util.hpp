// Helpers shared by the data, metrics and plot tests.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "xgrad/autograd/core.hpp"

namespace data_test {

inline std::string source(const std::string& rel) {
  return std::string(XGRAD_SOURCE_DIR) + "/" + rel;
}
inline std::string fixture(const std::string& name) {
  return source("tests/fixtures/data/" + name);
}

// The message of the xgrad::Error that `f` raises ("" when it raises none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const xgrad::Error& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// tests/fixtures/data/sklearn_reference.json, made by make_fixtures.py with python3-sklearn.
inline const nlohmann::json& sklearn_reference() {
  static const nlohmann::json j = [] {
    std::ifstream in(fixture("sklearn_reference.json"));
    return nlohmann::json::parse(in);
  }();
  return j;
}

}  // namespace data_test
