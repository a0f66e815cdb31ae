// libFuzzer harness: the train/test index lists (JSON) through read_split_indices.
#include "fuzz_util.hpp"
#include "xgrad/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path =
      xgrad_fuzz::write("split.json", std::string_view(reinterpret_cast<const char*>(data), size));
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::read_split_indices(path); });
  return 0;
}
