/// \file
/// Training logs: per-epoch metrics as CSV and as TensorBoard event files.
///
/// \code{.cpp}
///   logging::TrainingLog log("runs/digits");           // runs/digits/metrics.csv and
///   for (int epoch = 0; epoch < 100; ++epoch) {          //
///   runs/digits/events.out.tfevents.<time>.<host>
///     ...
///     log.log_epoch(epoch, {{"train/loss", loss}, {"test/accuracy", acc}});
///   }
///   // then: tensorboard --logdir runs
/// \endcode
///
/// The event files are TensorBoard's own format: TFRecord framing (uint64 length, masked CRC32C
/// of the length, the data, masked CRC32C of the data) around tensorboard.Event protocol buffers,
/// the first holding file_version "brain.Event:2", each later one a Summary of scalar values.
/// They need protobuf at build time (Debian: libprotobuf-dev, protobuf-compiler); a build without
/// it writes CSV only and raises an error when asked for an event file.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xgrad::logging {

/// Metric names and values, in the order they are to appear.
using Metrics = std::vector<std::pair<std::string, double>>;

/// Whether this build can write TensorBoard event files.
bool tensorboard_available();

/// Writes scalars to a TensorBoard event file, as torch.utils.tensorboard.SummaryWriter's
/// add_scalar. Creates `logdir` (and its parents) if needed; each event is flushed as written, so
/// that a run killed midway leaves a readable file.
class SummaryWriter {
 public:
  /// Creates `logdir` and a new event file in it; throws xgrad::Error in a build without protobuf
  /// or when the file cannot be written.
  explicit SummaryWriter(const std::string& logdir);
  ~SummaryWriter();
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  /// wall_time: seconds since the epoch (now when absent).
  void add_scalar(const std::string& tag, double value, int64_t step,
                  std::optional<double> wall_time = {});
  /// Several scalars of one step in one event.
  void add_scalars(const Metrics& values, int64_t step, std::optional<double> wall_time = {});
  /// Flushes the file (each event already is).
  void flush();
  /// Closes the file (the destructor does too); throws xgrad::Error if closing fails. Adding to a
  /// closed writer throws xgrad::Error.
  void close();
  /// The event file: `<logdir>/events.out.tfevents.<seconds>.<hostname>`
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);
  std::string path_;
  std::unique_ptr<std::ofstream> out_;  // (a pointer: <fstream> stays out of users' compiles)
};

/// Appends one row per epoch to a CSV file: `"epoch,<metric names>"` as header (written with the
/// first row), then `"<epoch>,<values>"` with each value in its shortest exact form. Every row must
/// name the same metrics in the same order.
class CsvLogger {
 public:
  /// Creates (or truncates) `path`, making its folder; throws xgrad::Error when it cannot be
  /// written.
  explicit CsvLogger(const std::string& path);
  ~CsvLogger();
  /// Takes over the file; the logger moved from refuses to log.
  CsvLogger(CsvLogger&&) noexcept;
  /// Takes over the file; the logger moved from refuses to log.
  CsvLogger& operator=(CsvLogger&&) noexcept;
  /// Appends the row of `epoch`; throws xgrad::Error for no metrics, an empty name or one with a
  /// comma, quote or line break, or other names than the first row's.
  void log(int64_t epoch, const Metrics& metrics);
  /// The CSV file.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<std::ofstream> out_;
  std::vector<std::string> columns_;
};

/// Which logs TrainingLog writes.
struct TrainingLogOptions {
  bool csv = true;          ///< `<logdir>/metrics.csv`
  bool tensorboard = true;  ///< `<logdir>/events.out.tfevents.*`
};

/// Both logs in one directory, one call per epoch.
class TrainingLog {
 public:
  /// Creates `logdir` and the logs `options` asks for; throws xgrad::Error as CsvLogger and
  /// SummaryWriter do.
  explicit TrainingLog(const std::string& logdir, TrainingLogOptions options = {});
  /// Writes the epoch's metrics to every log (the epoch is TensorBoard's step).
  void log_epoch(int64_t epoch, const Metrics& metrics);
  /// The folder of the logs.
  const std::string& logdir() const { return logdir_; }
  /// The files written (empty when that log is off).
  std::string csv_path() const { return csv_ ? csv_->path() : std::string(); }
  /// The TensorBoard event file (empty when that log is off).
  std::string event_path() const { return events_ ? events_->path() : std::string(); }

 private:
  std::string logdir_;
  std::optional<CsvLogger> csv_;
  std::optional<SummaryWriter> events_;
};

/// The records of a TFRecord file, each checked against its two CRCs; errors name the file, the
/// record and what is wrong (truncated, length CRC, data CRC).
std::vector<std::string> read_tfrecords(const std::string& path);
/// One TFRecord frame around `data`.
std::string tfrecord_frame(const std::string& data);

}  // namespace xgrad::logging
