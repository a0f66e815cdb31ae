// Training logs (logging/logging.hpp): CRC32C against RFC 3720's vectors, TFRecord framing read
// back with every CRC checked by hand, the events decoded again with protobuf, the CSV file, and
// every error path.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "logging/crc32c.hpp"
#include "xgrad/logging/logging.hpp"
#include "test_util.hpp"
#include "xgrad/xgrad.hpp"

#ifdef XGRAD_WITH_PROTOBUF
#include "event.pb.h"
#endif

using namespace xgrad;
using test_util::contains;
using test_util::error_of;
namespace fs = std::filesystem;

namespace {

std::string scratch_dir(const std::string& name) {
  fs::path dir = fs::path(XGRAD_BINARY_DIR) / "test_logging" / name;
  fs::remove_all(dir);
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}


}  // namespace

TEST_CASE("CRC32C gives RFC 3720's check values, and masking round-trips") {
  using logging::crc32c;
  std::string zeros(32, '\0'), ones(32, '\xff'), up(32, 0), down(32, 0);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<char>(i);
    down[i] = static_cast<char>(31 - i);
  }
  CHECK(crc32c(zeros) == 0x8A9136AAu);
  CHECK(crc32c(ones) == 0x62A8AB43u);
  CHECK(crc32c(up) == 0x46DD794Eu);
  CHECK(crc32c(down) == 0x113FDB5Cu);
  // RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU
  const unsigned char pdu[48] = {0x01, 0xc0, 0, 0, 0, 0, 0,    0, 0,    0, 0, 0,    0, 0, 0, 0,
                                 0x14, 0,    0, 0, 0, 0, 0x04, 0, 0,    0, 0, 0x14, 0, 0, 0, 0x18,
                                 0x28, 0,    0, 0, 0, 0, 0,    0, 0x02, 0, 0, 0,    0, 0, 0, 0};
  CHECK(crc32c(pdu, sizeof pdu) == 0xD9963A56u);
  CHECK(crc32c("123456789") == 0xE3069283u);  // the usual check value of CRC-32C
  // continuing a CRC over pieces equals the CRC of the whole
  CHECK(crc32c(up.data() + 10, 22, crc32c(up.data(), 10)) == 0x46DD794Eu);
  for (uint32_t v : {0u, 1u, 0x8A9136AAu, 0xFFFFFFFFu})
    CHECK(logging::unmask_crc32c(logging::mask_crc32c(v)) == v);
  CHECK(logging::mask_crc32c(0) == 0xa282ead8u);
}

TEST_CASE(
    "CSV log: a header, then one row per epoch with exact values; mismatched names are refused") {
  std::string dir = scratch_dir("csv");
  {
    logging::CsvLogger csv(dir + "/sub/metrics.csv");
    csv.log(0, {{"loss", 0.5}, {"accuracy", 0.25}});
    csv.log(1, {{"loss", 0.1}, {"accuracy", 1.0 / 3.0}});
    CHECK(contains(error_of([&] {
                     csv.log(2, {{"accuracy", 1.0}, {"loss", 0.1}});
                   }),
                   "epoch 2 names the metrics accuracy,loss, the header has loss,accuracy"));
    CHECK(contains(error_of([&] { csv.log(2, {}); }), "no metrics given for epoch 2"));
  }
  CHECK(read_file(dir + "/sub/metrics.csv") ==
        "epoch,loss,accuracy\n0,0.5,0.25\n1,0.1,0.3333333333333333\n");
  logging::CsvLogger bad(dir + "/bad.csv");
  CHECK(contains(error_of([&] {
                   bad.log(0, {{"a,b", 1.0}});
                 }),
                 "metric name \"a,b\" must be non-empty"));
  CHECK(contains(error_of([&] { logging::CsvLogger(dir + "/sub/metrics.csv/x.csv"); }),
                 "CsvLogger: cannot create"));
}

#ifdef XGRAD_WITH_PROTOBUF

namespace {
uint64_t le(const std::string& s, size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(s[pos + i])) << (8 * i);
  return v;
}
}  // namespace

TEST_CASE(
    "TensorBoard event file: TFRecord frames with valid CRCs around Events that decode to the "
    "values") {
  std::string dir = scratch_dir("events");
  logging::TrainingLog log(dir);
  const std::vector<double> losses = {2.5, 1.25, 0.0625, 1e-7};
  for (int epoch = 0; epoch < 4; ++epoch)
    log.log_epoch(epoch, {{"train/loss", losses[epoch]}, {"test/accuracy", 0.1 * epoch}});
  std::string path = log.event_path();
  std::string name = fs::path(path).filename().string();
  CHECK(name.rfind("events.out.tfevents.", 0) == 0);
  CHECK(fs::path(path).parent_path() == fs::path(dir));

  // Every frame by hand: length, masked CRC of the length, data, masked CRC of the data.
  std::string bytes = read_file(path);
  std::vector<std::string> frames;
  size_t pos = 0;
  while (pos < bytes.size()) {
    REQUIRE(bytes.size() - pos >= 16);
    uint64_t len = le(bytes, pos, 8);
    CHECK(le(bytes, pos + 8, 4) == logging::mask_crc32c(logging::crc32c(bytes.data() + pos, 8)));
    REQUIRE(bytes.size() - pos - 16 >= len);
    std::string data = bytes.substr(pos + 12, len);
    CHECK(le(bytes, pos + 12 + len, 4) == logging::mask_crc32c(logging::crc32c(data)));
    frames.push_back(data);
    pos += 16 + len;
  }
  CHECK(pos == bytes.size());
  REQUIRE(frames.size() == 5);
  CHECK(logging::read_tfrecords(path) == frames);

  tensorboard::Event first;
  REQUIRE(first.ParseFromString(frames[0]));
  CHECK(first.file_version() == "brain.Event:2");
  CHECK(first.wall_time() > 1.7e9);
  for (int epoch = 0; epoch < 4; ++epoch) {
    tensorboard::Event e;
    REQUIRE(e.ParseFromString(frames[epoch + 1]));
    CHECK(e.step() == epoch);
    CHECK(e.wall_time() >= first.wall_time());
    REQUIRE(e.has_summary());
    REQUIRE(e.summary().value_size() == 2);
    CHECK(e.summary().value(0).tag() == "train/loss");
    CHECK(e.summary().value(0).simple_value() == static_cast<float>(losses[epoch]));
    CHECK(e.summary().value(1).tag() == "test/accuracy");
    CHECK(e.summary().value(1).simple_value() == static_cast<float>(0.1 * epoch));
  }
  CHECK(read_file(log.csv_path()).rfind("epoch,train/loss,test/accuracy\n0,2.5,0\n", 0) == 0);

  // The encoding is protobuf's wire format with TensorBoard's field numbers: step is field 2
  // (varint: tag byte 0x10), summary field 5 (length-delimited: 0x2a), file_version field 3 (0x1a).
  CHECK(frames[0].find(std::string("\x1a\x0d"
                                   "brain.Event:2",
                                   15)) != std::string::npos);
  CHECK(frames[2].find(std::string("\x10\x01\x2a", 3)) != std::string::npos);
}

TEST_CASE(
    "SummaryWriter: scalars one by one, explicit wall time, and a second writer in the same "
    "second") {
  std::string dir = scratch_dir("writer");
  logging::SummaryWriter a(dir), b(dir);
  CHECK(a.path() != b.path());
  a.add_scalar("lr", 0.01, 7, 1234.5);
  a.close();
  CHECK(contains(error_of([&] { a.add_scalar("lr", 0.01, 8); }), "is closed"));
  CHECK(contains(error_of([&] { b.add_scalar("", 1.0, 0); }), "the tag is empty"));
  auto records = logging::read_tfrecords(a.path());
  REQUIRE(records.size() == 2);
  tensorboard::Event e;
  REQUIRE(e.ParseFromString(records[1]));
  CHECK(e.wall_time() == 1234.5);
  CHECK(e.step() == 7);
  CHECK(e.summary().value(0).tag() == "lr");
  CHECK(e.summary().value(0).simple_value() == 0.01f);
}

#endif

TEST_CASE("read_tfrecords finds a bad length CRC, a bad data CRC and a truncated record") {
  std::string dir = scratch_dir("corrupt");
  fs::create_directories(dir);
  std::string good = logging::tfrecord_frame("hello") + logging::tfrecord_frame("world!");
  write_file(dir + "/ok", good);
  CHECK(logging::read_tfrecords(dir + "/ok") == std::vector<std::string>{"hello", "world!"});

  std::string bad_len = good;
  bad_len[8] ^= 1;
  write_file(dir + "/len", bad_len);
  CHECK(contains(error_of([&] { logging::read_tfrecords(dir + "/len"); }),
                 "record 0 at byte 0: the CRC of the length"));

  std::string bad_data = good;
  bad_data[good.size() - 6] ^= 0x20;  // a byte of "world!"
  write_file(dir + "/data", bad_data);
  std::string e = error_of([&] { logging::read_tfrecords(dir + "/data"); });
  CHECK(contains(e, "/data\", record 1 at byte 21: the CRC of the data does not match"));

  write_file(dir + "/short", good.substr(0, good.size() - 3));
  CHECK(contains(error_of([&] { logging::read_tfrecords(dir + "/short"); }),
                 "record 1 at byte 21: truncated data"));
  write_file(dir + "/shorter", good.substr(0, 25));
  CHECK(contains(error_of([&] { logging::read_tfrecords(dir + "/shorter"); }), "truncated header"));
  CHECK(contains(error_of([&] { logging::read_tfrecords(dir + "/missing"); }), "cannot open"));
}

TEST_CASE("without protobuf the event writer says so; with it, TrainingLog writes both files") {
  std::string dir = scratch_dir("both");
  if (!logging::tensorboard_available()) {
    CHECK(
        contains(error_of([&] { logging::SummaryWriter w(dir); }), "configured without protobuf"));
    logging::TrainingLog csv_only(dir, {.tensorboard = false});
    CHECK(csv_only.event_path().empty());
    return;
  }
  logging::TrainingLog log(dir, {.csv = false});
  CHECK(log.csv_path().empty());
  CHECK(fs::exists(log.event_path()));
}
