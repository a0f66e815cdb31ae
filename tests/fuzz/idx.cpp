// libFuzzer harness: IDX files, plain or gzip-compressed, through read_idx.
#include "fuzz_util.hpp"
#include "xgrad/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path =
      xgrad_fuzz::write("in.idx", std::string_view(reinterpret_cast<const char*>(data), size));
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::read_idx(path, 255.0); });
  return 0;
}
