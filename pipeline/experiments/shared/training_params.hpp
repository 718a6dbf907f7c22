// The `[training]` table every learning kind shares: optimizer, learning-rate
// schedule, length, batch, checks, model selection, seed, checkpoints and
// libtorch settings, declared once (add_training_params) and read once
// (read_training). No libtorch here: `structura validate` checks the values
// without it. A kind counts its training in epochs of its own definition
// (a pass over its data, one step on fresh samples, ...) and converts them to
// optimizer steps once, in loop_options/update_options.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "nn/schedule.hpp"
#include "nn/settings.hpp"

namespace structura::pipeline {

// The defaults and wording a kind gives the shared table.
struct TrainingTableDefaults {
  std::int64_t epochs = 1000;
  std::string epochs_meaning = "epochs: passes over the training data";
  std::int64_t batch = 256;
  std::string batch_meaning = "samples per optimizer step (all ranks together)";
  double learning_rate = 1e-3;
  double beta2 = 0.999, weight_decay = 0;  // the optimizer's other defaults a kind may change
  std::string schedule = "constant";
  std::int64_t step_every = 100;  // step schedule: epochs between decays
  std::int64_t warmup = 1;        // warmup-cosine: epochs of warm-up
  double ema_decay = 0;
  double clip = 0;
  double divergence_factor = 0;
  std::int64_t validate_every = 1;
  double selection_fraction = 0.15;
  std::string dtype = "float32";
  // false: the table has no optimizer keys, because the kind trains several
  // models with optimizers of their own (add_optimizer_params under other
  // tables, TrainingSettings::with_optimizer).
  bool optimizer = true;
};

// <table>.optimizer, learning_rate, betas, eps, weight_decay, amsgrad,
// momentum, dampening, nesterov, alpha, centered: one optimizer. A kind with
// a second optimizer (a critic's) adds the same keys under another table.
void add_optimizer_params(Schema& schema, const std::string& table, double learning_rate);
// The same with other defaults (kind, rate, betas, weight decay, alpha, eps).
void add_optimizer_params(Schema& schema, const std::string& table, const nn::OptimizerOptions& defaults);
// Validated: InputError naming <table>.<key>.
nn::OptimizerOptions read_optimizer(const Config& config, const std::string& table);

// The optimizer keys above plus <table>.epochs, batch, schedule, gamma,
// step_every, min_learning_rate, pct_start, warmup, ema_decay, clip, divergence_factor,
// validate_every, selection_fraction, seed, checkpoint_every, device, dtype,
// threads.
void add_training_params(Schema& schema, const std::string& table, const TrainingTableDefaults& defaults);

struct TrainingSettings {
  std::string table;  // "training": where the keys live, for messages
  std::int64_t epochs = 1, batch = 1;
  nn::OptimizerOptions optimizer;
  std::string schedule = "constant";
  nn::ScheduleParameters schedule_parameters;  // step_every in epochs
  double clip = 0, divergence_factor = 0;
  double ema_decay = 0;  // moving average of the weights (0: none)
  std::int64_t validate_every = 1;  // epochs
  double selection_fraction = 0.15;
  std::uint64_t seed = 0;             // <table>.seed, or experiment.seed when that is -1
  std::int64_t checkpoint_every = 0;  // epochs; 0: by run.checkpoint_interval alone
  std::string device = "cpu", dtype = "float32";
  int threads = 1;

  // The loop and update options for `steps_per_epoch` optimizer steps per
  // epoch (loop steps = epochs * steps_per_epoch; validate_every and the
  // step schedule's step_every scale the same way). InputError naming
  // <table>.epochs when the step count overflows, <table>.<key> for a
  // schedule it cannot run.
  nn::TrainingOptions loop_options(const std::string& name, std::int64_t steps_per_epoch) const;
  nn::UpdateOptions update_options(std::int64_t steps_per_epoch) const;
  std::int64_t checkpoint_every_steps(std::int64_t steps_per_epoch) const;
  // This training with `optimizer` (and its rate as the schedule's).
  TrainingSettings with_optimizer(const nn::OptimizerOptions& optimizer) const;
};

// Reads and validates the table (the optimizer and the schedule for one
// step per epoch, so `validate` catches what the run would refuse).
// with_optimizer false: a table declared with TrainingTableDefaults::optimizer
// false; `optimizer` keeps its defaults until with_optimizer.
TrainingSettings read_training(const Config& config, const std::string& table, bool with_optimizer = true);

}  // namespace structura::pipeline
