#include "xgrad/data/datasets.hpp"

#include <filesystem>

#include "xgrad/data/csv.hpp"
#include "xgrad/data/files.hpp"
#include "xgrad/data/idx.hpp"

namespace xgrad::data {

namespace fs = std::filesystem;

TensorDataset load_digits(const std::string& path) {
  std::string file = path.empty() ? data_path("digits.csv.gz") : path;
  TensorDataset ds = read_csv_dataset(file, {.label_column = -1});
  if (ds.x.size(1) != 64)
    throw Error("load_digits: '" + file + "' has " + std::to_string(ds.x.size(1) + 1) +
                " columns, expected 65 (64 pixels and the label)");
  return ds;
}

TensorDataset load_breast_cancer(const std::string& path) {
  std::string file = path.empty() ? data_path("breast_cancer.csv") : path;
  CsvTable t = read_csv_table(file, {.header = true, .dtype = kFloat64});
  // The first line is scikit-learn's "n_samples,n_features,class names...".
  int64_t rows = t.values.size(0), cols = t.values.size(1);
  std::string expect = std::to_string(rows) + "," + std::to_string(cols - 1);
  if (t.columns.size() < 2 || t.columns[0] + "," + t.columns[1] != expect)
    throw Error("load_breast_cancer: '" + file + "' line 1 should start with '" + expect +
                "' (samples, features) to match its " + std::to_string(rows) + " rows of " +
                std::to_string(cols) + " columns");
  TensorDataset ds = read_csv_dataset(file, {.header = true, .label_column = -1});
  return ds;
}

namespace {

std::string find_idx(const std::string& dir, const std::string& stem) {
  fs::path gz = fs::path(dir) / (stem + ".gz"), plain = fs::path(dir) / stem;
  std::error_code ec;
  if (fs::exists(gz, ec)) return gz.string();
  if (fs::exists(plain, ec)) return plain.string();
  throw Error("load_mnist: neither '" + gz.string() + "' nor '" + plain.string() +
              "' exists (Fashion-MNIST: apt-get install dataset-fashion-mnist; or give the "
              "folder that holds MNIST-format IDX files)");
}

}  // namespace

TensorDataset load_mnist(const std::string& dir, bool train, MnistOptions options) {
  std::string prefix = train ? "train" : "t10k";
  std::string images_file = find_idx(dir, prefix + "-images-idx3-ubyte");
  std::string labels_file = find_idx(dir, prefix + "-labels-idx1-ubyte");
  Tensor x = read_idx(images_file, options.scale ? 255.0 : 1.0), y = read_idx(labels_file);
  if (x.dim() != 3 || x.dtype() != kFloat32)
    throw Error("load_mnist: '" + images_file + "' holds " + std::string(dtype_name(x.dtype())) +
                " of shape " + x.shape().str() + ", expected unsigned bytes [N, rows, cols]");
  if (y.dim() != 1 || y.dtype() != kInt64)
    throw Error("load_mnist: '" + labels_file + "' holds shape " + y.shape().str() +
                ", expected 1-D integer labels");
  if (x.size(0) == 0) throw Error("load_mnist: '" + images_file + "' holds no images (shape " + x.shape().str() + ")");
  if (x.size(1) != 28 || x.size(2) != 28)
    throw Error("load_mnist: '" + images_file + "' holds images of " + std::to_string(x.size(1)) + " x " +
                std::to_string(x.size(2)) + " pixels, expected 28 x 28 (MNIST format)");
  if (x.size(0) != y.size(0))
    throw Error("load_mnist: '" + images_file + "' has " + std::to_string(x.size(0)) +
                " images but '" + labels_file + "' has " + std::to_string(y.size(0)) + " labels");
  if (options.num_classes < 0)
    throw Error("load_mnist: num_classes must be positive (or 0: labels unchecked), got " +
                std::to_string(options.num_classes));
  if (options.num_classes > 0) {
    const int64_t* label = y.data<int64_t>();
    for (int64_t i = 0; i < y.numel(); ++i)
      if (label[i] < 0 || label[i] >= options.num_classes)
        throw Error("load_mnist: '" + labels_file + "' label " + std::to_string(i) + " is " +
                    std::to_string(label[i]) + ", outside [0, " + std::to_string(options.num_classes) +
                    ") for num_classes " + std::to_string(options.num_classes));
  }
  if (options.flatten) x = x.reshape({x.size(0), -1});
  return {x, y};
}

}  // namespace xgrad::data
