// Finite-difference checks of backward formulas (built-in or user-defined).
#include "xgrad/autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "autograd/op.hpp"

namespace xgrad::autograd {

namespace {

void check_inputs(const char* op, const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  bool any = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined() || !t.requires_grad()) continue;
    any = true;
    if (t.dtype() == kFloat32 && !opt.allow_float32)
      fail(op, "input " + std::to_string(i) +
                   " is float32, whose finite differences are too coarse for a reliable check; use float64 "
                   "inputs or set allow_float32");
  }
  if (!any) fail(op, "no input requires grad, so there is nothing to check");
}

// A copy of `t` (no graph) with entry `e` moved by `delta`.
Tensor perturbed(const Tensor& t, int64_t e, double delta) {
  std::vector<double> v = t.to_vector<double>();
  v[e] += delta;
  return tensor(v, t.shape(), TensorOptions{t.dtype(), t.device()});
}

std::vector<double> evaluate(const Fn& fn, std::vector<Tensor> inputs) {
  NoGradGuard no_grad;
  Tensor out = fn(inputs);
  return out.to_vector<double>();
}

}  // namespace

GradcheckResult gradcheck(const Fn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  check_inputs("gradcheck", inputs, opt);
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff.push_back(i);

  Tensor out = fn(inputs);
  check_defined("gradcheck", out);
  int64_t m = out.numel();
  // analytical[d][j][e]: d output entry j / d entry e of input diff[d]
  std::vector<std::vector<std::vector<double>>> analytical(diff.size(), std::vector<std::vector<double>>(m));
  std::vector<Tensor> diff_inputs;
  for (size_t i : diff) diff_inputs.push_back(inputs[i]);
  for (int64_t j = 0; j < m; ++j) {
    for (size_t d = 0; d < diff.size(); ++d) analytical[d][j].assign(inputs[diff[d]].numel(), 0.0);
    if (!out.requires_grad()) continue;
    std::vector<double> seed(m, 0.0);
    seed[j] = 1.0;
    Tensor g = tensor(seed, out.shape(), TensorOptions{out.dtype(), out.device()});
    auto grads = grad({out}, diff_inputs, {g}, true, false, true);
    for (size_t d = 0; d < diff.size(); ++d)
      if (grads[d].defined()) analytical[d][j] = grads[d].to_vector<double>();
  }

  GradcheckResult result;
  for (size_t d = 0; d < diff.size(); ++d) {
    size_t i = diff[d];
    for (int64_t e = 0; e < inputs[i].numel(); ++e) {
      std::vector<Tensor> plus = inputs, minus = inputs;
      for (auto& t : plus) t = t.defined() ? t.detach() : t;
      for (auto& t : minus) t = t.defined() ? t.detach() : t;
      plus[i] = perturbed(inputs[i], e, opt.eps);
      minus[i] = perturbed(inputs[i], e, -opt.eps);
      std::vector<double> fp = evaluate(fn, plus), fm = evaluate(fn, minus);
      for (int64_t j = 0; j < m; ++j) {
        double num = (fp[j] - fm[j]) / (2 * opt.eps), ana = analytical[d][j][e];
        if (!(std::abs(ana - num) <= opt.atol + opt.rtol * std::abs(num))) {
          std::ostringstream msg;
          msg.precision(10);
          msg << "gradcheck: Jacobian mismatch for input " << i << " at entry " << e << " (output entry " << j
              << "): analytical " << ana << ", numerical " << num << " (atol " << opt.atol << ", rtol " << opt.rtol
              << ")";
          result.ok = false;
          result.message = msg.str();
          result.input = static_cast<int64_t>(i);
          result.entry = e;
          result.output_entry = j;
          result.analytical = ana;
          result.numerical = num;
          return result;
        }
      }
    }
  }
  result.message = "gradcheck: passed";
  return result;
}

GradcheckResult gradgradcheck(const Fn& fn, const std::vector<Tensor>& inputs, GradcheckOptions opt) {
  check_inputs("gradgradcheck", inputs, opt);
  Tensor out = fn(inputs);
  check_defined("gradgradcheck", out);
  // The first derivatives, contracted with a fixed random grad_output v, as a function of the
  // inputs and v; its gradcheck checks the second derivatives.
  Tensor v = randn(out.shape(), TensorOptions{out.dtype(), out.device()}).requires_grad_();
  size_t n = inputs.size();
  std::vector<bool> mask;
  for (auto& t : inputs) mask.push_back(t.defined() && t.requires_grad());
  Fn first = [&fn, n, mask](const std::vector<Tensor>& in) {
    bool outer_graph = GradMode::is_enabled();  // off while finite differences evaluate
    EnableGradGuard enable;
    std::vector<Tensor> xs(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n)), diff;
    for (size_t k = 0; k < n; ++k) {
      if (!mask[k]) continue;
      if (!xs[k].requires_grad()) xs[k] = xs[k].detach().requires_grad_();
      diff.push_back(xs[k]);
    }
    auto g = grad({fn(xs)}, diff, {in[n]}, outer_graph, outer_graph, true);
    std::vector<Tensor> parts;
    for (size_t k = 0; k < g.size(); ++k) parts.push_back(reshape(g[k].defined() ? g[k] : zeros_like(diff[k]), {-1}));
    Tensor r = cat(parts, 0);
    return outer_graph ? r : r.detach();
  };
  std::vector<Tensor> all = inputs;
  all.push_back(v);
  GradcheckResult r = gradcheck(first, all, opt);
  if (!r.ok) r.message = "gradgradcheck: " + r.message.substr(std::string("gradcheck: ").size());
  else r.message = "gradgradcheck: passed";
  return r;
}

}  // namespace xgrad::autograd
