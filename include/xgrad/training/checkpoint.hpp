// Training checkpoints: everything a run needs to continue bitwise where it stopped, in one
// safetensors file written atomically (nn/serialize.hpp: temporary file, fsync, rename). A save
// killed at any point leaves the previous checkpoint complete under its name.
//
//   training::TrainingState run{.model = model.get(), .optimizer = &opt, .scheduler = &sched,
//                            .loader = &loader};
//   for (...) { ...; run.epoch = epoch + 1; training::save_checkpoint("run.ckpt", run); }
//   // later, in a fresh process: build the same model, optimizer, scheduler and loader, then
//   training::load_checkpoint("run.ckpt", run);   // run.epoch, run.step, run.metadata are read back
//
// The file holds "model.*", "optimizer.*" and "scheduler.*" state_dicts, the generator's state,
// the DataLoader's position, and in its metadata the format version, epoch, step and the user's
// entries ("user.<key>"). LambdaLR's functions are not saved (build it with the same ones).
#pragma once

#include <cstdint>
#include <string>

#include "xgrad/autograd/random.hpp"
#include "xgrad/data/dataset.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/serialize.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"

namespace xgrad::training {

/// The checkpoint format version this xgrad writes; it reads this version and older ones.
inline constexpr int kCheckpointVersion = 1;

/// The parts of a run a checkpoint saves and restores. Null parts are skipped (the model and
/// the optimizer are required); epoch, step and metadata are written, and read back on load.
struct TrainingState {
  nn::Module* model = nullptr;               ///< its state_dict (parameters and buffers)
  optim::Optimizer* optimizer = nullptr;     ///< its state_dict (options and buffers)
  optim::Scheduler* scheduler = nullptr;     ///< optional: its state_dict
  data::DataLoader* loader = nullptr;        ///< optional: its position (DataLoader::state)
  Generator* generator = &default_generator();  ///< the random engine's position
  int64_t epoch = 0;                         ///< the user's epoch counter
  int64_t step = 0;                          ///< the user's step counter
  nn::Metadata metadata = {};                ///< the user's own entries (strings)
};

/// Writes `state` to `path` atomically, after removing stale temporaries of earlier saves that
/// were killed (nn::remove_stale_temporaries).
void save_checkpoint(const std::string& path, const TrainingState& state);

/// Restores every non-null part of `state` from `path` and sets its epoch, step and metadata.
/// A file of a newer format version, or one with a dtype this xgrad does not read, is refused with
/// an error naming the file and both versions; a part the file lacks (a scheduler, a loader) is
/// an error. The file's version, tensors and parts are checked before any part is changed.
void load_checkpoint(const std::string& path, TrainingState& state);

}  // namespace xgrad::training
