// libFuzzer harness: safetensors checkpoints (header length, header JSON, dtypes, shapes, offsets,
// data) through nn::load_checkpoint, and Module::load_state_dict through nn::load, strict and not.
#include "fuzz_util.hpp"
#include "xgrad/nn/container.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/nn/serialize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = xgrad_fuzz::write(
      "in.safetensors", std::string_view(reinterpret_cast<const char*>(data), size));
  xgrad_fuzz::expect_success_or_error([&] { xgrad::nn::load_checkpoint(path); });
  // The seeds hold this model's state: weight [3, 2] / bias [3], then a BatchNorm1d's buffers.
  static xgrad::nn::Sequential model(xgrad::nn::Linear(2, 3), xgrad::nn::BatchNorm1d(3));
  xgrad_fuzz::expect_success_or_error([&] { xgrad::nn::load(model, path, true); });
  xgrad_fuzz::expect_success_or_error([&] { xgrad::nn::load(model, path, false); });
  return 0;
}
