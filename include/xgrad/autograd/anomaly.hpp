/// \file
/// Anomaly mode: find the op that made a NaN or an Inf. While it is on, every recorded op keeps
/// its name, its inputs' shapes and dtypes and the place in the user's code that called it; a
/// backward that produces a NaN or Inf gradient throws an xgrad::Error naming all three.
///
///     autograd::DetectAnomalyGuard anomaly;  // or autograd::set_detect_anomaly(true)
///     loss.backward();  // Error: "log" (input [2, 3] float64) called at train.cpp:42 ... gave NaN
///
/// The switch is process-wide, as PyTorch's `torch.autograd.set_detect_anomaly`. Off (the
/// default) it costs one relaxed atomic load per op: nothing is stored, allocated or formatted.
#pragma once

#include <atomic>
#include <cstdint>

namespace xgrad {

/// A place in the user's code: file and line. As a defaulted parameter (`Where loc = {}`) it is
/// filled at the caller's expression, so ops learn who called them; 16 bytes, passed in two
/// registers.
struct Where {
  /// The two facts, as one parameter: Where converts from nothing else, so it never steals an
  /// argument meant for an op's other parameters.
  struct Site {
    const char* file;    ///< source file of the call
    std::uint32_t line;  ///< line of the call
  };
  /// The caller's file and line (the default is evaluated where the call is written).
  constexpr Where(Site s = {__builtin_FILE(), static_cast<std::uint32_t>(__builtin_LINE())}) noexcept
      : file(s.file), line(s.line) {}
  const char* file;    ///< source file of the call, as the compiler spelled it
  std::uint32_t line;  ///< line of the call
};

namespace autograd {

namespace detail {
/// The switch itself, read by every op; use set_detect_anomaly() and is_anomaly_enabled().
extern std::atomic<bool> anomaly_enabled;
}  // namespace detail

/// Turns anomaly mode on or off for every thread. With `check_forward`, ops also check their
/// forward outputs and throw at the first op whose output holds a NaN or an Inf.
void set_detect_anomaly(bool on, bool check_forward = false);
/// Whether anomaly mode is on.
inline bool is_anomaly_enabled() { return detail::anomaly_enabled.load(std::memory_order_relaxed); }
/// Whether anomaly mode also checks forward outputs.
bool is_anomaly_check_forward_enabled();

/// Anomaly mode for a scope; nests, and restores the previous setting when it ends.
class DetectAnomalyGuard {
 public:
  /// Turns anomaly mode on (checking forward outputs too when `check_forward`).
  explicit DetectAnomalyGuard(bool check_forward = false)
      : prev_on_(is_anomaly_enabled()), prev_forward_(is_anomaly_check_forward_enabled()) {
    set_detect_anomaly(true, check_forward);
  }
  /// Restores the setting in force before this guard.
  ~DetectAnomalyGuard() { set_detect_anomaly(prev_on_, prev_forward_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_on_, prev_forward_;
};

}  // namespace autograd
}  // namespace xgrad
