// Every test that reads Debian's Fashion-MNIST (dataset-fashion-mnist, /usr/share/datasets/
// fashion-mnist): the reader on the real files and the examples that train on them. Where the
// data is absent the binary prints why and exits 77, which CTest reports as skipped.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <xgrad/xgrad.hpp>

#include "example_runner.hpp"

using namespace xgrad;
using example_runner::is_svg;
using example_runner::number;
using example_runner::out;
using example_runner::run;
using example_runner::Run;

namespace {

const char* const kVariants[] = {"16-16-1", "8-8-1", "8-8-1-l2", "8-8-1-l2-dropout"};

// Called first in every test case, so a filtered run skips as well.
void skip_without_fashion_mnist() {
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    if (std::filesystem::exists(std::string(data::kFashionMnistDir) + "/" + f)) continue;
    std::printf(
        "test_fashion_mnist: SKIPPED: %s/%s is absent (Debian package dataset-fashion-mnist)\n",
        data::kFashionMnistDir, f);
    std::fflush(stdout);
    std::exit(77);
  }
}

}  // namespace

TEST_CASE("mnist_format trains on Fashion-MNIST and saves the model") {
  skip_without_fashion_mnist();
  std::string ckpt = out("mnist_test.safetensors"), svg = out("mnist_test.svg");
  std::filesystem::remove(ckpt);
  std::string images = out("mnist_images_test");
  std::filesystem::remove(images + "_train.svg");
  std::filesystem::remove(images + "_test.svg");
  Run r = run("mnist_format", "--quiet --epochs 1 --limit 5000 --save " + ckpt + " --plot " + svg +
                                  " --images " + images);
  CHECK(r.status == 0);
  CHECK(number(r, "train_samples") == 5000);
  CHECK(number(r, "augment") == 0);
  CHECK(number(r, "test_accuracy") > 0.4);  // spread over seeds 0-9 x 5 core types: 0.5149-0.691
  CHECK(std::filesystem::exists(ckpt));
  CHECK(std::filesystem::file_size(ckpt) > 11935 * 4);  // 784*15+15 + 15*10+10 float32 values
  // notebook 003's figures: the first 10 training images with their labels, the first 10 test
  // images with the network's predictions
  CHECK(is_svg(images + "_train.svg"));
  CHECK(is_svg(images + "_test.svg"));
}

TEST_CASE("mnist_format --augment trains on shifted and flipped batches, repeatably for a seed") {
  skip_without_fashion_mnist();
  std::string options =
      "--quiet --epochs 1 --limit 2000 --save '' --plot '' --images '' --seed 3 --augment";
  Run a = run("mnist_format", options);
  Run b = run("mnist_format", options);
  CHECK(a.status == 0);
  CHECK(number(a, "augment") == 1);
  CHECK(number(a, "test_accuracy") > 0.2);  // 2,000 images, one epoch: spread 0.3181-0.4629
  CHECK(a.values["test_accuracy"] == b.values["test_accuracy"]);  // the pipeline is seeded
  CHECK(a.values["train_accuracy"] == b.values["train_accuracy"]);
  // deterministic mode: the same numbers on every machine
  Run d = run("mnist_format", options + " --deterministic");
  CHECK(d.values["train_accuracy"] == "0.3910");
  CHECK(d.values["test_accuracy"] == "0.3911");
}

TEST_CASE("mnist_sklearn trains the MLPClassifier recipe and prints the reference beside it") {
  skip_without_fashion_mnist();
  std::string svg = out("mnist_sklearn_test.svg");
  Run r = run("mnist_sklearn", "--quiet --epochs 1 --limit 3000 --plot " + svg);
  CHECK(r.status == 0);
  CHECK(number(r, "train_samples") == 3000);
  CHECK(number(r, "test_accuracy") > 0.55);  // one epoch on 3,000 images: spread 0.6106-0.7149
  CHECK(number(r, "reference_test_accuracy") == 0.8665);
  CHECK(is_svg(svg));
}

TEST_CASE("imdb without --data says IMDB is absent and runs the variants on Fashion-MNIST") {
  skip_without_fashion_mnist();
  Run r = run("imdb", "--quiet --epochs 2 --subset 300 --validation 300 --plots ''");
  CHECK(r.status == 0);
  CHECK(r.values["IMDB"] == "is");  // "IMDB is not present ..."
  CHECK(r.values["data"] == "fashion-mnist-subset");
  CHECK(r.values["framing"] == "binary-shirt-vs-tshirt");
  CHECK(number(r, "epochs") == 2);
  CHECK(number(r, "batch") == 64);  // the subset's default
  CHECK(number(r, "train_samples") == 300);
  CHECK(number(r, "test_samples") == 2000);  // the test file's shirts and T-shirts
  for (const char* name : kVariants) CHECK(number(r, std::string("test_accuracy_") + name) > 0.3);
}

TEST_CASE("fashion_cnn trains its conv-bn-relu-pool network on a subset") {
  skip_without_fashion_mnist();
  Run r = run("fashion_cnn", "--quiet --epochs 1 --limit 3000");
  CHECK(r.status == 0);
  CHECK(number(r, "train_samples") == 3000);
  CHECK(number(r, "epoch_seconds") > 0);
  CHECK(number(r, "test_accuracy") > 0.65);  // one epoch on 3,000 images: 0.7422-0.7799 over seeds 1-3
}

TEST_CASE("load_mnist reads Debian's Fashion-MNIST: 10,000 test images of 28 x 28, labels 0-9") {
  skip_without_fashion_mnist();
  auto test = data::load_mnist(data::kFashionMnistDir, false);
  CHECK(test.x.shape() == Shape{10000, 28, 28});
  CHECK(test.y.max().item() == 9.0);
}
