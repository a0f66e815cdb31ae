#include "xgrad/data/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "xgrad/autograd/grad_mode.hpp"

namespace xgrad::metrics {

namespace {

std::string describe(const Tensor& t) {
  return t.defined() ? std::string(dtype_name(t.dtype())) + " " + t.shape().str() : "undefined";
}

// Labels from targets: int64 as they are, floating 0/1 rounded, one-hot rows by argmax.
std::vector<int64_t> target_labels(const Tensor& targets, const char* op) {
  if (!targets.defined()) throw Error(std::string(op) + ": targets are undefined");
  Tensor t = targets.detach().cpu();
  if (t.dim() == 2 && t.size(1) > 1) return argmax(t, 1).to_vector<int64_t>();
  if (t.dim() == 2 && t.size(1) == 1) t = t.reshape({-1});
  if (t.dim() != 1)
    throw Error(std::string(op) + ": expected targets [n], [n, 1] or one-hot [n, C], got " +
                describe(targets));
  if (t.dtype() == kInt64) return t.to_vector<int64_t>();
  std::vector<double> v = t.to_vector<double>();
  std::vector<int64_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != 0.0 && v[i] != 1.0)
      throw Error(std::string(op) + ": floating targets must be 0 or 1 (else pass int64 labels); " +
                  "element " + std::to_string(i) + " is " + std::to_string(v[i]));
    out[i] = static_cast<int64_t>(v[i]);
  }
  return out;
}

void check_same_count(size_t a, size_t b, const Tensor& p, const Tensor& t, const char* op) {
  if (a != b)
    throw Error(std::string(op) + ": " + std::to_string(a) + " predictions (" + describe(p) +
                ") but " + std::to_string(b) + " targets (" + describe(t) + ")");
}

}  // namespace

Tensor predicted_labels(const Tensor& predictions) {
  if (!predictions.defined()) throw Error("predicted_labels: predictions are undefined");
  NoGradGuard no_grad;
  Tensor p = predictions.detach().cpu();
  if (p.dtype() == kInt64) {
    if (p.dim() == 2 && p.size(1) == 1) p = p.reshape({-1});
    if (p.dim() != 1)
      throw Error("predicted_labels: int64 predictions must be labels [n], got " + describe(p));
    return p;
  }
  if (p.dim() == 2 && p.size(1) > 1) return argmax(p, 1);
  if (p.dim() == 2 && p.size(1) == 1) p = p.reshape({-1});
  if (p.dim() != 1)
    throw Error("predicted_labels: expected [n, C] scores or [n] probabilities, got " +
                describe(predictions));
  return gt(p, 0.5).to(kInt64);
}

double accuracy(const Tensor& predictions, const Tensor& targets) {
  std::vector<int64_t> pred = predicted_labels(predictions).to_vector<int64_t>();
  std::vector<int64_t> truth = target_labels(targets, "accuracy");
  check_same_count(pred.size(), truth.size(), predictions, targets, "accuracy");
  if (pred.empty()) throw Error("accuracy: no samples");
  size_t hits = 0;
  for (size_t i = 0; i < pred.size(); ++i) hits += pred[i] == truth[i];
  return static_cast<double>(hits) / static_cast<double>(pred.size());
}

Tensor confusion_matrix(const Tensor& predictions, const Tensor& targets, int64_t num_classes) {
  std::vector<int64_t> pred = predicted_labels(predictions).to_vector<int64_t>();
  std::vector<int64_t> truth = target_labels(targets, "confusion_matrix");
  check_same_count(pred.size(), truth.size(), predictions, targets, "confusion_matrix");
  int64_t c = num_classes;
  if (c < 0) {
    c = 0;
    for (size_t i = 0; i < pred.size(); ++i) c = std::max({c, pred[i] + 1, truth[i] + 1});
  }
  std::vector<int64_t> counts(static_cast<size_t>(c * c), 0);
  for (size_t i = 0; i < pred.size(); ++i) {
    if (pred[i] < 0 || pred[i] >= c || truth[i] < 0 || truth[i] >= c)
      throw Error("confusion_matrix: sample " + std::to_string(i) + " has true class " +
                  std::to_string(truth[i]) + " and predicted class " + std::to_string(pred[i]) +
                  ", outside [0, " + std::to_string(c) + ")");
    ++counts[truth[i] * c + pred[i]];
  }
  return from_vector(counts, Shape{c, c}, kInt64);
}

double roc_auc(const Tensor& scores, const Tensor& targets) {
  if (!scores.defined()) throw Error("roc_auc: scores are undefined");
  Tensor s = scores.detach().cpu();
  if (s.dim() == 2 && s.size(1) == 2)
    s = s.select(1, 1);
  else if (s.dim() == 2 && s.size(1) == 1)
    s = s.reshape({-1});
  if (s.dim() != 1)
    throw Error("roc_auc: expected scores [n], [n, 1] or [n, 2], got " + describe(scores));
  std::vector<double> score = s.to_vector<double>();
  // Binary targets only: one-hot rows would be read as labels, so refuse them here.
  if (targets.defined() && targets.dim() == 2 && targets.size(1) > 1)
    throw Error("roc_auc: expected binary targets [n], got " + describe(targets));
  std::vector<int64_t> truth = target_labels(targets, "roc_auc");
  check_same_count(score.size(), truth.size(), scores, targets, "roc_auc");

  // Mann-Whitney U with mid-ranks for ties, equal to the area under scikit-learn's roc_curve.
  const size_t n = score.size();
  for (size_t i = 0; i < n; ++i) {
    if (truth[i] != 0 && truth[i] != 1)
      throw Error("roc_auc: targets must be 0 or 1, element " + std::to_string(i) + " is " +
                  std::to_string(truth[i]));
    if (std::isnan(score[i])) throw Error("roc_auc: score " + std::to_string(i) + " is NaN");
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double positives = 0, negatives = 0, rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[order[j]] == score[order[i]]) ++j;
    double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (size_t k = i; k < j; ++k)
      if (truth[order[k]] == 1) rank_sum += mid_rank;
    i = j;
  }
  for (int64_t t : truth) (t == 1 ? positives : negatives) += 1;
  if (positives == 0 || negatives == 0)
    throw Error("roc_auc: only one class is present in the targets; ROC AUC is undefined");
  return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

}  // namespace xgrad::metrics
