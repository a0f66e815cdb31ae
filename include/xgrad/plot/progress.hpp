/// \file
/// Training feedback on stderr: a live progress bar (epoch, batch, loss, elapsed, ETA) when stderr
/// is a terminal, one plain line per epoch when it is not (CI logs stay readable), nothing when
/// quiet.
///
/// \code{.cpp}
///   plot::Progress progress(epochs, loader.size(), {.quiet = quiet});
///   for (...epochs...) {
///     for (auto [x, y] : loader) { ...; progress.batch(loss.item()); }
///     progress.end_epoch({{"accuracy", acc}});
///   }
/// \endcode
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace xgrad::plot {

/// How Progress reports.
struct ProgressOptions {
  bool quiet = false;  ///< Print nothing.
  /// automatic, a live bar, or one line per epoch.
  enum class Mode { automatic, bar, lines };
  Mode mode = Mode::automatic;  ///< automatic: bar when stderr is a terminal (isatty), else lines
  int64_t every = 1;            ///< an epoch line every `every` epochs (and after the last)
  std::ostream* out = nullptr;  ///< default std::cerr
};

/// A progress bar or per-epoch lines for a training loop (see the file's description).
class Progress {
 public:
  /// A report for `epochs` epochs (at least 1) of `batches_per_epoch` batches (0: unknown); throws
  /// xgrad::Error for other counts.
  Progress(int64_t epochs, int64_t batches_per_epoch, ProgressOptions options = {});
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// One batch done with this loss; the epoch's loss is the mean of its batches'.
  void batch(double loss);
  /// Ends the epoch: prints its line (when due) with the mean loss and the given metrics.
  void end_epoch(const std::vector<std::pair<std::string, double>>& metrics = {});
  /// Clears a live bar; called by the destructor.
  void finish();

  /// True when a live bar is drawn (else lines or nothing).
  bool is_bar() const { return bar_; }
  /// Epochs ended so far.
  int64_t epoch() const { return epoch_; }  // epochs ended so far
  double epoch_loss() const;                ///< mean loss of the current epoch's batches so far
  /// Seconds since construction.
  double elapsed_seconds() const;

 private:
  void draw_bar(bool force);

  int64_t epochs_, batches_;
  ProgressOptions options_;
  std::ostream* out_;
  bool bar_ = false, bar_visible_ = false;
  int64_t epoch_ = 0, batch_ = 0;
  double loss_sum_ = 0;
  int64_t start_ns_ = 0, last_draw_ns_ = 0;  // steady clock, in nanoseconds
};

/// "12.3s", "4:05", "1:02:03".
std::string format_duration(double seconds);

}  // namespace xgrad::plot
