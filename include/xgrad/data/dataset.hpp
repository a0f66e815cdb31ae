// Datasets held in memory as two tensors (inputs x, targets y), the DataLoader that cuts them into
// (optionally shuffled) batches, and the splits: a seeded train/test split, splits by index lists
// and KFold.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad::data {

// One sample or one batch: `auto [x, y] = batch;`
struct Batch {
  Tensor x, y;
};

// Inputs and targets with the same first dimension. Copies share the tensors.
struct TensorDataset {
  Tensor x, y;

  TensorDataset() = default;
  TensorDataset(Tensor x, Tensor y);  // checks x.size(0) == y.size(0)

  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  Batch get(int64_t i) const;  // sample i (negative counts from the end): x[i], y[i]
  Batch operator[](int64_t i) const { return get(i); }
  TensorDataset slice(int64_t start, int64_t end) const;  // rows [start, end), negatives allowed
  TensorDataset subset(const Tensor& indices) const;      // rows by a 1-D int64 index
  TensorDataset subset(const std::vector<int64_t>& indices) const;
  TensorDataset to(Device d) const;
};

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;    // a new order from xgrad's seeded generator (randperm) per iteration
  bool drop_last = false;  // drop a last batch smaller than batch_size
};

/// Where a DataLoader stands in its pass, for checkpoints: the random-engine position its pass's
/// permutation was drawn from, and how many batches of the pass have been handed out.
struct DataLoaderState {
  RngState permutation;    ///< the default generator's position before the pass's randperm
  int64_t next_batch = 0;  ///< batches of the pass already handed out
  bool in_pass = false;    ///< false before the first pass
};

// Iterating yields Batch values: `for (auto [x, y] : DataLoader(train, {.batch_size = 100}))`.
// Each begin() starts a new pass (a new permutation when shuffling). Without shuffling the
// batches are row ranges; with it they are gathered with index_select.
class DataLoader {
 public:
  class iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    Batch operator*() const;
    iterator& operator++() {
      ++batch_;
      return *this;
    }
    void operator++(int) { ++batch_; }
    friend bool operator==(const iterator& a, const iterator& b) { return a.batch_ == b.batch_; }

   private:
    friend class DataLoader;
    iterator(const DataLoader* loader, int64_t batch, Tensor order)
        : loader_(loader), batch_(batch), order_(std::move(order)) {}
    const DataLoader* loader_ = nullptr;
    int64_t batch_ = 0;
    Tensor order_;  // the pass's permutation (CPU, int64); undefined without shuffling
  };

  DataLoader(TensorDataset dataset, DataLoaderOptions options = {});

  iterator begin() const;
  iterator end() const;
  int64_t size() const;  // batches per pass
  int64_t batch_size() const { return options_.batch_size; }
  const TensorDataset& dataset() const { return dataset_; }

  /// The position in the current pass: a batch counts as handed out once it is dereferenced.
  DataLoaderState state() const { return state_; }
  /// Resumes from a state(): the next begin() continues that pass (the same permutation, from
  /// its next batch) without drawing from the random engine; a finished pass starts a new one.
  void load_state(const DataLoaderState& state);

 private:
  TensorDataset dataset_;
  DataLoaderOptions options_;
  mutable DataLoaderState state_;
  mutable bool resume_ = false;
};

// ---- splits
struct Split {
  TensorDataset train, test;
};

// A random split: test_size is a fraction in (0, 1) (the test part has ceil(n * test_size) rows,
// as in scikit-learn) or, when >= 1, a row count. Draws a permutation with xgrad::randperm from
// the global generator; a given seed first calls manual_seed(seed), so the split is the same
// whatever was drawn before (and the stream continues from that seed afterwards).
Split train_test_split(const TensorDataset& dataset, double test_size = 0.25,
                       std::optional<uint64_t> seed = {});

// Rows by index lists, in the lists' order.
Split split_by_indices(const TensorDataset& dataset, const std::vector<int64_t>& train,
                       const std::vector<int64_t>& test);

// Index lists written by a script (a JSON object with "n", "train" and "test" arrays).
struct SplitIndices {
  int64_t n = 0;
  std::vector<int64_t> train, test;
};
SplitIndices read_split_indices(const std::string& path);

// The digits notebooks' split: scikit-learn's train_test_split(test_size=0.2, random_state=42),
// 1437 train / 360 test rows, shipped as data/digits_split_sklearn42.json (made by
// data/make_digits_split.py). `digits` must be the 1797 rows of load_digits().
Split digits_sklearn_split(const TensorDataset& digits, const std::string& path = "");

// scikit-learn's KFold: n_splits folds of sizes n / k (the first n % k one larger). Without
// shuffling the folds are consecutive ranges; with it the rows are permuted first (randperm; a
// given seed calls manual_seed(seed) at each split(), so repeated calls agree). Test indices come
// in the permuted order, train indices ascending, as in scikit-learn.
struct Fold {
  Tensor train, test;  // 1-D int64 row indices
};
class KFold {
 public:
  explicit KFold(int64_t n_splits = 5, bool shuffle = false, std::optional<uint64_t> seed = {});
  std::vector<Fold> split(int64_t n) const;
  std::vector<Split> split(const TensorDataset& dataset) const;
  int64_t n_splits() const { return n_splits_; }

 private:
  int64_t n_splits_;
  bool shuffle_;
  std::optional<uint64_t> seed_;
};

}  // namespace xgrad::data
