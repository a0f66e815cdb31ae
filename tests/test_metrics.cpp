// metrics: accuracy, confusion matrix, and ROC AUC against scikit-learn's values.
#include <doctest/doctest.h>

#include "data_test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using data_test::contains;
using data_test::error_of;

TEST_CASE("accuracy takes the argmax of 2-D scores and thresholds 1-D probabilities at 0.5") {
  Tensor logits = tensor({{2.0, 1.0, 0.0}, {0.0, 3.0, 1.0}, {0.0, 0.0, 5.0}, {1.0, 0.0, 0.0}});
  Tensor labels = tensor({0, 1, 1, 0}, kInt64);
  CHECK(metrics::accuracy(logits, labels) == 0.75);
  CHECK(metrics::accuracy(softmax(logits, 1), labels) == 0.75);
  CHECK(metrics::accuracy(logits, data::one_hot(labels, 3)) == 0.75);  // one-hot targets
  Tensor probs = tensor({0.9, 0.2, 0.5, 0.51});
  CHECK(metrics::accuracy(probs, tensor({1, 0, 1, 1}, kInt64)) == 0.75);  // 0.5 -> class 0
  CHECK(metrics::accuracy(probs.reshape({4, 1}), tensor({1.0, 0.0, 0.0, 1.0}).reshape({4, 1})) ==
        1.0);
  CHECK(metrics::accuracy(tensor({3, 1}, kInt64), tensor({3, 2}, kInt64)) == 0.5);
  CHECK(metrics::predicted_labels(logits).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 0});
  CHECK(contains(error_of([&] {
                   metrics::accuracy(logits, tensor({0, 1}, kInt64));
                 }),
                 "4 predictions"));
  CHECK(contains(error_of([] { metrics::accuracy(tensor({0.2}), tensor({0.5})); }), "0 or 1"));
}

TEST_CASE("accuracy of a model output that requires grad records nothing") {
  Tensor w = ones({3, 2}).requires_grad_();
  Tensor out = matmul(ones({4, 3}), w);
  CHECK(metrics::accuracy(out, zeros({4}, kInt64)) == 1.0);
}

TEST_CASE("confusion_matrix matches scikit-learn's layout: rows true, columns predicted") {
  const auto& ref = data_test::sklearn_reference()["confusion_matrix"];
  Tensor truth = from_vector(ref["y_true"].get<std::vector<int64_t>>(), Shape{8});
  Tensor pred = from_vector(ref["y_pred"].get<std::vector<int64_t>>(), Shape{8});
  Tensor cm = metrics::confusion_matrix(pred, truth);
  CHECK(cm.dtype() == kInt64);
  CHECK(cm.shape() == Shape{3, 3});
  std::vector<int64_t> want;
  for (const auto& row : ref["matrix"])
    for (const auto& v : row) want.push_back(v.get<int64_t>());
  CHECK(cm.to_vector<int64_t>() == want);
  CHECK(metrics::confusion_matrix(pred, truth, 4).shape() == Shape{4, 4});
  CHECK(contains(error_of([&] { metrics::confusion_matrix(pred, truth, 2); }), "outside [0, 2)"));
}

TEST_CASE("roc_auc equals scikit-learn's roc_auc_score, ties included") {
  for (const auto& c : data_test::sklearn_reference()["roc_auc"]) {
    auto name = c["name"].get<std::string>();
    CAPTURE(name);
    auto y = c["y"].get<std::vector<int64_t>>();
    auto s = c["score"].get<std::vector<double>>();
    Tensor scores = tensor(s, kFloat64), targets = from_vector(y, Shape{(int64_t)y.size()});
    CHECK(metrics::roc_auc(scores, targets) ==
          doctest::Approx(c["auc"].get<double>()).epsilon(1e-12));
    // float 0/1 targets and [n, 2] predict_proba-like scores give the same
    Tensor two = stack({1.0 - scores, scores}, 1);
    CHECK(metrics::roc_auc(two, targets.to(kFloat32)) ==
          doctest::Approx(c["auc"].get<double>()).epsilon(1e-12));
  }
  CHECK(contains(error_of([] {
                   metrics::roc_auc(tensor({0.1, 0.2}), tensor({1, 1}, kInt64));
                 }),
                 "one class"));
  CHECK(contains(error_of([] {
                   metrics::roc_auc(tensor({0.1, 0.2}), tensor({0, 2}, kInt64));
                 }),
                 "0 or 1"));
}
