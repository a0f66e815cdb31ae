// Datasets, DataLoader, splits, readers (CSV, IDX), named data sets and KFold.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include "data_test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using data_test::contains;
using data_test::error_of;
using data_test::fixture;

namespace {

data::TensorDataset counting(int64_t n) {
  return {arange(0, static_cast<double>(n)).reshape({n, 1}),
          arange(static_cast<double>(n), kInt64)};
}

std::vector<int64_t> labels_of(const Tensor& y) { return y.to_vector<int64_t>(); }

}  // namespace

TEST_CASE("TensorDataset indexes, slices and subsets its rows") {
  auto ds = counting(10);
  CHECK(ds.size() == 10);
  auto [x, y] = ds[3];
  CHECK(x.item() == 3.0);
  CHECK(y.item<int64_t>() == 3);
  CHECK(ds.get(-1).y.item<int64_t>() == 9);
  CHECK(labels_of(ds.slice(2, 5).y) == std::vector<int64_t>{2, 3, 4});
  CHECK(labels_of(ds.slice(-2, 100).y) == std::vector<int64_t>{8, 9});
  CHECK(labels_of(ds.subset(std::vector<int64_t>{7, 1, 7}).y) == std::vector<int64_t>{7, 1, 7});
  CHECK(contains(error_of([&] { ds.get(10); }), "out of range"));
  CHECK(contains(error_of([] {
                   data::TensorDataset(zeros({3, 2}), zeros({4}, kInt64));
                 }),
                 "3 samples"));
}

TEST_CASE("DataLoader without shuffling yields consecutive batches, the last one smaller") {
  auto ds = counting(10);
  std::vector<std::vector<int64_t>> seen;
  for (auto [x, y] : data::DataLoader(ds, {.batch_size = 4})) {
    CHECK(x.size(0) == y.size(0));
    seen.push_back(labels_of(y));
  }
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::vector<int64_t>{0, 1, 2, 3});
  CHECK(seen[2] == std::vector<int64_t>{8, 9});
  data::DataLoader dropping(ds, {.batch_size = 4, .drop_last = true});
  CHECK(dropping.size() == 2);
  int64_t batches = 0;
  for (auto batch : dropping) batches += batch.x.size(0) == 4;
  CHECK(batches == 2);
  CHECK(contains(error_of([&] { data::DataLoader(ds, {.batch_size = 0}); }), "batch_size"));
}

TEST_CASE("DataLoader shuffles with the seeded generator, a new order each pass") {
  auto ds = counting(50);
  data::DataLoader loader(ds, {.batch_size = 8, .shuffle = true});
  auto pass = [&] {
    std::vector<int64_t> order;
    for (auto [x, y] : loader) {
      auto v = labels_of(y);
      // x and y stay paired through the gather
      CHECK(x.reshape({-1}).to_vector<float>() == std::vector<float>(v.begin(), v.end()));
      order.insert(order.end(), v.begin(), v.end());
    }
    return order;
  };
  manual_seed(3);
  auto first = pass(), second = pass();
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == labels_of(arange(50.0, kInt64)));
  CHECK(first != second);
  manual_seed(3);
  CHECK(pass() == first);
}

TEST_CASE("train_test_split sizes the parts as scikit-learn and is repeatable with a seed") {
  const auto& ref = data_test::sklearn_reference()["train_test_split_1797_0.2"];
  auto [train, test] = data::train_test_split(counting(1797), 0.2, 42);
  CHECK(train.size() == ref["train"].get<int64_t>());
  CHECK(test.size() == ref["test"].get<int64_t>());
  auto small = data::train_test_split(counting(10), 0.25, 1);
  CHECK(small.test.size() ==
        data_test::sklearn_reference()["train_test_split_10_0.25"]["test"].get<int64_t>());
  std::vector<int64_t> all = labels_of(small.train.y), t = labels_of(small.test.y);
  all.insert(all.end(), t.begin(), t.end());
  std::sort(all.begin(), all.end());
  CHECK(all == labels_of(arange(10.0, kInt64)));
  CHECK(labels_of(data::train_test_split(counting(10), 0.25, 1).test.y) == t);
  CHECK(data::train_test_split(counting(10), 3.0).test.size() == 3);
  CHECK(contains(error_of([] { data::train_test_split(counting(10), 1.5); }), "test_size"));
  CHECK(contains(error_of([] { data::train_test_split(counting(10), 10.0); }), "at least 1"));
}

TEST_CASE("load_digits reads the shipped 1797 x 64 digits") {
  auto digits = data::load_digits();
  CHECK(digits.x.shape() == Shape{1797, 64});
  CHECK(digits.x.dtype() == kFloat32);
  CHECK(digits.y.shape() == Shape{1797});
  CHECK(digits.y.dtype() == kInt64);
  CHECK(digits.y[0].item<int64_t>() == 0);
  CHECK(digits.x.max().item() == 16.0);
  CHECK(digits.y.max().item() == 9.0);
}

TEST_CASE("digits_sklearn_split applies scikit-learn's split of random_state 42") {
  auto digits = data::load_digits();
  auto [train, test] = data::digits_sklearn_split(digits);
  CHECK(train.size() == 1437);
  CHECK(test.size() == 360);
  auto idx = data::read_split_indices(data_test::source("data/digits_split_sklearn42.json"));
  CHECK(idx.train[0] == 1734);  // scikit-learn's first training row
  CHECK(allclose(train.x[0], digits.x[1734]));
  CHECK(test.y[5].item<int64_t>() == digits.y[idx.test[5]].item<int64_t>());
  CHECK(contains(error_of([&] { data::digits_sklearn_split(digits.slice(0, 100)); }), "1797"));
}

// The fuzz corpus's split files (tests/fuzz/corpus/split_json): a huge "n" once made a vector of
// n flags (std::length_error, not xgrad::Error), and a float index was converted to int64
// unchecked (undefined for 1e300).
TEST_CASE("read_split_indices refuses malformed lists, naming the function, file and field") {
  auto corpus = [](const std::string& name) {
    return data_test::source("tests/fuzz/corpus/split_json/" + name);
  };
  auto ok = data::read_split_indices(corpus("valid"));
  CHECK(ok.n == 5);
  CHECK(ok.train == std::vector<int64_t>{0, 2, 4});
  CHECK(ok.test == std::vector<int64_t>{1, 3});
  std::string e = error_of([&] { data::read_split_indices(corpus("huge_n")); });
  CAPTURE(e);
  CHECK(e.empty());  // n = 2^62 with two indices: valid, and no allocation of n
  e = error_of([&] { data::read_split_indices(corpus("duplicate")); });
  CHECK(contains(e, "read_split_indices: '" + corpus("duplicate") + "': index 0 appears twice"));
  e = error_of([&] { data::read_split_indices(corpus("out_of_range")); });
  CHECK(contains(e, "outside [0, 3)"));
  e = error_of([&] { data::read_split_indices(corpus("wrong_types")); });
  CHECK(contains(e, "read_split_indices: '" + corpus("wrong_types") + "': \"n\" must be an integer"));
  e = error_of([&] { data::read_split_indices(corpus("not_json")); });
  CHECK(contains(e, "not valid JSON"));
  e = error_of([&] { data::read_split_indices(corpus("float_index")); });
  CHECK(contains(e, "\"train\"[1] must be an integer, got 1e+300"));
  e = error_of([&] { data::read_split_indices(corpus("negative_n")); });
  CHECK(contains(e, "\"n\" is negative (-4)"));
}

TEST_CASE("CSV reader: header, delimiter, label and dropped columns, plain and gzip") {
  auto t = data::read_csv_table(fixture("good.csv"), {.header = true});
  CHECK(t.columns == std::vector<std::string>{"id", "a", "b", "label"});
  CHECK(t.values.shape() == Shape{3, 4});
  CHECK(t.values.to_vector<double>() ==
        std::vector<double>{1, 0.5, 2, 1, 2, -1.25, 300, 0, 3, 4, 5, 2});
  auto ds = data::read_csv_dataset(fixture("good.csv.gz"), {.header = true, .drop_columns = {0}});
  CHECK(ds.x.shape() == Shape{3, 2});
  CHECK(labels_of(ds.y) == std::vector<int64_t>{1, 0, 2});
  auto semi = data::read_csv(fixture("semicolon.csv"), {.delimiter = ';', .dtype = kFloat64});
  CHECK(semi.dtype() == kFloat64);
  CHECK(semi.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  auto first =
      data::read_csv_dataset(fixture("semicolon.csv"), {.delimiter = ';', .label_column = 0});
  CHECK(labels_of(first.y) == std::vector<int64_t>{1, 4});
}

TEST_CASE("CSV reader: dropped columns may hold text, as the notebook's sample-id column") {
  // tabular.csv: id (s0, s1, ...), label, 12 binary features (notebook 004's bcsmall.csv layout)
  auto ds = data::read_csv_dataset(fixture("tabular.csv"),
                                   {.header = true, .label_column = 1, .drop_columns = {0}});
  CHECK(ds.x.shape() == Shape{90, 12});
  CHECK(ds.y.dtype() == kInt64);
  CHECK(ds.y.max().item() == 1.0);
  CHECK(ds.x.max().item() == 1.0);
  CHECK(contains(error_of([] {
                   data::read_csv_dataset(fixture("tabular.csv"),
                                          {.header = true, .label_column = 1});
                 }),
                 "'s0' is not a number"));
}

TEST_CASE("CSV reader: blank-separated files without a header, as notebook 004's compounds.fp") {
  // tabular.fp: tabular.csv's rows with no header, a tab after the id and spaces elsewhere
  auto csv = data::read_csv_dataset(fixture("tabular.csv"),
                                    {.header = true, .label_column = 1, .drop_columns = {0}});
  auto fp = data::read_csv_dataset(fixture("tabular.fp"),
                                   {.delimiter = ' ', .label_column = 1, .drop_columns = {0}});
  CHECK(fp.x.shape() == Shape{90, 12});
  CHECK(allclose(fp.x, csv.x, 0, 0));
  CHECK(labels_of(fp.y) == labels_of(csv.y));
  auto good = data::read_csv(fixture("good.csv"), {.header = true});
  CHECK(good.shape() == Shape{3, 4});  // ' 1.25 ' and "4" inside commas stay one field each
}

TEST_CASE("sniff_csv guesses the delimiter and whether the first line is a header") {
  auto fp = data::sniff_csv(fixture("tabular.fp"), {0});
  CHECK(fp.delimiter == ' ');
  CHECK(!fp.header);  // its id column ("s0") may hold text
  auto csv = data::sniff_csv(fixture("tabular.csv"), {0});
  CHECK(csv.delimiter == ',');
  CHECK(csv.header);
  CHECK(data::sniff_csv(fixture("tabular.csv")).header);
  CHECK(data::sniff_csv(fixture("tabular.fp")).header);  // without the text column: "s0" names
  auto semi = data::sniff_csv(fixture("semicolon.csv"));
  CHECK(semi.delimiter == ';');
  CHECK(!semi.header);
  CHECK(data::sniff_csv(fixture("good.csv")).header);
  CHECK(contains(error_of([] { data::sniff_csv(fixture("empty.csv")); }), "no data rows"));
  CHECK(contains(error_of([] { data::sniff_csv(fixture("no-such-file.csv")); }), "no such file"));
}

TEST_CASE("CSV reader: bad files raise errors naming the file, line and column") {
  std::string e = error_of([] { data::read_csv(fixture("bad-columns.csv")); });
  CHECK(contains(e, "bad-columns.csv"));
  CHECK(contains(e, "line 3"));
  CHECK(contains(e, "2 columns, expected 3"));
  e = error_of([] { data::read_csv(fixture("bad-number.csv")); });
  CHECK(contains(e, "line 2 column 2"));
  CHECK(contains(e, "'five' is not a number"));
  CHECK(contains(error_of([] { data::read_csv(fixture("bad-empty.csv")); }), "empty field"));
  e = error_of([] { data::read_csv_dataset(fixture("bad-label.csv")); });
  CHECK(contains(e, "line 2"));
  CHECK(contains(e, "not an integer"));
  CHECK(contains(error_of([] { data::read_csv(fixture("empty.csv")); }), "no data rows"));
  e = error_of([] { data::read_csv(fixture("no-such-file.csv")); });
  CHECK(contains(e, "no-such-file.csv"));
  CHECK(contains(e, "no such file"));
  e = error_of([] { data::read_csv(fixture("truncated.csv.gz")); });
  CHECK(contains(e, "truncated.csv.gz"));
  CHECK(contains(e, "truncated"));
  CHECK(contains(error_of([] {
                   data::read_csv_dataset(fixture("semicolon.csv"),
                                          {.delimiter = ';', .label_column = 5});
                 }),
                 "label column"));
  // An integer label beyond int64 (tests/fuzz/corpus/csv/huge_label): refused, not converted
  // (undefined behaviour).
  std::string huge = std::string(XGRAD_BINARY_DIR) + "/test_data_huge_label.csv";
  std::ofstream(huge) << "1,2\n3,1e300\n";
  e = error_of([&] { data::read_csv_dataset(huge); });
  CHECK(contains(e, "line 2 column 2: label 1000000"));
  CHECK(contains(e, "is outside int64's range"));
  CHECK(data::read_csv_dataset(huge, {.label_dtype = kFloat64}).y.size(0) == 2);
}

TEST_CASE("IDX reader: images become float32, labels int64, plain or gzip") {
  for (std::string suffix : {"", ".gz"}) {
    auto x = data::read_idx(fixture("tiny-images-idx3-ubyte" + suffix));
    CHECK(x.shape() == Shape{3, 2, 3});
    CHECK(x.dtype() == kFloat32);
    CHECK(x[2].reshape({-1}).to_vector<float>() == std::vector<float>{255, 254, 253, 0, 0, 128});
    auto y = data::read_idx(fixture("tiny-labels-idx1-ubyte" + suffix));
    CHECK(y.dtype() == kInt64);
    CHECK(labels_of(y) == std::vector<int64_t>{7, 0, 9});
  }
  auto f = data::read_idx(fixture("floats-idx2"));
  CHECK(f.to_vector<float>() == std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f});
  CHECK(labels_of(data::read_idx(fixture("ints-idx1"))) == std::vector<int64_t>{-1, 70000, 3});
}

TEST_CASE("IDX reader: bad files raise errors naming the file and the byte offset") {
  std::string e = error_of([] { data::read_idx(fixture("bad-magic-idx3-ubyte")); });
  CHECK(contains(e, "bad-magic-idx3-ubyte' byte 0"));
  CHECK(contains(e, "0x08030000"));
  e = error_of([] { data::read_idx(fixture("truncated-images-idx3-ubyte")); });
  CHECK(contains(e, "byte 29"));
  CHECK(contains(e, "truncated"));
  CHECK(contains(e, "[3, 2, 3]"));
  CHECK(contains(error_of([] { data::read_idx(fixture("truncated-header-idx3-ubyte")); }),
                 "inside the header"));
  CHECK(contains(error_of([] { data::read_idx(fixture("trailing-images-idx3-ubyte")); }),
                 "byte 34: 2 unexpected bytes"));
  e = error_of([] { data::read_idx(fixture("truncated-images-idx3-ubyte.gz")); });
  CHECK(contains(e, "truncated-images-idx3-ubyte.gz"));
  CHECK(contains(e, "truncated"));
  CHECK(contains(error_of([] { data::read_idx(fixture("good.csv")); }), "not an IDX"));
  // Sizes whose product wraps around 2^64 (to 0): refused, not read as an empty tensor
  // (tests/fuzz/corpus/idx/wrapping_dims).
  std::string wrap = data_test::source("tests/fuzz/corpus/idx/wrapping_dims");
  e = error_of([&] { data::read_idx(wrap); });
  CHECK(contains(e, "wrapping_dims' byte 12: dimension sizes multiply to more than 2^40"));
}

TEST_CASE("load_mnist reads an MNIST-format folder, scaled to [0, 1]") {
  auto train = data::load_mnist(fixture("mnist"), true);
  CHECK(train.x.shape() == Shape{5, 28, 28});
  CHECK(train.x.max().item() <= 1.0);
  CHECK(labels_of(train.y) == std::vector<int64_t>{3, 1, 4, 1, 5});
  auto test = data::load_mnist(fixture("mnist"), false, {.scale = false, .flatten = true});
  CHECK(test.x.shape() == Shape{2, 784});
  CHECK(test.x.max().item() > 1.0);
  CHECK(contains(error_of([] { data::load_mnist(fixture("mnist-mismatch"), false); }),
                 "2 images but"));
  CHECK(contains(error_of([] { data::load_mnist(fixture("no-such-dir")); }),
                 "dataset-fashion-mnist"));
}

namespace {
// An IDX file of unsigned bytes: the header for `dims`, then `values` (or zeros).
void write_idx(const std::filesystem::path& path, const std::vector<uint32_t>& dims, std::vector<uint8_t> values = {}) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  size_t n = 1;
  for (uint32_t d : dims) {
    n *= d;
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((d >> shift) & 0xFF));
  }
  values.resize(n);
  bytes.append(values.begin(), values.end());
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
// A folder of its own under the system's temporary directory, removed afterwards.
struct MnistDir {
  std::filesystem::path path;
  explicit MnistDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("xgrad_mnist_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~MnistDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string images() const { return (path / "t10k-images-idx3-ubyte").string(); }
  std::string labels() const { return (path / "t10k-labels-idx1-ubyte").string(); }
};
}  // namespace

TEST_CASE("load_mnist refuses a set of no images and images that are not 28 x 28, naming the file") {
  MnistDir empty("empty");
  write_idx(empty.images(), {0, 28, 28});
  write_idx(empty.labels(), {0});
  std::string e = error_of([&] { data::load_mnist(empty.path.string(), false); });
  CHECK(contains(e, "load_mnist: '" + empty.images() + "'"));
  CHECK(contains(e, "holds no images"));

  MnistDir small("20x20");
  write_idx(small.images(), {3, 20, 20});
  write_idx(small.labels(), {3}, {1, 2, 3});
  e = error_of([&] { data::load_mnist(small.path.string(), false); });
  CHECK(contains(e, "'" + small.images() + "'"));
  CHECK(contains(e, "images of 20 x 20 pixels, expected 28 x 28"));

  MnistDir wide("28x20");
  write_idx(wide.images(), {3, 28, 20});
  write_idx(wide.labels(), {3}, {1, 2, 3});
  CHECK(contains(error_of([&] { data::load_mnist(wide.path.string(), false); }), "images of 28 x 20 pixels"));
}

TEST_CASE("load_mnist with num_classes refuses a label out of range, naming file, index and label") {
  MnistDir dir("labels");
  write_idx(dir.images(), {4, 28, 28});
  write_idx(dir.labels(), {4}, {3, 9, 200, 1});
  // without num_classes the labels are not checked (as torchvision)
  CHECK(data::load_mnist(dir.path.string(), false).y.to_vector<int64_t>() == std::vector<int64_t>{3, 9, 200, 1});
  std::string e = error_of([&] { data::load_mnist(dir.path.string(), false, {.num_classes = 10}); });
  CHECK(contains(e, "load_mnist: '" + dir.labels() + "'"));
  CHECK(contains(e, "label 2 is 200"));
  CHECK(contains(e, "[0, 10)"));
  // the bounds are inclusive of 0 and exclusive of num_classes
  CHECK(data::load_mnist(dir.path.string(), false, {.num_classes = 201}).y.numel() == 4);
  e = error_of([&] { data::load_mnist(dir.path.string(), false, {.num_classes = 200}); });
  CHECK(contains(e, "label 2 is 200"));
  CHECK(contains(error_of([&] { data::load_mnist(dir.path.string(), false, {.num_classes = -1}); }),
                 "num_classes must be positive"));
  // the shipped fixture's labels (3 1 4 1 5 / 9 2) fit 10 classes
  CHECK(data::load_mnist(fixture("mnist"), true, {.num_classes = 10}).y.numel() == 5);
  CHECK(contains(error_of([] { data::load_mnist(fixture("mnist"), false, {.num_classes = 9}); }), "label 0 is 9"));
}

TEST_CASE("load_breast_cancer reads scikit-learn's 569 x 30 file") {
  auto bc = data::load_breast_cancer();
  CHECK(bc.x.shape() == Shape{569, 30});
  CHECK(bc.y.sum().item() == 357.0);  // benign
  CHECK(bc.x[0][0].item() == doctest::Approx(17.99));
}

TEST_CASE("KFold matches scikit-learn without shuffling, and partitions with it") {
  const auto& ref = data_test::sklearn_reference()["kfold_10_3"];
  auto folds = data::KFold(3).split(10);
  REQUIRE(folds.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    CHECK(labels_of(folds[k].train) == ref[k]["train"].get<std::vector<int64_t>>());
    CHECK(labels_of(folds[k].test) == ref[k]["test"].get<std::vector<int64_t>>());
  }
  auto shuffled = data::KFold(3, true, 0).split(10);
  std::vector<int64_t> all;
  for (const auto& f : shuffled) {
    auto t = labels_of(f.test), tr = labels_of(f.train);
    CHECK(std::is_sorted(tr.begin(), tr.end()));
    CHECK(t.size() + tr.size() == 10);
    all.insert(all.end(), t.begin(), t.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == labels_of(arange(10.0, kInt64)));
  CHECK(labels_of(data::KFold(3, true, 0).split(10)[1].test) == labels_of(shuffled[1].test));
  auto splits = data::KFold(3).split(counting(10));
  CHECK(splits[1].test.size() == 3);
  CHECK(contains(error_of([] { data::KFold(1); }), "n_splits"));
}

TEST_CASE("DistributedSampler shards each epoch's seeded permutation, padded as PyTorch pads it") {
  // n = 10 over 3 ranks: ceil(10 / 3) = 4 each, the permutation padded with its first 2 entries.
  const int64_t n = 10, replicas = 3;
  manual_seed(7 + 2);
  std::vector<int64_t> perm = randperm(n).to_vector<int64_t>();  // epoch 2 with seed 7
  manual_seed(123);  // the sampler does not read or move the global generator
  std::vector<int64_t> seen;
  for (int64_t r = 0; r < replicas; ++r) {
    data::DistributedSampler s(n, replicas, r, {.seed = 7});
    s.set_epoch(2);
    CHECK(s.size() == 4);
    CHECK(s.total_size() == 12);
    auto idx = s.indices();
    REQUIRE(idx.size() == 4);
    for (int64_t k = 0; k < 4; ++k) {
      int64_t i = r + k * replicas;  // rank r takes elements r, r + R, ... of the padded order
      CHECK(idx[static_cast<size_t>(k)] == perm[static_cast<size_t>(i < n ? i : i - n)]);
    }
    seen.insert(seen.end(), idx.begin(), idx.end());
  }
  std::vector<int64_t> after = randperm(3).to_vector<int64_t>();
  manual_seed(123);
  CHECK(after == randperm(3).to_vector<int64_t>());
  std::set<int64_t> distinct(seen.begin(), seen.end());
  CHECK(distinct.size() == static_cast<size_t>(n));  // every sample, two of them twice
  data::DistributedSampler a(n, replicas, 0, {.seed = 7});
  auto epoch0 = a.indices();
  a.set_epoch(1);
  CHECK(a.indices() != epoch0);
  a.set_epoch(0);
  CHECK(a.indices() == epoch0);
}

TEST_CASE("DistributedSampler with drop_last cuts the tail; without shuffling it deals 0, 1, 2 in turn") {
  data::DistributedSampler d(10, 3, 2, {.shuffle = false, .drop_last = true});
  CHECK(d.size() == 3);  // floor(10 / 3): PyTorch's ceil((n - R) / R)
  CHECK(d.indices() == std::vector<int64_t>{2, 5, 8});
  data::DistributedSampler p(10, 4, 3, {.shuffle = false});
  CHECK(p.indices() == std::vector<int64_t>{3, 7, 1});  // padded with 0, 1
  data::DistributedSampler even(8, 2, 1, {.shuffle = false, .drop_last = true});
  CHECK(even.indices() == std::vector<int64_t>{1, 3, 5, 7});
  data::DistributedSampler tiny(2, 4, 3, {.shuffle = false});
  CHECK(tiny.indices() == std::vector<int64_t>{1});  // 2 samples padded to 4
  data::DistributedSampler empty_set(0, 2, 0);
  CHECK(empty_set.indices().empty());
  CHECK(contains(error_of([] { data::DistributedSampler(10, 0, 0); }), "DistributedSampler: num_replicas must be >= 1"));
  CHECK(contains(error_of([] { data::DistributedSampler(10, 2, 2); }), "DistributedSampler: rank 2 is not in [0, 2)"));
  CHECK(contains(error_of([] { data::DistributedSampler(-1, 2, 0); }), "DistributedSampler: dataset_size must be >= 0"));
  CHECK(contains(error_of([&] { p.set_epoch(-1); }), "set_epoch: epoch must be >= 0"));
}
