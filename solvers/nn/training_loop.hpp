// The step loop every learning module shares: one or several modules, each
// with its own optimizer (any of nn/optimizer.hpp), data-parallel gradients,
// NaN/divergence checks, gradient clipping, learning-rate schedules,
// best-model selection on a validation metric, and checkpoints that resume
// bit for bit (parameters and optimizer state). The pipeline's checkpoint
// polling and progress printing come in as callbacks, so this library does
// not depend on the pipeline.
//
// One loop step (every rank, in lock step): for each module in order (e.g.
// critic, then generator), updates_per_step times: zero its gradients ->
// its loss callback (step, update) -> synchronised_update (sum the loss and
// the gradients over the ranks, reject NaN/Inf or divergence, clip, set the
// schedule's rate of this step, optimizer step) -> its after_update (if any). Then validate() every
// validate_every steps (and at the last) -> keep the best parameters inside
// the selection window -> progress -> poll() (not after the last step) ->
// save_checkpoint() / stop. A module with UpdateOptions::ema_decay also keeps
// a moving average of its parameters; validation, selection and the end of
// the training then use the average (as the reference codes of many flow
// and diffusion papers evaluate their EMA weights).
// Everything is counted in steps: the loop runs options.steps steps, module
// i takes steps * updates_per_step optimizer steps. The loop draws no
// random numbers: the callbacks get (step, update) to key a counter-based
// RNG or an nn::MinibatchSampler, which makes a resumed run identical.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "nn/checks.hpp"
#include "nn/settings.hpp"
#include "nn/synchronised_update.hpp"

namespace structura::nn {

// What the caller's checkpoint policy decides after a step; mirrors the
// pipeline's Checkpointer::Action.
enum class CheckpointAction { Continue, Save, SaveAndStop };

// Finished: all steps ran. Stopped: a SaveAndStop poll ended the run after
// its checkpoint; the caller reports the interruption (exit for requeue).
enum class TrainingStatus { Finished, Stopped };

// One trained module and its optimizer, which must hold module.parameters()
// in that order. Both must outlive the loop.
struct TrainedModule {
  std::string name;  // "model", "critic", "generator": checkpoint group, history, messages
  torch::nn::Module* module = nullptr;
  torch::optim::Optimizer* optimizer = nullptr;
  UpdateOptions update = {};
  // Optional. Called on every rank right after each optimizer step of this
  // module, e.g. a projection onto the model's constraints (an input-convex
  // network's non-negative weights: regularisers::Regulariser::project_weights).
  // Deterministic and identical on every rank, it keeps the ranks in lock step.
  std::function<void()> after_update = {};
};

struct StepRecord {
  std::int64_t step = 0;
  std::vector<UpdateRecord> updates;  // per module: its last update of this step
  std::optional<double> validation;
  // The single module's last update (modules.front()).
  double loss() const { return updates.front().loss; }
};

// Per optimizer step of one module: index = step * updates_per_step + update.
struct ModuleHistory {
  std::vector<double> loss, learning_rate, gradient_norm;
};
struct TrainingHistory {
  std::vector<ModuleHistory> modules;  // in module order
  std::vector<double> validation;      // per loop step; NaN where none was computed
};

struct TrainingCallbacks {
  // The loss of one update: this rank's share, already divided by the
  // GLOBAL batch size, backward() called on it, its value returned.
  // Gradients are zeroed before the call. With one module either
  // loss_and_gradients(step) or losses = {f(step, update)}; with several,
  // `losses` holds one per module, in module order.
  std::function<double(std::int64_t step)> loss_and_gradients = {};
  std::vector<std::function<double(std::int64_t step, std::int64_t update)>> losses = {};
  // Optional. A metric of the parameters after `step`, lower is better;
  // rank 0's value is used on every rank (reduce inside if sharded).
  std::function<double(std::int64_t step)> validate = {};
  // Optional. Called after every step on every rank.
  std::function<void(const StepRecord&)> progress = {};
  // Optional. Collective; called after every step but the last.
  std::function<CheckpointAction()> poll = {};
  // Required when poll can ask to save. Collective: typically opens the
  // checkpoint group and calls TrainingLoop::save_state on it.
  std::function<void()> save_checkpoint = {};
};

class TrainingLoop {
public:
  // One module, named "model".
  TrainingLoop(torch::nn::Module& model, torch::optim::Optimizer& optimizer, mpi::Comm comm, TrainingOptions options,
               UpdateOptions update = {});
  // Several modules, updated in this order in every step. Names must be
  // distinct. InputError for invalid options.
  TrainingLoop(std::vector<TrainedModule> modules, mpi::Comm comm, TrainingOptions options);

  // Runs from next_step() to the end or to a SaveAndStop. A fresh training
  // first copies rank 0's parameters to every rank. Throws NumericalError
  // naming the step and the value when a loss or a gradient norm stops
  // being finite or a loss diverges (nn/checks.hpp).
  TrainingStatus run(const TrainingCallbacks& callbacks);

  // Everything a resume needs, into `group` (collective on a parallel
  // file; overwrites an earlier save):
  //   attributes steps, next_step, best_step, best_metric
  //   history/validation, history/<module>/{loss, learning_rate, gradient_norm}
  //   best_parameters (all modules' parameters, flattened in order; if selected)
  //   modules/<module>/{parameters, buffers, optimizer} (attribute updates_per_step)
  //   modules/<module>/ema (its averaged parameters, flattened; if it has ema_decay)
  void save_state(h5::Group& group) const;
  // Restores a save_state into this loop, its modules and optimizers.
  // Throws InputError if the group was written for another number of steps,
  // other modules or another architecture.
  void load_state(const h5::Group& group);

  std::int64_t next_step() const { return next_step_; }
  const TrainingHistory& history() const { return history_; }
  const std::vector<TrainedModule>& modules() const { return modules_; }
  const TrainingOptions& options() const { return options_; }
  // The step whose parameters were selected, if any validation fell in the
  // selection window.
  std::optional<std::int64_t> best_step() const;
  double best_metric() const { return best_metric_; }
  // The moving average of module i's parameters (empty without ema_decay,
  // or before run()).
  const std::vector<torch::Tensor>& ema_parameters(std::size_t module) const { return ema_.at(module); }

private:
  std::vector<torch::Tensor> all_parameters() const;
  void maybe_select(std::int64_t step, double metric);
  void restore_best_parameters();
  bool has_ema() const;
  void start_ema();
  void update_ema(std::size_t module);
  // Exchanges the parameters of every module that has an average with the
  // average (twice restores them).
  void swap_ema();

  std::vector<TrainedModule> modules_;
  mpi::Comm comm_;
  TrainingOptions options_;
  std::int64_t selection_start_;  // first step of the selection window

  std::int64_t next_step_ = 0;
  TrainingHistory history_;
  std::vector<DivergenceCheck> divergence_;  // per module
  std::int64_t best_step_ = -1;
  double best_metric_ = std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best_parameters_;  // deep copies, in all_parameters() order
  std::vector<std::vector<torch::Tensor>> ema_;  // per module; empty where it has no ema_decay
};

}  // namespace structura::nn
