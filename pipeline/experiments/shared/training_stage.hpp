// A learning kind's train stage runs its nn::TrainingLoop through these:
// run_training connects the loop to the stage (resume from the stage's
// checkpoint, the run's progress line, checkpoint polling on signals and on
// run.checkpoint_interval, periodic checkpoints every <table>.checkpoint_every
// epochs), and write_training_history stores the loop's history in the
// layout every learning kind shares.
//
// History layout, under the kind's group (e.g. /training/<variant>):
//   one module:      loss, learning_rate, gradient_norm   (E,)  one record per optimizer step
//                    validation                           (S,)  per loop step, NaN where not validated
//   several modules: <module>/loss, learning_rate, gradient_norm  (S * k_module,)
//                    <module> attribute updates_per_step = k_module
//                    validation                           (S,)
//   attributes best_step (-1: none validated), best_validation, ranks.
// With one module E = S (loop steps); the kind adds its own attributes
// (epochs, steps per epoch, timings).
#pragma once

#include <cstdint>
#include <string>

#include "core/h5.hpp"
#include "nn/training_loop.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline {

struct TrainingStageOptions {
  std::string label;                       // progress and log lines, e.g. "train/residual"
  std::string unit = "steps";              // what the progress counts (loop steps)
  std::int64_t checkpoint_every_steps = 0;  // besides the Checkpointer's time and signals; 0: off
};

struct TrainingRun {
  std::int64_t first_step = 0;  // where this run started (> 0 when resumed)
  double seconds = 0;           // wall-clock seconds of this run's steps, max over ranks
};

// Resumes `loop` when the stage holds a checkpoint, runs it with the
// callbacks' losses and validation plus the stage's progress, poll and
// checkpoint (callbacks the caller set are kept), and throws Interrupted
// after the checkpoint when a signal stops it. Collective.
TrainingRun run_training(StageContext& ctx, nn::TrainingLoop& loop, nn::TrainingCallbacks callbacks,
                         const TrainingStageOptions& options);

// Writes the layout above into `group` (which the caller made fresh).
void write_training_history(h5::Group& group, const nn::TrainingLoop& loop, int ranks);

}  // namespace structura::pipeline
