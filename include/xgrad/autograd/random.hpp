// The random engine behind rand, randn, randint, randperm, bernoulli, dropout and the shuffling
// DataLoader: Philox keyed by a seed, with a counter of the numbers drawn so far, so the same seed
// gives the same numbers on CPU and CUDA. One process-wide Generator (default_generator()) serves
// every draw; it is guarded by a mutex, so threads may draw at once (in an unspecified order).
//
//   manual_seed(0);                                  // as torch.manual_seed
//   auto saved = default_generator().get_state();    // 16 bytes: seed and offset
//   ... draws ...
//   default_generator().set_state(saved);            // the same draws again
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace xgrad {

/// The engine's position: its seed and how many numbers have been drawn. Setting a saved state
/// back makes the next draws repeat (gradient checkpointing replays dropout masks this way).
struct RngState {
  uint64_t seed = 0;    ///< the Philox key
  uint64_t offset = 0;  ///< numbers drawn since the seed was set
};

/// A seeded random engine with a state that can be saved and restored (thread-safe).
class Generator {
 public:
  /// PyTorch's default seed, the one a process starts with.
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;
  /// The size of get_state()'s bytes: the seed and the offset, each 8 bytes little-endian.
  static constexpr size_t kStateSize = 16;

  /// A generator at the start of `seed`'s sequence.
  explicit Generator(uint64_t seed = kDefaultSeed);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  /// Restarts the sequence of `seed` (offset 0).
  void manual_seed(uint64_t seed);
  /// The current seed.
  uint64_t seed() const;
  /// The position as a struct.
  RngState state() const;
  /// Moves to a position taken with state().
  void set_state(const RngState& state);
  /// The position as kStateSize bytes, for checkpoints.
  std::vector<uint8_t> get_state() const;
  /// Moves to a position taken with get_state(); throws when the size is not kStateSize.
  void set_state(const std::vector<uint8_t>& bytes);
  /// Reserves the next `n` counter values for one draw: returns the seed and the first offset.
  RngState take(uint64_t n);

 private:
  struct Lock;  // a std::mutex, kept out of this header (users' compile time)
  std::unique_ptr<Lock> lock_;
  RngState state_;
};

/// The process-wide generator every random op draws from.
Generator& default_generator();

/// Seeds the default generator (as torch.manual_seed).
void manual_seed(uint64_t seed);
/// The default generator's position.
RngState get_rng_state();
/// Moves the default generator to a saved position.
void set_rng_state(const RngState& state);

}  // namespace xgrad
