// Gradient checks: the analytical Jacobian (from backward) against central finite differences,
// as torch.autograd.gradcheck / gradgradcheck.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  bool allow_float32 = false;  // float32 differences are too coarse: refused unless asked
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // on failure: which input and entry, analytical vs numerical
  int64_t input = -1;   // index of the failing input
  int64_t entry = -1;   // flat index into that input
  int64_t output_entry = -1;
  double analytical = 0, numerical = 0;
  explicit operator bool() const { return ok; }
};

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

// Inputs that require grad are checked; the function may return any shape.
GradcheckResult gradcheck(const Fn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt = {});
// Checks the gradients of the gradients (the backward of backward), with random grad_outputs.
GradcheckResult gradgradcheck(const Fn& fn, const std::vector<Tensor>& inputs,
                              GradcheckOptions opt = {});

}  // namespace xgrad::autograd
