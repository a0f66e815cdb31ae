#include "xgrad/plot/progress.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "xgrad/autograd/core.hpp"

namespace xgrad::plot {

std::string format_duration(double seconds) {
  char buf[32];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
    return buf;
  }
  long s = std::lround(seconds);
  if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return buf;
}

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Progress::Progress(int64_t epochs, int64_t batches_per_epoch, ProgressOptions options)
    : epochs_(epochs), batches_(batches_per_epoch), options_(options) {
  if (epochs < 1) throw Error("Progress: epochs must be at least 1, got " + std::to_string(epochs));
  if (batches_per_epoch < 0)
    throw Error("Progress: batches_per_epoch must be >= 0 (0: unknown), got " +
                std::to_string(batches_per_epoch));
  if (options_.every < 1) options_.every = 1;
  out_ = options_.out ? options_.out : &std::cerr;
  using Mode = ProgressOptions::Mode;
  bar_ = options_.mode == Mode::bar ||
         (options_.mode == Mode::automatic && out_ == &std::cerr && ::isatty(STDERR_FILENO));
  start_ns_ = last_draw_ns_ = now_ns();
}

Progress::~Progress() {
  try {
    finish();
  } catch (...) {  // a destructor must not throw; the stream's failure is not worth a crash
  }
}

double Progress::elapsed_seconds() const {
  return static_cast<double>(now_ns() - start_ns_) * 1e-9;
}

double Progress::epoch_loss() const {
  return batch_ > 0 ? loss_sum_ / static_cast<double>(batch_) : NAN;
}

void Progress::batch(double loss) {
  ++batch_;
  loss_sum_ += loss;
  if (!options_.quiet && bar_) draw_bar(batch_ == batches_);
}

void Progress::draw_bar(bool force) {
  int64_t now = now_ns();
  if (!force && now - last_draw_ns_ < 100'000'000) return;  // at most 10 draws a second
  last_draw_ns_ = now;
  double elapsed = elapsed_seconds();
  std::string line = "epoch " + std::to_string(epoch_ + 1) + "/" + std::to_string(epochs_) + " ";
  if (batches_ > 0) {
    const int width = 24;
    int64_t shown = std::min(batch_, batches_);
    int filled = static_cast<int>(width * shown / batches_);
    line += '[';
    line.append(static_cast<size_t>(filled), '#');
    line.append(static_cast<size_t>(width - filled), '.');
    line += "] " + std::to_string(shown) + "/" + std::to_string(batches_);
    double done = static_cast<double>(epoch_ * batches_ + shown);
    double total = static_cast<double>(epochs_ * batches_);
    line += " loss " + fixed(epoch_loss(), 4) + "  " + format_duration(elapsed);
    if (done > 0) line += " eta " + format_duration(elapsed / done * (total - done));
  } else {
    line += "batch " + std::to_string(batch_) + " loss " + fixed(epoch_loss(), 4) + "  " +
            format_duration(elapsed);
  }
  *out_ << "\r\x1b[K" << line << std::flush;
  bar_visible_ = true;
}

void Progress::end_epoch(const std::vector<std::pair<std::string, double>>& metrics) {
  ++epoch_;
  bool due = epoch_ % options_.every == 0 || epoch_ == epochs_;
  if (!options_.quiet && due) {
    std::string line = "epoch " + std::to_string(epoch_) + "/" + std::to_string(epochs_);
    if (batch_ > 0) line += "  loss " + fixed(epoch_loss(), 4);
    for (const auto& [name, value] : metrics) line += "  " + name + " " + fixed(value, 4);
    line += "  " + format_duration(elapsed_seconds());
    if (bar_) *out_ << "\r\x1b[K";
    *out_ << line << "\n" << std::flush;
    bar_visible_ = false;
  }
  batch_ = 0;
  loss_sum_ = 0;
}

void Progress::finish() {
  if (bar_visible_ && !options_.quiet) *out_ << "\r\x1b[K" << std::flush;
  bar_visible_ = false;
}

}  // namespace xgrad::plot
