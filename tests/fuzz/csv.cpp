// libFuzzer harness: CSV files, plain or gzip-compressed (read_file tells them by their magic), through
// read_csv_table, read_csv_dataset and sniff_csv. The first byte picks the options.
#include "fuzz_util.hpp"
#include "xgrad/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t opt = data[0];
  std::string path = xgrad_fuzz::write(
      "in.csv", std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  xgrad::data::CsvOptions o;
  o.header = opt & 1;
  static const char delims[] = {',', ';', ' ', '\t'};
  o.delimiter = delims[(opt >> 1) & 3];
  o.dtype = (opt & 8) ? xgrad::kFloat64 : xgrad::kFloat32;
  o.label_column = (opt & 16) ? 0 : -1;
  if (opt & 32) o.drop_columns = {1};
  if (opt & 64) o.drop_columns.push_back(-1);
  o.label_dtype = (opt & 128) ? xgrad::kFloat32 : xgrad::kInt64;
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::read_csv_table(path, o); });
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::read_csv_dataset(path, o); });
  xgrad_fuzz::expect_success_or_error([&] { xgrad::data::sniff_csv(path, {0}); });
  return 0;
}
