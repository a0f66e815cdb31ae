#include "xgrad/data/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "autograd/json.hpp"
#include "autograd/random_internal.hpp"
#include "xgrad/data/files.hpp"

namespace xgrad::data {

namespace {

int64_t wrap_index(int64_t i, int64_t n, const char* what) {
  int64_t j = i < 0 ? i + n : i;
  if (j < 0 || j >= n)
    throw Error(std::string(what) + ": index " + std::to_string(i) + " is out of range for " +
                std::to_string(n) + " samples");
  return j;
}

Tensor index_tensor(const std::vector<int64_t>& v) {
  return from_vector(v, Shape{static_cast<int64_t>(v.size())}, kInt64);
}

}  // namespace

// ---- TensorDataset

TensorDataset::TensorDataset(Tensor x_, Tensor y_) : x(std::move(x_)), y(std::move(y_)) {
  if (!x.defined() || !y.defined()) throw Error("TensorDataset: x and y must both be defined");
  if (x.dim() == 0 || y.dim() == 0)
    throw Error("TensorDataset: x and y need a first (sample) dimension; got shapes " +
                x.shape().str() + " and " + y.shape().str());
  if (x.size(0) != y.size(0))
    throw Error("TensorDataset: x has " + std::to_string(x.size(0)) + " samples (shape " +
                x.shape().str() + ") but y has " + std::to_string(y.size(0)) + " (shape " +
                y.shape().str() + ")");
}

Batch TensorDataset::get(int64_t i) const {
  int64_t j = wrap_index(i, size(), "TensorDataset::get");
  return {x.select(0, j), y.select(0, j)};
}

TensorDataset TensorDataset::slice(int64_t start, int64_t end) const {
  int64_t n = size();
  int64_t s = std::clamp<int64_t>(start < 0 ? start + n : start, 0, n);
  int64_t e = std::clamp<int64_t>(end < 0 ? end + n : end, 0, n);
  if (e < s) e = s;
  return {x.slice(0, s, e), y.slice(0, s, e)};
}

TensorDataset TensorDataset::subset(const Tensor& indices) const {
  if (indices.dtype() != kInt64 || indices.dim() != 1)
    throw Error("TensorDataset::subset: expected a 1-D int64 index, got " +
                std::string(dtype_name(indices.dtype())) + " of shape " + indices.shape().str());
  return {index_select(x, 0, indices.to(x.device())), index_select(y, 0, indices.to(y.device()))};
}

TensorDataset TensorDataset::subset(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) wrap_index(i, size(), "TensorDataset::subset");
  return subset(index_tensor(indices));
}

TensorDataset TensorDataset::to(Device d) const { return {x.to(d), y.to(d)}; }

// ---- DataLoader

DataLoader::DataLoader(TensorDataset dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
  if (options_.batch_size <= 0)
    throw Error("DataLoader: batch_size must be positive, got " +
                std::to_string(options_.batch_size));
}

int64_t DataLoader::size() const {
  int64_t n = dataset_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

DataLoader::iterator DataLoader::begin() const {
  const bool shuffle = options_.shuffle && dataset_.size() > 0;
  if (resume_ && state_.in_pass && state_.next_batch < size()) {
    resume_ = false;
    Tensor order;
    if (shuffle) {
      Generator g;  // the pass's permutation again, leaving the default generator alone
      g.set_state(state_.permutation);
      order = xgrad::detail::randperm(dataset_.size(), g);
    }
    return iterator(this, state_.next_batch, std::move(order));
  }
  resume_ = false;
  state_ = {get_rng_state(), 0, true};
  Tensor order;
  if (shuffle) order = randperm(dataset_.size());
  return iterator(this, 0, std::move(order));
}

void DataLoader::load_state(const DataLoaderState& state) {
  if (state.next_batch < 0 || state.next_batch > size())
    throw Error("DataLoader::load_state: next_batch " + std::to_string(state.next_batch) +
                " is outside this loader's pass of " + std::to_string(size()) + " batches");
  state_ = state;
  resume_ = true;
}

DataLoader::iterator DataLoader::end() const { return iterator(this, size(), Tensor()); }

Batch DataLoader::iterator::operator*() const {
  loader_->state_.next_batch = std::max(loader_->state_.next_batch, batch_ + 1);
  const TensorDataset& ds = loader_->dataset_;
  int64_t b = loader_->options_.batch_size;
  int64_t start = batch_ * b, stop = std::min(start + b, ds.size());
  if (!order_.defined()) return {ds.x.slice(0, start, stop), ds.y.slice(0, start, stop)};
  Tensor idx = order_.slice(0, start, stop);
  return {index_select(ds.x, 0, idx.to(ds.x.device())),
          index_select(ds.y, 0, idx.to(ds.y.device()))};
}

// ---- splits

Split train_test_split(const TensorDataset& dataset, double test_size,
                       std::optional<uint64_t> seed) {
  int64_t n = dataset.size();
  int64_t n_test;
  if (test_size > 0 && test_size < 1) {
    n_test = static_cast<int64_t>(std::ceil(test_size * static_cast<double>(n)));
  } else if (test_size >= 1 && test_size == std::floor(test_size)) {
    n_test = static_cast<int64_t>(test_size);
  } else {
    throw Error(
        "train_test_split: test_size must be a fraction in (0, 1) or a row count >= 1, got " +
        std::to_string(test_size));
  }
  if (n_test >= n || n_test <= 0)
    throw Error("train_test_split: test_size " + std::to_string(test_size) + " leaves " +
                std::to_string(n - n_test) + " training and " + std::to_string(n_test) +
                " test rows out of " + std::to_string(n) + "; both must be at least 1");
  if (seed) manual_seed(*seed);
  Tensor perm = randperm(n);
  // scikit-learn's order: the test rows first in the permutation, then the training rows.
  return {dataset.subset(perm.slice(0, n_test, n)), dataset.subset(perm.slice(0, 0, n_test))};
}

Split split_by_indices(const TensorDataset& dataset, const std::vector<int64_t>& train,
                       const std::vector<int64_t>& test) {
  return {dataset.subset(train), dataset.subset(test)};
}

SplitIndices read_split_indices(const std::string& path) {
  std::string text = read_file(path);
  const std::string where = "read_split_indices: '" + path + "'";
  nlohmann::json j;
  try {
    j = json_io::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": not valid JSON: " + e.what());
  }
  // Integers only: a float such as 1e300 does not convert to int64 (nlohmann's get would).
  auto integer = [&](const nlohmann::json& v, const std::string& field) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX))
      throw Error(where + ": " + field + " must be an integer, got " + json_io::dump(v));
    return v.get<int64_t>();
  };
  auto member = [&](const char* key) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(key))
      throw Error(where + ": expected an object with integer \"n\" and arrays \"train\", " +
                  "\"test\"; \"" + key + "\" is missing");
    return j[key];
  };
  SplitIndices out;
  out.n = integer(member("n"), "\"n\"");
  if (out.n < 0) throw Error(where + ": \"n\" is negative (" + std::to_string(out.n) + ")");
  for (auto [key, list] : {std::pair{"train", &out.train}, std::pair{"test", &out.test}}) {
    const nlohmann::json& a = member(key);
    if (!a.is_array()) throw Error(where + ": \"" + key + "\" must be an array, got " + a.type_name());
    for (size_t i = 0; i < a.size(); ++i)
      list->push_back(integer(a[i], std::string("\"") + key + "\"[" + std::to_string(i) + "]"));
  }
  // Each index once, inside [0, n): checked on a sorted copy, so that a large n costs nothing.
  std::vector<int64_t> all(out.train);
  all.insert(all.end(), out.test.begin(), out.test.end());
  for (int64_t i : all)
    if (i < 0 || i >= out.n)
      throw Error(where + ": index " + std::to_string(i) + " outside [0, " +
                  std::to_string(out.n) + ")");
  std::sort(all.begin(), all.end());
  if (auto dup = std::adjacent_find(all.begin(), all.end()); dup != all.end())
    throw Error(where + ": index " + std::to_string(*dup) + " appears twice");
  return out;
}

Split digits_sklearn_split(const TensorDataset& digits, const std::string& path) {
  std::string file = path.empty() ? data_path("digits_split_sklearn42.json") : path;
  SplitIndices s = read_split_indices(file);
  if (s.n != digits.size())
    throw Error("digits_sklearn_split: '" + file + "' splits " + std::to_string(s.n) +
                " rows but the dataset has " + std::to_string(digits.size()));
  return split_by_indices(digits, s.train, s.test);
}

// ---- KFold

KFold::KFold(int64_t n_splits, bool shuffle, std::optional<uint64_t> seed)
    : n_splits_(n_splits), shuffle_(shuffle), seed_(seed) {
  if (n_splits < 2)
    throw Error("KFold: n_splits must be at least 2, got " + std::to_string(n_splits));
}

std::vector<Fold> KFold::split(int64_t n) const {
  if (n < n_splits_)
    throw Error("KFold: cannot make " + std::to_string(n_splits_) + " folds of " +
                std::to_string(n) + " samples");
  std::vector<int64_t> order(static_cast<size_t>(n));
  if (shuffle_) {
    if (seed_) manual_seed(*seed_);
    order = randperm(n).to_vector<int64_t>();
  } else {
    std::iota(order.begin(), order.end(), 0);
  }
  std::vector<Fold> folds;
  int64_t start = 0;
  for (int64_t k = 0; k < n_splits_; ++k) {
    int64_t len = n / n_splits_ + (k < n % n_splits_ ? 1 : 0);
    std::vector<char> in_test(static_cast<size_t>(n), 0);
    std::vector<int64_t> test(order.begin() + start, order.begin() + start + len), train;
    for (int64_t i : test) in_test[i] = 1;
    train.reserve(static_cast<size_t>(n - len));
    for (int64_t i = 0; i < n; ++i)
      if (!in_test[i]) train.push_back(i);
    folds.push_back({index_tensor(train), index_tensor(test)});
    start += len;
  }
  return folds;
}

std::vector<Split> KFold::split(const TensorDataset& dataset) const {
  std::vector<Split> out;
  for (const Fold& f : split(dataset.size()))
    out.push_back({dataset.subset(f.train), dataset.subset(f.test)});
  return out;
}

}  // namespace xgrad::data
