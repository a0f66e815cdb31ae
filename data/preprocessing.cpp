#include "xgrad/data/preprocessing.hpp"

#include <string>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::data {

Tensor one_hot(const Tensor& labels, int64_t num_classes, Dtype dtype) {
  if (labels.dtype() != kInt64)
    throw Error(std::string("one_hot: labels must be int64, got ") + dtype_name(labels.dtype()));
  return xgrad::one_hot(labels, num_classes).to(dtype);
}

namespace {

void check_features(const Tensor& x, const char* op) {
  if (!x.defined() || x.dim() != 2 || !is_floating(x.dtype()))
    throw Error(std::string(op) + ": expected a 2-D floating tensor [samples, features], got " +
                (x.defined() ? std::string(dtype_name(x.dtype())) + " " + x.shape().str()
                             : std::string("an undefined tensor")));
  if (x.size(0) == 0) throw Error(std::string(op) + ": no samples to fit");
}

void check_fitted(const Tensor& stat, const Tensor& x, const char* op) {
  if (!stat.defined()) throw Error(std::string(op) + ": call fit() first");
  if (x.dim() != 2 || x.size(1) != stat.size(1))
    throw Error(std::string(op) + ": fitted on " + std::to_string(stat.size(1)) +
                " features, got shape " + x.shape().str());
  if (!is_floating(x.dtype()))
    throw Error(std::string(op) + ": expected floating data, got " + dtype_name(x.dtype()));
}

// Column stats as [1, features] float64 on x's device.
struct ColumnRange {
  Tensor min, max, constant;  // constant: 1 where max == min
};
ColumnRange column_range(const Tensor& x64) {
  Tensor lo = min(x64, 0, true).values, hi = max(x64, 0, true).values;
  return {lo, hi, eq(hi, lo)};
}

Tensor as(const Tensor& stat, const Tensor& like) {
  return stat.to(like.device()).to(like.dtype());
}

}  // namespace

StandardScaler& StandardScaler::fit(const Tensor& x) {
  check_features(x, "StandardScaler::fit");
  NoGradGuard no_grad;
  Tensor x64 = x.detach().to(kFloat64);
  mean_ = xgrad::mean(x64, {0}, true);
  Tensor sd = sqrt(var(x64, {0}, 0, true));
  scale_ = where(column_range(x64).constant, ones_like(sd), sd);
  return *this;
}

Tensor StandardScaler::transform(const Tensor& x) const {
  check_fitted(mean_, x, "StandardScaler::transform");
  NoGradGuard no_grad;
  return (x.detach() - as(mean_, x)) / as(scale_, x);
}

Tensor StandardScaler::inverse_transform(const Tensor& z) const {
  check_fitted(mean_, z, "StandardScaler::inverse_transform");
  NoGradGuard no_grad;
  return z.detach() * as(scale_, z) + as(mean_, z);
}

MinMaxScaler::MinMaxScaler(double low, double high) : low_(low), high_(high) {
  if (!(low < high))
    throw Error("MinMaxScaler: the feature range needs low < high, got [" + std::to_string(low) +
                ", " + std::to_string(high) + "]");
}

MinMaxScaler& MinMaxScaler::fit(const Tensor& x) {
  check_features(x, "MinMaxScaler::fit");
  NoGradGuard no_grad;
  ColumnRange r = column_range(x.detach().to(kFloat64));
  min_ = r.min;
  max_ = r.max;
  Tensor range = max_ - min_;
  range_ = where(r.constant, ones_like(range), range);
  return *this;
}

Tensor MinMaxScaler::transform(const Tensor& x) const {
  check_fitted(min_, x, "MinMaxScaler::transform");
  NoGradGuard no_grad;
  return (x.detach() - as(min_, x)) / as(range_, x) * (high_ - low_) + low_;
}

Tensor MinMaxScaler::inverse_transform(const Tensor& z) const {
  check_fitted(min_, z, "MinMaxScaler::inverse_transform");
  NoGradGuard no_grad;
  return (z.detach() - low_) / (high_ - low_) * as(range_, z) + as(min_, z);
}

}  // namespace xgrad::data
