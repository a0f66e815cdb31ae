// libFuzzer harness: a saved model's architecture (model.json) through nn::load_model, beside a
// fixed model.safetensors (the weights of the seed model: Linear(4, 3), ReLU, Linear(3, 2)). A model
// that loads also runs once on a [2, 4] input.
#include "fuzz_util.hpp"
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/container.hpp"
#include "xgrad/nn/export.hpp"
#include "xgrad/nn/linear.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = [] {
    std::string d = (xgrad_fuzz::scratch() / "model").string();
    xgrad::nn::Sequential seed(xgrad::nn::Linear(4, 3), xgrad::nn::ReLU(), xgrad::nn::Linear(3, 2));
    xgrad::nn::save_model(seed, d);
    return d;
  }();
  xgrad_fuzz::write("model/model.json", std::string_view(reinterpret_cast<const char*>(data), size));
  xgrad_fuzz::expect_success_or_error([&] {
    xgrad::nn::ModulePtr m = xgrad::nn::load_model(dir);
    (*m)(xgrad::zeros({2, 4}));
  });
  return 0;
}
