#include "xgrad/logging/logging.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "xgrad/autograd/core.hpp"
#include "logging/crc32c.hpp"

#ifdef XGRAD_WITH_PROTOBUF
#include "event.pb.h"
#endif

namespace xgrad::logging {

namespace fs = std::filesystem;

namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void make_dir(const std::string& dir, const char* who) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(std::string(who) + ": cannot create the directory \"" + dir + "\"" +
                (ec ? ": " + ec.message() : std::string()));
}

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

std::string hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

#ifdef XGRAD_WITH_PROTOBUF
std::string encode(const tensorboard::Event& e) {
  std::string s;
  if (!e.SerializeToString(&s)) throw Error("SummaryWriter: could not encode an event");
  return s;
}
#endif

}  // namespace

std::string tfrecord_frame(const std::string& data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, mask_crc32c(crc32c(out.data(), 8)), 4);
  out += data;
  put_le(out, mask_crc32c(crc32c(data)), 4);
  return out;
}

std::vector<std::string> read_tfrecords(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("read_tfrecords: cannot open \"" + path + "\"");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::string> records;
  size_t pos = 0;
  auto fail = [&](const std::string& what) {
    throw Error("read_tfrecords: \"" + path + "\", record " + std::to_string(records.size()) +
                " at byte " + std::to_string(pos) + ": " + what);
  };
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 12)
      fail("truncated header (" + std::to_string(bytes.size() - pos) + " bytes left)");
    uint64_t len = get_le(&bytes[pos], 8);
    uint32_t len_crc = static_cast<uint32_t>(get_le(&bytes[pos + 8], 4));
    if (len_crc != mask_crc32c(crc32c(&bytes[pos], 8)))
      fail("the CRC of the length does not match");
    if (len > bytes.size() - pos - 12 || bytes.size() - pos - 12 - len < 4)
      fail("truncated data (length " + std::to_string(len) + ")");
    std::string data = bytes.substr(pos + 12, len);
    uint32_t data_crc = static_cast<uint32_t>(get_le(&bytes[pos + 12 + len], 4));
    if (data_crc != mask_crc32c(crc32c(data))) fail("the CRC of the data does not match");
    records.push_back(std::move(data));
    pos += 12 + len + 4;
  }
  return records;
}

// ---- SummaryWriter

bool tensorboard_available() {
#ifdef XGRAD_WITH_PROTOBUF
  return true;
#else
  return false;
#endif
}

SummaryWriter::SummaryWriter(const std::string& logdir) : out_(std::make_unique<std::ofstream>()) {
#ifndef XGRAD_WITH_PROTOBUF
  (void)logdir;
  throw Error(
      "SummaryWriter: this build of xgrad writes no TensorBoard event files (it was configured "
      "without "
      "protobuf; install libprotobuf-dev and protobuf-compiler and configure again)");
#else
  make_dir(logdir, "SummaryWriter");
  double t = now_seconds();
  std::string base =
      "events.out.tfevents." + std::to_string(static_cast<int64_t>(t)) + "." + hostname();
  path_ = (fs::path(logdir) / base).string();
  // Two writers in one second would share a name: the later one gets a counter.
  for (int i = 1; fs::exists(path_); ++i)
    path_ = (fs::path(logdir) / (base + "." + std::to_string(i))).string();
  out_->open(path_, std::ios::binary);
  if (!*out_) throw Error("SummaryWriter: cannot open \"" + path_ + "\" for writing");
  tensorboard::Event e;
  e.set_wall_time(t);
  e.set_file_version("brain.Event:2");
  write_record(encode(e));
#endif
}

SummaryWriter::~SummaryWriter() {
  try {
    close();
  } catch (...) {
  }
}

void SummaryWriter::add_scalar(const std::string& tag, double value, int64_t step,
                               std::optional<double> wall_time) {
  add_scalars({{tag, value}}, step, wall_time);
}

void SummaryWriter::add_scalars(const Metrics& values, int64_t step,
                                std::optional<double> wall_time) {
#ifdef XGRAD_WITH_PROTOBUF
  if (!out_->is_open()) throw Error("SummaryWriter: \"" + path_ + "\" is closed");
  tensorboard::Event e;
  e.set_wall_time(wall_time ? *wall_time : now_seconds());
  e.set_step(step);
  tensorboard::Summary* summary = e.mutable_summary();
  for (auto& [tag, value] : values) {
    if (tag.empty()) throw Error("SummaryWriter::add_scalar: the tag is empty");
    tensorboard::Summary::Value* v = summary->add_value();
    v->set_tag(tag);
    v->set_simple_value(static_cast<float>(value));
  }
  write_record(encode(e));
#else
  (void)values, (void)step, (void)wall_time;
#endif
}

void SummaryWriter::write_record(const std::string& data) {
  std::string frame = tfrecord_frame(data);
  out_->write(frame.data(), static_cast<std::streamsize>(frame.size()));
  out_->flush();
  if (!*out_) throw Error("SummaryWriter: writing \"" + path_ + "\" failed");
}

void SummaryWriter::flush() {
  if (out_->is_open()) out_->flush();
}

void SummaryWriter::close() {
  if (!out_->is_open()) return;
  out_->close();
  if (!*out_) throw Error("SummaryWriter: closing \"" + path_ + "\" failed");
}

// ---- CsvLogger

CsvLogger::CsvLogger(const std::string& path)
    : path_(path), out_(std::make_unique<std::ofstream>()) {
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) make_dir(parent.string(), "CsvLogger");
  out_->open(path, std::ios::binary | std::ios::trunc);
  if (!*out_) throw Error("CsvLogger: cannot open \"" + path + "\" for writing");
}

CsvLogger::~CsvLogger() = default;
CsvLogger::CsvLogger(CsvLogger&&) noexcept = default;
CsvLogger& CsvLogger::operator=(CsvLogger&&) noexcept = default;

void CsvLogger::log(int64_t epoch, const Metrics& metrics) {
  if (!out_) throw Error("CsvLogger: this logger was moved from");
  if (metrics.empty())
    throw Error("CsvLogger: \"" + path_ + "\": no metrics given for epoch " +
                std::to_string(epoch));
  if (columns_.empty()) {
    std::string header = "epoch";
    for (auto& [name, _] : metrics) {
      if (name.empty() || name.find_first_of(",\"\n\r") != std::string::npos)
        throw Error("CsvLogger: \"" + path_ + "\": metric name \"" + name +
                    "\" must be non-empty, without commas, quotes or line breaks");
      columns_.push_back(name);
      header += ',';
      header += name;
    }
    *out_ << header << "\n";
  } else {
    bool same = metrics.size() == columns_.size();
    for (size_t i = 0; same && i < metrics.size(); ++i) same = metrics[i].first == columns_[i];
    if (!same) {
      std::string want, got;
      auto join = [](std::string& list, const std::string& name) {
        if (!list.empty()) list += ',';
        list += name;
      };
      for (auto& c : columns_) join(want, c);
      for (auto& [n, _] : metrics) join(got, n);
      throw Error("CsvLogger: \"" + path_ + "\": epoch " + std::to_string(epoch) +
                  " names the metrics " + got + ", the header has " + want);
    }
  }
  std::string row = std::to_string(epoch);
  for (auto& [_, v] : metrics) {
    row += ',';
    row += number(v);
  }
  *out_ << row << "\n";
  out_->flush();
  if (!*out_) throw Error("CsvLogger: writing \"" + path_ + "\" failed");
}

// ---- TrainingLog

TrainingLog::TrainingLog(const std::string& logdir, TrainingLogOptions options) : logdir_(logdir) {
  make_dir(logdir, "TrainingLog");
  if (options.csv) csv_.emplace((fs::path(logdir) / "metrics.csv").string());
  if (options.tensorboard) events_.emplace(logdir);
}

void TrainingLog::log_epoch(int64_t epoch, const Metrics& metrics) {
  if (csv_) csv_->log(epoch, metrics);
  if (events_) events_->add_scalars(metrics, epoch);
}

}  // namespace xgrad::logging
