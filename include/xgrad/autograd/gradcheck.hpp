/// \file
/// Gradient checks: the analytical Jacobian (from backward) against central finite differences,
/// as torch.autograd.gradcheck / gradgradcheck.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::autograd {

/// Step and tolerances of gradcheck and gradgradcheck.
struct GradcheckOptions {
  double eps = 1e-6;  ///< Finite-difference step.
  double atol = 1e-5;  ///< Absolute tolerance: an entry passes when |analytical - numerical| <=
                       ///< atol + rtol * |numerical|.
  double rtol = 1e-3;  ///< Relative tolerance (see atol).
  bool allow_float32 = false;  ///< float32 differences are too coarse: refused unless asked
};

/// What gradcheck found: ok, or the first mismatching entry.
struct GradcheckResult {
  bool ok = true;  ///< True when every entry matched.
  std::string message;  ///< on failure: which input and entry, analytical vs numerical
  int64_t input = -1;   ///< index of the failing input
  int64_t entry = -1;   ///< flat index into that input
  int64_t output_entry = -1;  ///< Flat index into the output, for the failing entry.
  /// The two values compared at the failing entry.
  ///@{
  double analytical = 0, numerical = 0;
  ///@}
  /// ok.
  explicit operator bool() const { return ok; }
};

/// The function checked: inputs in, one tensor out.
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

/// Inputs that require grad are checked; the function may return any shape.
GradcheckResult gradcheck(const Fn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});
/// Checks the gradients of the gradients (the backward of backward), with random grad_outputs.
GradcheckResult gradgradcheck(const Fn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions opt = {});

}  // namespace xgrad::autograd
