// Synthetic sets (moons, circles), one-hot, scalers, text inputs and image augmentation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "data_test_util.hpp"
#include "xgrad/xgrad.hpp"

using namespace xgrad;
using data_test::contains;
using data_test::error_of;

namespace {

using Points = std::vector<std::vector<double>>;

Points rows_of(const Tensor& x) {
  auto v = x.to_vector<double>();
  Points out;
  for (size_t i = 0; i < v.size(); i += 2) out.push_back({v[i], v[i + 1]});
  return out;
}

void check_close(const Points& a, const Points& b, double tol) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[i].size(); ++j)
      CHECK(a[i][j] == doctest::Approx(b[i][j]).epsilon(tol));
}

void check_matrix(const Tensor& t, const nlohmann::json& expected) {
  auto want = expected.get<Points>();
  auto got = t.to_vector<double>();
  size_t cols = want[0].size();
  REQUIRE(got.size() == want.size() * cols);
  for (size_t i = 0; i < want.size(); ++i)
    for (size_t j = 0; j < cols; ++j)
      CHECK(got[i * cols + j] == doctest::Approx(want[i][j]).epsilon(1e-12));
}

}  // namespace

TEST_CASE("make_moons and make_circles have scikit-learn's geometry") {
  const auto& ref = data_test::sklearn_reference();
  auto moons = data::make_moons(7, 0.0, {}, false);
  CHECK(moons.x.dtype() == kFloat32);
  check_close(rows_of(moons.x), ref["make_moons_7"]["x"].get<Points>(), 1e-6);
  CHECK(moons.y.to_vector<int64_t>() == ref["make_moons_7"]["y"].get<std::vector<int64_t>>());
  auto circles = data::make_circles(9, 0.0, 0.5, {}, false);
  check_close(rows_of(circles.x), ref["make_circles_9"]["x"].get<Points>(), 1e-6);
  CHECK(circles.y.to_vector<int64_t>() == ref["make_circles_9"]["y"].get<std::vector<int64_t>>());
}

TEST_CASE("make_moons shuffles and adds noise from the seeded generator") {
  auto plain = data::make_moons(200, 0.0, {}, false);
  auto shuffled = data::make_moons(200, 0.0, 5);
  // Shuffling permutes the rows: the same points, another order.
  auto a = rows_of(plain.x), b = rows_of(shuffled.x);
  CHECK(a != b);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
  CHECK(shuffled.y.sum().item() == 100.0);
  auto noisy = data::make_moons(200, 0.4, 5);
  CHECK(noisy.y.to_vector<int64_t>() == shuffled.y.to_vector<int64_t>());
  double spread = (noisy.x - shuffled.x).pow(2.0).mean().item();
  CHECK(spread == doctest::Approx(0.16).epsilon(0.25));  // noise variance 0.4^2
  CHECK(allclose(data::make_moons(200, 0.4, 5).x, noisy.x));
  CHECK(contains(error_of([] { data::make_circles(10, 0.0, 1.0); }), "factor"));
  CHECK(contains(error_of([] { data::make_moons(10, -1.0); }), "noise"));
}

TEST_CASE(
    "make_classification lays out scikit-learn's columns: informative, redundant, repeated, "
    "noise") {
  data::ClassificationOptions o{.n_samples = 400,
                                .n_features = 10,
                                .n_informative = 3,
                                .n_redundant = 2,
                                .n_repeated = 1,
                                .weights = {0.25},
                                .flip_y = 0,
                                .class_sep = 2.0,
                                .shuffle = false};
  auto d = data::make_classification(o, 3);
  REQUIRE(d.x.shape() == Shape{400, 10});
  CHECK(d.x.dtype() == kFloat32);
  CHECK(d.y.dtype() == kInt64);
  CHECK(d.y.sum().item() == 300.0);  // weights {0.25}: 100 rows of class 0, the rest class 1
  auto column = [&](int64_t j) { return d.x.select(1, j).to(kFloat64); };
  // Informative columns sit around the hypercube's vertices at +-2; the noise columns are N(0, 1).
  for (int64_t j = 0; j < 3; ++j) CHECK(column(j).abs().mean().item() > 1.5);
  for (int64_t j = 6; j < 10; ++j) {
    CAPTURE(j);
    CHECK(std::abs(column(j).mean().item()) < 0.2);
    CHECK(var(column(j)).item() == doctest::Approx(1.0).epsilon(0.2));
  }
  // The repeated column copies one of the informative or redundant ones exactly.
  int copies = 0;
  for (int64_t j = 0; j < 5; ++j) copies += allclose(column(5), column(j), 0, 0) ? 1 : 0;
  CHECK(copies == 1);
  // The same seed gives the same table; shuffling permutes rows and columns, not the labels'
  // counts.
  CHECK(allclose(data::make_classification(o, 3).x, d.x, 0, 0));
  o.shuffle = true;
  auto shuffled = data::make_classification(o, 3);
  CHECK(shuffled.y.sum().item() == 300.0);
  CHECK(!allclose(shuffled.x, d.x));
  CHECK(shuffled.x.sum().item() == doctest::Approx(d.x.sum().item()).epsilon(1e-4));
  // flip_y redraws labels at random: with 1, about half of them change class.
  o.flip_y = 1;
  o.shuffle = false;
  double same = eq(data::make_classification(o, 3).y, d.y).to(kFloat64).mean().item();
  CHECK(same > 0.3);
  CHECK(same < 0.8);
}

TEST_CASE("make_classification names the option that is out of range") {
  using O = data::ClassificationOptions;
  auto error = [](const O& o) { return error_of([&] { data::make_classification(o); }); };
  CHECK(contains(error(O{.n_features = 3, .n_informative = 2, .n_redundant = 2}), "n_features"));
  CHECK(contains(error(O{.n_informative = 1, .n_classes = 3, .n_clusters_per_class = 1}),
                 "2^n_informative"));
  CHECK(contains(error(O{.flip_y = 1.5}), "flip_y"));
  CHECK(contains(error(O{.weights = {0.2, 0.3, 0.5}}), "weights"));
  CHECK(contains(error(O{.n_samples = 0}), "n_samples"));
}

TEST_CASE("one_hot gives float rows ready for a loss") {
  auto oh = data::one_hot(tensor({3, 5, 4, 8, 0}, kInt64), 9);
  CHECK(oh.dtype() == kFloat32);
  CHECK(oh.shape() == Shape{5, 9});
  CHECK(oh[1][5].item() == 1.0);
  CHECK(oh.sum().item() == 5.0);
  CHECK(data::one_hot(tensor({0, 2}, kInt64)).shape() == Shape{2, 3});
  CHECK(contains(error_of([] { data::one_hot(tensor({0.0, 1.0})); }), "int64"));
}

TEST_CASE("StandardScaler and MinMaxScaler match scikit-learn, constant columns included") {
  const auto& ref = data_test::sklearn_reference()["scalers"];
  auto rows = ref["x"].get<Points>();
  std::vector<double> flat;
  for (auto& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  Tensor x = tensor(flat, Shape{4, 3}, kFloat64);
  data::StandardScaler standard;
  check_matrix(standard.fit_transform(x), ref["standard"]);
  CHECK(allclose(standard.inverse_transform(standard.transform(x)), x));
  data::MinMaxScaler minmax;
  check_matrix(minmax.fit_transform(x), ref["minmax"]);
  check_matrix(data::MinMaxScaler(-1, 1).fit_transform(x), ref["minmax_m1_1"]);
  // Fitted on train, applied unchanged to test; float32 in, float32 out.
  Tensor train = tensor({{0.0, 10.0}, {2.0, 30.0}}), test = tensor({{4.0, 20.0}});
  data::StandardScaler s;
  s.fit(train);
  Tensor z = s.transform(test);
  CHECK(z.dtype() == kFloat32);
  CHECK(z.to_vector<double>() == std::vector<double>{3.0, 0.0});
  CHECK(contains(error_of([] { data::StandardScaler().transform(ones({1, 1})); }), "fit()"));
  CHECK(contains(error_of([&] { s.transform(tensor({{1.0, 2.0, 3.0}})); }), "2 features"));
}

TEST_CASE("text: tokenizer, vocabulary of the most frequent words, multi-hot rows") {
  CHECK(data::tokenize("'Don't!' It's GREAT,<br />great... 42") ==
        std::vector<std::string>{"don't", "it's", "great", "br", "great"});
  std::vector<std::vector<std::string>> docs = {{"b", "a", "b"}, {"c", "a", "b"}, {"d"}};
  auto vocab = data::Vocabulary::build(docs, 3);
  CHECK(vocab.size() == 3);
  CHECK(vocab.word(0) == "b");
  CHECK(vocab.word(1) == "a");
  CHECK(vocab.word(2) == "c");  // ties alphabetical: c before d
  CHECK(vocab.index("d") == -1);
  CHECK(vocab.encode({"d", "c", "b"}) == std::vector<int64_t>{2, 0});
  auto mh = data::multi_hot({{2, 0, 2}, {}}, 4);
  CHECK(mh.to_vector<float>() == std::vector<float>{1, 0, 1, 0, 0, 0, 0, 0});
  CHECK(contains(error_of([] { data::multi_hot({{4}}, 4); }), "outside"));
}

TEST_CASE("text: the review-folder pipeline runs on the aclImdb-layout fixture") {
  auto train = data::read_text_folders(data_test::source("tests/fixtures/imdb/train"));
  REQUIRE(train.texts.size() == 8);
  CHECK(train.labels == std::vector<int64_t>{0, 0, 0, 0, 1, 1, 1, 1});
  // Each review keeps about its own size: 50,000 of aclImdb's must fit in memory.
  for (const auto& t : train.texts) CHECK(t.capacity() < 4096);
  std::vector<std::vector<std::string>> tokens;
  for (const auto& t : train.texts) tokens.push_back(data::tokenize(t));
  auto vocab = data::Vocabulary::build(tokens, 20);
  std::vector<std::vector<int64_t>> seqs;
  for (const auto& t : tokens) seqs.push_back(vocab.encode(t));
  auto x = data::multi_hot(seqs, vocab.size());
  CHECK(x.shape() == Shape{8, 20});
  CHECK(vocab.index("the") >= 0);
  CHECK(contains(error_of([] { data::read_text_folders(data_test::fixture("mnist")); }), "pos"));
}

TEST_CASE("transforms shift and flip a known image, and draw seeded random ones") {
  // One 3x3 image 1..9, as [1, 3, 3] and as a flat [1, 9] row.
  Tensor img = arange(1.0, 10.0).reshape({1, 3, 3});
  auto right_down = data::transforms::shift(img, {1}, {1});
  CHECK(right_down.to_vector<float>() == std::vector<float>{0, 0, 0, 0, 1, 2, 0, 4, 5});
  auto left = data::transforms::shift(img.reshape({1, 9}), {-1}, {0});
  CHECK(left.shape() == Shape{1, 9});
  CHECK(left.to_vector<float>() == std::vector<float>{2, 3, 0, 5, 6, 0, 8, 9, 0});
  auto flipped = data::transforms::horizontal_flip(img, {true});
  CHECK(flipped.to_vector<float>() == std::vector<float>{3, 2, 1, 6, 5, 4, 9, 8, 7});
  CHECK(allclose(data::transforms::horizontal_flip(img, {false}), img));

  Tensor batch = rand({16, 1, 5, 5});
  data::transforms::Compose augment(
      {data::transforms::RandomShift{1}, data::transforms::RandomHorizontalFlip{0.5}});
  manual_seed(11);
  Tensor a = augment(batch);
  manual_seed(11);
  CHECK(allclose(augment(batch), a));
  CHECK(a.shape() == batch.shape());
  CHECK(!allclose(a, batch));
  CHECK(allclose(data::transforms::RandomHorizontalFlip{0.0}(batch), batch));
  CHECK(contains(error_of([] {
                   data::transforms::shift(zeros({2, 7}), {0, 0}, {0, 0});
                 }),
                 "square"));
}

TEST_CASE(
    "transforms: mnist_format's --augment pipeline moves a flat 28x28 pixel by at most 2, "
    "mirrored") {
  // One bright pixel at row 10, column 5 of each of 64 flat [64, 784] images, as the loader's
  // batches are; shifts of up to 2 each way, then a flip with probability 1.
  std::vector<float> pixels(64 * 784, 0.0f);
  for (int64_t i = 0; i < 64; ++i) pixels[i * 784 + 10 * 28 + 5] = 1.0f;
  Tensor batch = from_vector(pixels, Shape{64, 784});
  data::transforms::Compose augment(
      {data::transforms::RandomShift{2}, data::transforms::RandomHorizontalFlip{1.0}});
  manual_seed(5);
  Tensor out = augment(batch);
  CHECK(out.shape() == Shape{64, 784});
  std::vector<float> v = out.to_vector<float>();
  std::set<std::pair<int64_t, int64_t>> moves;
  for (int64_t i = 0; i < 64; ++i) {
    CAPTURE(i);
    int64_t lit = -1, count = 0;
    for (int64_t k = 0; k < 784; ++k)
      if (v[i * 784 + k] != 0) lit = k, ++count;
    REQUIRE(count == 1);  // the pixel is far enough from the border to stay in the image
    CHECK(v[i * 784 + lit] == 1.0f);
    int64_t row = lit / 28, col = 27 - lit % 28;  // undo the mirror
    CHECK(std::abs(row - 10) <= 2);
    CHECK(std::abs(col - 5) <= 2);
    moves.insert({row - 10, col - 5});
  }
  CHECK(moves.size() > 10);  // 25 possible moves over 64 draws: many of them appear
  manual_seed(5);
  CHECK(allclose(augment(batch), out));
}
