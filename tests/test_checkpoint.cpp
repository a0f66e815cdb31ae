// Checkpoints (nn/serialize.hpp): round trips, interop with files written from PyTorch
// (tests/reference/safetensors_interop.py), every validation error, and atomic saving.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <sstream>
#include <string>

#include "xgrad/xgrad.hpp"

using namespace xgrad;
namespace fs = std::filesystem;

namespace {

const std::string kReference = std::string(XGRAD_SOURCE_DIR) + "/tests/reference/";

std::string scratch(const std::string& name) {
  fs::path dir = fs::path(XGRAD_BINARY_DIR) / "test_checkpoint";
  fs::create_directories(dir);
  return (dir / name).string();
}

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream os;
  os << f.rdbuf();
  return os.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file from a header text and `data_bytes` zero bytes of data; the length field is the header's
// unless given.
std::string raw_file(const std::string& header, size_t data_bytes, int64_t length = -1) {
  uint64_t n = length < 0 ? header.size() : static_cast<uint64_t>(length);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + std::string(data_bytes, '\0');
}

std::string load_error(const std::string& name, const std::string& bytes) {
  std::string path = scratch(name);
  write_bytes(path, bytes);
  try {
    nn::load(path);
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK_MESSAGE(msg.find(path) != std::string::npos, "the error does not name the file: " << msg);
    return msg;
  }
  return "(no error)";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The state_dict tests/reference/safetensors_interop.py writes, built the same way.
nn::StateDict interop_expected() {
  nn::StateDict sd;
  sd.insert("layer.weight", arange(12.0).reshape({3, 4}) / 8.0 - 0.75);
  sd.insert("layer.bias", tensor({0.5, -0.25, 1e-3}));
  sd.insert("stats.mean",
            tensor({{std::numbers::pi, std::numbers::e}, {-1.0 / 3.0, 1e-300}}, kFloat64));
  sd.insert(
      "labels",
      from_vector(std::vector<int64_t>{0, -1, int64_t{1} << 40, -(int64_t{1} << 62), 7}, {5}));
  sd.insert("step", from_vector(std::vector<int64_t>{42}, Shape{}));
  sd.insert("scale", scalar_tensor(0.1, kFloat64));
  sd.insert("empty", zeros({0, 3}));
  return sd;
}

const nn::Metadata kInteropMetadata{{"format", "pt"}, {"producer", "safetensors_interop.py"}};

void check_identical(const nn::StateDict& got, const nn::StateDict& want) {
  REQUIRE(got.keys() == want.keys());
  for (auto& [name, w] : want) {
    INFO(name);
    const Tensor& g = got.at(name);
    CHECK(g.dtype() == w.dtype());
    CHECK(g.shape() == w.shape());
    if (w.dtype() == kInt64)
      CHECK(g.to_vector<int64_t>() == w.to_vector<int64_t>());
    else
      CHECK(g.to_vector<double>() == w.to_vector<double>());  // bit for bit
  }
}

}  // namespace

TEST_CASE("a model saved and loaded into a fresh one gives the same outputs") {
  manual_seed(0);
  nn::Sequential model(nn::Linear(6, 5), nn::Tanh(), nn::Linear(5, 3));
  std::string path = scratch("model.safetensors");
  nn::save(model, path, {{"epoch", "3"}});
  manual_seed(1);
  nn::Sequential other(nn::Linear(6, 5), nn::Tanh(), nn::Linear(5, 3));
  Tensor x = randn({4, 6});
  CHECK_FALSE(allclose(model(x), other(x)));
  nn::load(other, path);
  CHECK(allclose(model(x), other(x), 0.0, 0.0));
  auto ck = nn::load_checkpoint(path);
  CHECK(ck.metadata.at("epoch") == "3");
  CHECK(ck.tensors.keys() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
}

TEST_CASE("every dtype, 0-d and empty tensors survive a round trip bit for bit") {
  std::string path = scratch("dtypes.safetensors");
  nn::StateDict sd = interop_expected();
  nn::save(sd, path, kInteropMetadata);
  auto ck = nn::load_checkpoint(path);
  check_identical(ck.tensors, sd);
  CHECK(ck.metadata == kInteropMetadata);
}

TEST_CASE("a state_dict written from PyTorch loads with the exact values") {
  auto ck = nn::load_checkpoint(kReference + "torch_written.safetensors");
  check_identical(ck.tensors, interop_expected());
  CHECK(ck.metadata == kInteropMetadata);
}

TEST_CASE("xgrad writes the bytes PyTorch's reader was checked against") {
  // The committed xgrad_written.safetensors is what safetensors_interop.py reads back and
  // compares with PyTorch's tensors; it must stay what xgrad writes today.
  std::string path = std::string(XGRAD_BINARY_DIR) + "/xgrad_written.safetensors";
  nn::save(interop_expected(), path, kInteropMetadata);
  std::string fixture = kReference + "xgrad_written.safetensors";
  REQUIRE_MESSAGE(fs::exists(fixture), "missing "
                                           << fixture << ": copy " << path << " there and run "
                                           << "tests/reference/safetensors_interop.py check");
  CHECK(read_bytes(path) == read_bytes(fixture));
  // The same layout conventions as the Python writer: the files are identical.
  CHECK(read_bytes(path) == read_bytes(kReference + "torch_written.safetensors"));
}

TEST_CASE("loading a checkpoint into a mismatched model names the file and the key") {
  std::string path = scratch("small.safetensors");
  nn::save(nn::Linear(3, 2), path);
  nn::Linear bigger(4, 2);
  try {
    nn::load(bigger, path);
    FAIL("no error");
  } catch (const Error& e) {
    std::string msg = e.what();
    CHECK(contains(msg, path));
    CHECK(contains(msg, "size mismatch for weight"));
  }
  nn::Linear nobias(3, 2, {.bias = false});
  auto result = nn::load(nobias, path, false);
  CHECK(result.unexpected_keys == std::vector<std::string>{"bias"});
}

// ---------------------------------------------------------------- validation

TEST_CASE("a missing or too short file is an error naming it") {
  CHECK(contains(load_error("short.safetensors", "abc"), "too short for the 8-byte header length"));
  try {
    nn::load(scratch("does-not-exist.safetensors"));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "does-not-exist.safetensors"));
    CHECK(contains(e.what(), "cannot open"));
  }
}

TEST_CASE("a header length beyond the file is refused before reading") {
  CHECK(contains(load_error("len.safetensors", raw_file("{}", 0, 1000)),
                 "header length 1000 exceeds"));
  CHECK(contains(load_error("huge.safetensors", raw_file("{}", 0, int64_t{1} << 62)), "exceeds"));
}

TEST_CASE("a truncated file is refused") {
  std::string path = scratch("full.safetensors");
  nn::save(interop_expected(), path);
  std::string bytes = read_bytes(path);
  CHECK(contains(load_error("cut-data.safetensors", bytes.substr(0, bytes.size() - 5)),
                 "past the data area"));
  CHECK(contains(load_error("cut-header.safetensors", bytes.substr(0, 40)), "exceeds"));
}

TEST_CASE("invalid JSON and malformed entries are refused") {
  CHECK(contains(load_error("json.safetensors", raw_file("{\"a\": [", 0)), "not valid JSON"));
  CHECK(contains(load_error("array.safetensors", raw_file("[1, 2]", 0)), "not a JSON object"));
  CHECK(contains(
      load_error("nodtype.safetensors", raw_file(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4)),
      "tensor \"a\": missing string \"dtype\""));
  CHECK(contains(
      load_error("neg.safetensors",
                 raw_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
      "non-negative"));
  CHECK(contains(load_error("offs.safetensors",
                            raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}})", 4)),
                 "data_offsets"));
  CHECK(contains(load_error("meta.safetensors", raw_file(R"({"__metadata__":{"k":1}})", 0)),
                 "\"__metadata__\" entry \"k\" is not a string"));
}

TEST_CASE("an unsupported dtype is refused, naming it") {
  std::string e =
      load_error("bf16.safetensors",
                 raw_file(R"({"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", 4));
  CHECK(contains(e, "unsupported dtype \"BF16\""));
  CHECK(contains(e, "tensor \"w\""));
}

TEST_CASE("a size that does not match shape and dtype is refused") {
  std::string e =
      load_error("size.safetensors",
                 raw_file(R"({"w":{"dtype":"F32","shape":[3,4],"data_offsets":[0,40]}})", 40));
  CHECK(contains(e, "data_offsets give 40 bytes, but shape [3, 4] of F32 needs 48"));
  CHECK(contains(
      load_error(
          "ovf.safetensors",
          raw_file(R"({"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                   8)),
      "needs more than 2^64"));
}

TEST_CASE("offsets outside the data area, overlapping, or leaving gaps are refused") {
  CHECK(contains(
      load_error("past.safetensors",
                 raw_file(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 8)),
      "reach past the data area of 8 bytes"));
  CHECK(
      contains(load_error("backwards.safetensors",
                          raw_file(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 8)),
               "end before they begin"));
  std::string e = load_error(
      "overlap.safetensors",
      raw_file(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          12));
  CHECK(contains(e, "tensors \"a\" and \"b\" overlap"));
  CHECK(
      contains(load_error("gap.safetensors",
                          raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8)),
               "bytes [0, 4) of the data area belong to no tensor"));
  CHECK(
      contains(load_error("trailing.safetensors",
                          raw_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8)),
               "trailing bytes"));
}

// ---------------------------------------------------------------- atomic saving

namespace {
std::vector<std::string> leftovers(const std::string& path) {
  std::vector<std::string> out;
  fs::path p(path);
  for (auto& entry : fs::directory_iterator(p.parent_path()))
    if (entry.path().filename().string().rfind(p.filename().string() + ".tmp.", 0) == 0)
      out.push_back(entry.path().string());
  return out;
}
}  // namespace

TEST_CASE("a save refused before writing leaves the previous file untouched") {
  std::string path = scratch("keep.safetensors");
  nn::save(nn::Linear(3, 2), path);
  const std::string before = read_bytes(path);
  nn::StateDict bad;
  bad.insert("ok", ones({2}));
  bad.insert("undefined", Tensor());
  CHECK_THROWS_WITH_AS(nn::save(bad, path), doctest::Contains("tensor \"undefined\" is undefined"),
                       Error);
  CHECK(read_bytes(path) == before);
  CHECK(leftovers(path).empty());
}

TEST_CASE(
    "a save that fails while writing (file size limit) leaves the previous file and no temporary") {
  std::string path = scratch("disk-full.safetensors");
  nn::save(nn::Linear(3, 2), path);
  const std::string before = read_bytes(path);
  nn::StateDict big;
  big.insert("w", zeros({512, 1024}));  // 2 MiB, over the limit below

  // Like a full disk: writes past 64 KiB fail with EFBIG (SIGXFSZ ignored so it is an error).
  struct rlimit old {};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string error;
  try {
    nn::save(big, path);
  } catch (const Error& e) {
    error = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);

  CHECK(contains(error, path));
  CHECK(contains(error, "write to"));
  CHECK(contains(error, "previous file is unchanged"));
  CHECK(read_bytes(path) == before);
  CHECK(leftovers(path).empty());
  // And the limit lifted, the same save succeeds.
  nn::save(big, path);
  CHECK(nn::load(path).at("w").shape() == Shape{512, 1024});
}

TEST_CASE("saving into a missing directory is an error naming the path") {
  std::string path = scratch("no/such/dir/model.safetensors");
  CHECK_THROWS_WITH_AS(nn::save(nn::Linear(2, 2), path),
                       doctest::Contains("no/such/dir/model.safetensors"), Error);
}

TEST_CASE("a model on CUDA saves and loads like one on the CPU") {
  if (!cuda::is_available()) {
    MESSAGE("skipped: no CUDA device");
    return;
  }
  manual_seed(2);
  nn::Linear lin(4, 3);
  Tensor x = randn({2, 4});
  Tensor want = lin(x);
  lin.to(kCUDA);
  std::string path = scratch("cuda.safetensors");
  nn::save(lin, path);
  nn::Linear back(4, 3);
  back.to(kCUDA);
  nn::load(back, path);
  CHECK(back->weight.is_cuda());
  CHECK(allclose(back(x.cuda()).cpu(), want, 1e-6, 1e-7));
}
