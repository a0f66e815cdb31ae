// Printing as PyTorch does: values aligned, abridged past 1000 elements, then shape and dtype.
#include <cmath>
#include <cstdio>
#include <ostream>

#include "autograd/op.hpp"

namespace xgrad {

namespace {
constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

struct Format {
  bool integer = true;     // every value is a whole number
  bool scientific = false;
  bool is_int = false;

  std::string operator()(double v) const {
    char buf[64];
    if (is_int) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else if (std::isnan(v)) std::snprintf(buf, sizeof buf, "nan");
    else if (std::isinf(v)) std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    else if (scientific) std::snprintf(buf, sizeof buf, "%.4e", v);
    else if (integer) std::snprintf(buf, sizeof buf, "%.0f.", v);
    else std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
  }
};

void print_dim(std::string& out, const std::vector<double>& v, const Shape& s, int64_t dim, int64_t offset,
               bool summarize, const Format& fmt, size_t width, int indent) {
  int64_t n = s[dim];
  int64_t stride = 1;
  for (int64_t i = dim + 1; i < s.ndim(); ++i) stride *= s[i];
  out += "[";
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      if (dim + 1 == s.ndim()) {
        out += "..., ";
      } else {
        out += "...,\n";
        out.append(indent + dim + 1, ' ');
      }
      i = n - kEdgeItems;
    }
    if (dim + 1 == s.ndim()) {
      std::string e = fmt(v[offset + i]);
      out.append(width > e.size() ? width - e.size() : 0, ' ');
      out += e;
    } else {
      print_dim(out, v, s, dim + 1, offset + i * stride, summarize, fmt, width, indent);
    }
    if (i + 1 == n) continue;
    if (dim + 1 == s.ndim()) {
      out += ", ";
    } else {
      out += ",";
      out.append(s.ndim() - dim - 1, '\n');
      out.append(indent + dim + 1, ' ');
    }
  }
  out += "]";
}
}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::vector<double> v = to_vector<double>();
  Format fmt;
  fmt.is_int = dtype() == kInt64;
  double amax = 0, amin = INFINITY;
  for (double x : v) {
    if (!std::isfinite(x)) continue;
    if (x != std::floor(x)) fmt.integer = false;
    amax = std::max(amax, std::abs(x));
    if (x != 0) amin = std::min(amin, std::abs(x));
  }
  fmt.scientific = !fmt.is_int && (amax >= 1e8 || (!fmt.integer && amin < 1e-4));
  size_t width = 0;
  for (double x : v) width = std::max(width, fmt(x).size());
  const int indent = 7;  // "tensor("
  std::string out = "tensor(";
  if (dim() == 0) out += fmt(v.empty() ? 0 : v[0]);
  else print_dim(out, v, shape(), 0, 0, numel() > kSummarizeAbove, fmt, width, indent);
  out += ", shape=" + shape().str() + ", dtype=" + dtype_name(dtype());
  if (device().is_cuda()) out += ", device=" + device().str();
  if (grad_fn()) out += std::string(", grad_fn=<") + grad_fn()->name() + ">";
  else if (requires_grad()) out += ", requires_grad=true";
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace xgrad
