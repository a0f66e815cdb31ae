// What a CUDA parity case is (inputs, function, domain, tolerance) and a group of them, with the
// helpers the cases share (tests/cuda_parity_cases.hpp and cuda_parity_nn_cases.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "device_parity.hpp"
#include "op_table.hpp"

namespace cuda_cases {

using namespace xgrad;
using op_table::Domain;
using op_table::Row;
using V = std::vector<Tensor>;
namespace F = xgrad::nn::functional;

struct Case {
  std::string name;
  std::vector<Shape> shapes;      // floating inputs that require grad, drawn as op_table's
  std::function<V(const V&)> fn;  // outputs to compare; those that require grad get a backward
  Domain domain = Domain::normal;
  double tol = 1;  // multiplies the dtype's tolerances (long sums)
};

struct Group {
  std::string name;
  std::vector<std::string> ops;  // the public API names its cases call
  std::vector<Case> cases;
};

inline Group from_table(const op_table::Table& t) {
  Group g{t.name, t.ops, {}};
  for (const Row& r : t.rows)
    g.cases.push_back({r.name, r.shapes, [fn = r.fn](const V& x) { return V{fn(x)}; }, r.domain});
  return g;
}

inline Device dev() { return parity::device(); }
inline TensorOptions options_of(const Tensor& t) { return {t.dtype(), t.device()}; }
inline TensorOptions int64_on(const Tensor& t) { return {kInt64, t.device()}; }

// `count` indices in [0, n), spread and repeating: (7919 i + 3) mod n.
inline std::vector<double> spread(int64_t count, int64_t n) {
  std::vector<double> v(count);
  for (int64_t i = 0; i < count; ++i) v[i] = static_cast<double>((7919 * i + 3) % n);
  return v;
}

}  // namespace cuda_cases
