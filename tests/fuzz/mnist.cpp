// libFuzzer harness: MNIST-format sets through load_mnist. The input is the images file, the
// separator "XGRADSEP", then the labels file (each plain or gzip-compressed).
#include "fuzz_util.hpp"
#include "xgrad/data/datasets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts =
      xgrad_fuzz::split(std::string_view(reinterpret_cast<const char*>(data), size), "XGRADSEP");
  if (parts.size() != 2) return 0;
  xgrad_fuzz::write("mnist/train-images-idx3-ubyte", parts[0]);
  xgrad_fuzz::write("mnist/train-labels-idx1-ubyte", parts[1]);
  std::string dir = (xgrad_fuzz::scratch() / "mnist").string();
  xgrad::data::MnistOptions o;
  o.num_classes = 10;
  o.flatten = size & 1;
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::load_mnist(dir, true, o); });
  return 0;
}
