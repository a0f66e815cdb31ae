/// \file
/// The named data sets the examples use: digits and breast cancer (shipped in data/), and
/// MNIST-format IDX sets (Fashion-MNIST from Debian's dataset-fashion-mnist by default).
#pragma once

#include <string>

#include "xgrad/data/dataset.hpp"

namespace xgrad::data {

/// The 8x8 digits (data/digits.csv.gz, scikit-learn's load_digits()): x float32 [1797, 64] with
/// pixel values 0..16, y int64 [1797] with labels 0..9. An empty path means the shipped file.
TensorDataset load_digits(const std::string& path = "");

/// scikit-learn's breast_cancer.csv (shipped as data/breast_cancer.csv): a first line
/// "569,30,malignant,benign", then 30 features and the target a row. x float32 [569, 30],
/// y int64 [569] (0 malignant, 1 benign).
TensorDataset load_breast_cancer(const std::string& path = "");

/// Where Debian's dataset-fashion-mnist package puts Fashion-MNIST: load_mnist's default folder.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// How load_mnist scales, shapes and checks the set.
struct MnistOptions {
  bool scale = true;     ///< divide pixels by 255 into [0, 1]
  bool flatten = false;  ///< x as [N, 784] instead of [N, 28, 28]
  int64_t num_classes = 0;  ///< when > 0, every label must lie in [0, num_classes)
};

/// An MNIST-format set from `dir`: train-{images-idx3,labels-idx1}-ubyte or t10k-..., each .gz
/// or plain. x float32 [N, 28, 28] (or [N, 784]), y int64 [N]. Refuses, naming the file: a set of
/// no images, images that are not 28 x 28, a count of labels unlike the images', and (with
/// num_classes) a label outside [0, num_classes), with its index.
TensorDataset load_mnist(const std::string& dir = kFashionMnistDir, bool train = true,
                         MnistOptions options = {});

}  // namespace xgrad::data
