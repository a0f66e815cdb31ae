/// \file
/// Grad mode: whether ops record the graph (on by default, per thread). NoGradGuard turns it off
/// for a scope (optimizer steps, evaluation, initialization), EnableGradGuard on.
#pragma once

namespace xgrad {

/// The switch itself. It is thread_local: a guard on one thread never affects another.
class GradMode {
 public:
  /// Whether ops on this thread record the graph.
  static bool is_enabled();
  /// Turns recording on or off for this thread; prefer the guards, which restore it.
  static void set_enabled(bool on);
};
/// Grad mode off for a scope (this thread); the previous setting comes back at its end.
class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(false);
  }                                                 ///< Turns recording off.
  ~NoGradGuard() { GradMode::set_enabled(prev_); }  ///< Restores the previous setting.
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};
/// Grad mode on for a scope (this thread), e.g. inside a NoGradGuard; restores it at its end.
class EnableGradGuard {
 public:
  EnableGradGuard() : prev_(GradMode::is_enabled()) {
    GradMode::set_enabled(true);
  }                                                     ///< Turns recording on.
  ~EnableGradGuard() { GradMode::set_enabled(prev_); }  ///< Restores the previous setting.
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace xgrad
