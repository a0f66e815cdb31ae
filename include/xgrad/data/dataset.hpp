/// \file
/// Datasets held in memory as two tensors (inputs x, targets y), the DataLoader that cuts them into
/// (optionally shuffled) batches, and the splits: a seeded train/test split, splits by index lists
/// and KFold.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data {

/// One sample or one batch: `auto [x, y] = batch;`
struct Batch {
  /// The inputs and the targets.
  ///@{
  Tensor x, y;
  ///@}
};

/// Inputs and targets with the same first dimension. Copies share the tensors.
struct TensorDataset {
  /// The inputs and the targets, samples along dimension 0.
  ///@{
  Tensor x, y;
  ///@}

  TensorDataset() = default;
  /// Checks x.size(0) == y.size(0): throws xgrad::Error, with both shapes, when they differ, when
  /// either is undefined or when either is 0-d.
  TensorDataset(Tensor x, Tensor y);  // checks x.size(0) == y.size(0)

  /// Number of samples (0 for a default-constructed dataset).
  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  /// Sample i (negative counts from the end): x[i], y[i]. Throws xgrad::Error for an index out of
  /// range.
  Batch get(int64_t i) const;  // sample i (negative counts from the end): x[i], y[i]
  /// Same as get(i).
  Batch operator[](int64_t i) const { return get(i); }
  /// Rows [start, end), negatives allowed (counted from the end); bounds are clamped to the
  /// dataset, as in Python's slicing.
  TensorDataset slice(int64_t start, int64_t end) const;  // rows [start, end), negatives allowed
  /// Rows by a 1-D int64 index (copied, in the index's order); throws xgrad::Error for another
  /// dtype or rank.
  TensorDataset subset(const Tensor& indices) const;      // rows by a 1-D int64 index
  /// Rows by a list of indices, in the list's order; throws xgrad::Error for an index out of range.
  TensorDataset subset(const std::vector<int64_t>& indices) const;
  /// x and y moved to the device `d`.
  TensorDataset to(Device d) const;
};

/// Options of a DataLoader (`{.batch_size = 100, .shuffle = true}`).
struct DataLoaderOptions {
  /// Samples per batch; must be positive.
  int64_t batch_size = 1;
  /// A new order from xgrad's seeded generator (randperm) per iteration.
  bool shuffle = false;    // a new order from xgrad's seeded generator (randperm) per iteration
  /// Drop a last batch smaller than batch_size.
  bool drop_last = false;  // drop a last batch smaller than batch_size
};

/// Where a DataLoader stands in its pass, for checkpoints: the random-engine position its pass's
/// permutation was drawn from, and how many batches of the pass have been handed out.
struct DataLoaderState {
  RngState permutation;    ///< the default generator's position before the pass's randperm
  int64_t next_batch = 0;  ///< batches of the pass already handed out
  bool in_pass = false;    ///< false before the first pass
};

/// Iterating yields Batch values: `for (auto [x, y] : DataLoader(train, {.batch_size = 100}))`.
/// Each begin() starts a new pass (a new permutation when shuffling). Without shuffling the
/// batches are row ranges; with it they are gathered with index_select.
class DataLoader {
 public:
  /// An input iterator over the batches of one pass.
  class iterator {
   public:
    /// What dereferencing yields.
    using value_type = Batch;
    /// Distance between iterators.
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    /// The current batch (made on each call); counts it as handed out in the loader's state().
    Batch operator*() const;
    /// Moves to the next batch.
    iterator& operator++() {
      ++batch_;
      return *this;
    }
    /// Moves to the next batch.
    void operator++(int) { ++batch_; }
    /// Whether both stand at the same batch of the pass.
    friend bool operator==(const iterator& a, const iterator& b) { return a.batch_ == b.batch_; }

   private:
    friend class DataLoader;
    iterator(const DataLoader* loader, int64_t batch, Tensor order)
        : loader_(loader), batch_(batch), order_(std::move(order)) {}
    const DataLoader* loader_ = nullptr;
    int64_t batch_ = 0;
    Tensor order_;  // the pass's permutation (CPU, int64); undefined without shuffling
  };

  /// A loader over `dataset`; throws xgrad::Error for a batch_size that is not positive.
  DataLoader(TensorDataset dataset, DataLoaderOptions options = {});

  /// Starts a new pass (drawing a permutation when shuffling), or continues the pass that
  /// load_state() restored.
  iterator begin() const;
  /// The end of the pass (after size() batches).
  iterator end() const;
  /// Batches per pass: ceil(n / batch_size), or floor with drop_last.
  int64_t size() const;  // batches per pass
  /// \copydoc xgrad::data::DataLoaderOptions::batch_size
  int64_t batch_size() const { return options_.batch_size; }
  /// The dataset the batches are cut from.
  const TensorDataset& dataset() const { return dataset_; }

  /// The position in the current pass: a batch counts as handed out once it is dereferenced.
  DataLoaderState state() const { return state_; }
  /// Resumes from a state(): the next begin() continues that pass (the same permutation, from
  /// its next batch) without drawing from the random engine; a finished pass starts a new one.
  /// Throws xgrad::Error for a next_batch outside [0, size()].
  void load_state(const DataLoaderState& state);

 private:
  TensorDataset dataset_;
  DataLoaderOptions options_;
  mutable DataLoaderState state_;
  mutable bool resume_ = false;
};

// ---- splits
/// A dataset cut in two.
struct Split {
  /// The training part and the test part.
  ///@{
  TensorDataset train, test;
  ///@}
};

/// A random split: test_size is a fraction in (0, 1) (the test part has ceil(n * test_size) rows,
/// as in scikit-learn) or, when >= 1, a row count. Draws a permutation with xgrad::randperm from
/// the global generator; a given seed first calls manual_seed(seed), so the split is the same
/// whatever was drawn before (and the stream continues from that seed afterwards). Throws
/// xgrad::Error for another test_size or one that leaves either part empty.
Split train_test_split(const TensorDataset& dataset, double test_size = 0.25,
                       std::optional<uint64_t> seed = {});

/// Rows by index lists, in the lists' order; throws xgrad::Error for an index out of range.
Split split_by_indices(const TensorDataset& dataset, const std::vector<int64_t>& train,
                       const std::vector<int64_t>& test);

/// Index lists written by a script (a JSON object with "n", "train" and "test" arrays).
struct SplitIndices {
  /// Number of rows of the dataset the lists split.
  int64_t n = 0;
  /// Row indices of the training part and of the test part.
  ///@{
  std::vector<int64_t> train, test;
  ///@}
};
/// Reads SplitIndices from the JSON file `path`. Throws xgrad::Error, naming the file, for a file
/// that cannot be read, invalid JSON, a missing or non-integer field, a negative n, or an index
/// outside [0, n) or given twice.
SplitIndices read_split_indices(const std::string& path);

/// The digits notebooks' split: scikit-learn's train_test_split(test_size=0.2, random_state=42),
/// 1437 train / 360 test rows, shipped as data/digits_split_sklearn42.json (made by
/// data/make_digits_split.py). `digits` must be the 1797 rows of load_digits(). An empty `path`
/// reads the shipped file; throws xgrad::Error when the file's n is not the dataset's size.
Split digits_sklearn_split(const TensorDataset& digits, const std::string& path = "");

/// One fold of a KFold: the row indices of its two parts.
struct Fold {
  /// 1-D int64 row indices of the training part and of the test part.
  ///@{
  Tensor train, test;  // 1-D int64 row indices
  ///@}
};
/// scikit-learn's KFold: n_splits folds of sizes n / k (the first n % k one larger). Without
/// shuffling the folds are consecutive ranges; with it the rows are permuted first (randperm; a
/// given seed calls manual_seed(seed) at each split(), so repeated calls agree). Test indices come
/// in the permuted order, train indices ascending, as in scikit-learn.
class KFold {
 public:
  /// Throws xgrad::Error for n_splits < 2.
  explicit KFold(int64_t n_splits = 5, bool shuffle = false, std::optional<uint64_t> seed = {});
  /// The folds of n rows, as indices; throws xgrad::Error when n < n_splits.
  std::vector<Fold> split(int64_t n) const;
  /// The folds of `dataset`, as datasets (rows copied by index).
  std::vector<Split> split(const TensorDataset& dataset) const;
  /// Number of folds.
  int64_t n_splits() const { return n_splits_; }

 private:
  int64_t n_splits_;
  bool shuffle_;
  std::optional<uint64_t> seed_;
};

}  // namespace xgrad::data
