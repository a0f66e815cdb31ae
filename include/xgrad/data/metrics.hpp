/// \file
/// Classification metrics: accuracy, confusion matrix, ROC AUC. Values come back to the CPU;
/// nothing here records a graph.
#pragma once

#include <cstdint>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::metrics {

/// The predicted classes of `predictions`:
/// - 2-D [n, C] with C > 1 (logits, probabilities or one-hot rows): argmax of each row;
/// - 1-D [n] or [n, 1] floating: probabilities of class 1, thresholded at 0.5 (p > 0.5 -> 1);
/// - int64: already labels.
/// Returns a 1-D int64 tensor on the CPU.
Tensor predicted_labels(const Tensor& predictions);

/// The fraction of predicted classes equal to the targets. `targets` are int64 labels [n], or
/// floating 0/1 labels [n] / [n, 1], or one-hot rows [n, C] (argmax).
double accuracy(const Tensor& predictions, const Tensor& targets);

/// counts[i][j]: samples of true class i predicted as class j (scikit-learn's layout), int64
/// [C, C]. num_classes -1: the largest label seen + 1.
Tensor confusion_matrix(const Tensor& predictions, const Tensor& targets, int64_t num_classes = -1);

/// Area under the ROC curve of binary targets (0/1, int64 or floating) given scores (1-D, [n, 1],
/// or [n, 2] whose column 1 is the positive class, as predict_proba). Tied scores count one half,
/// as scikit-learn's roc_auc_score. Raises xgrad::Error when only one class is present.
double roc_auc(const Tensor& scores, const Tensor& targets);

}  // namespace xgrad::metrics
