// The epoch loop every learning module shares: data-parallel gradients,
// NaN/divergence checks, gradient clipping, a learning-rate schedule,
// best-model selection on a validation metric, and checkpoints that resume
// bit for bit. The pipeline's checkpoint polling and progress printing come
// in as callbacks, so this library does not depend on the pipeline.
//
// One epoch (every rank, in lock step):
//   zero grads -> loss_and_gradients(epoch) -> sum the loss over ranks and
//   allreduce the gradients -> reject NaN/Inf or divergence -> clip the
//   global gradient norm -> lr = schedule.at(epoch) -> optimizer step ->
//   validate() every validate_every epochs (and at the last) -> keep the best
//   parameters inside the selection window -> progress -> poll() (not after
//   the last epoch) -> save_checkpoint() / stop.
// The loop draws no random numbers: the callback gets the epoch so that it
// can key a counter-based RNG by it, which makes a resumed run identical.
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
#include "nn/schedule.hpp"

namespace structura::nn {

// What the caller's checkpoint policy decides after an epoch; mirrors the
// pipeline's Checkpointer::Action.
enum class CheckpointAction { Continue, Save, SaveAndStop };

// Finished: all epochs ran. Stopped: a SaveAndStop poll ended the run after
// its checkpoint; the caller reports the interruption (exit for requeue).
enum class TrainingStatus { Finished, Stopped };

struct TrainingOptions {
  std::string name = "training";  // prefixes error messages ("sympflow training: ...")
  std::int64_t epochs = 1;
  LearningRateSchedule schedule = LearningRateSchedule::constant(1e-3);
  double clip_gradient_norm = 0;  // largest global L2 norm of the gradients; 0: no clipping
  // Fail when the loss exceeds divergence_factor times the smallest loss
  // seen so far (checked while that smallest loss is positive); 0: off.
  double divergence_factor = 0;
  std::int64_t validate_every = 1;
  // Best-model selection considers validations in the last
  // round(selection_fraction * epochs) epochs (1.0: all).
  double selection_fraction = 0.15;
  bool restore_best = true;  // load the selected parameters into the model at the end
};

struct EpochRecord {
  std::int64_t epoch = 0;
  double loss = 0;           // global loss before this epoch's step
  double learning_rate = 0;  // used for this epoch's step
  double gradient_norm = 0;  // global L2 norm before clipping
  std::optional<double> validation;
};

// Per-epoch values, index = epoch; validation is NaN where none was computed.
struct TrainingHistory {
  std::vector<double> loss, learning_rate, gradient_norm, validation;
};

struct TrainingCallbacks {
  // Required. Computes this rank's share of the loss for `epoch`, already
  // divided by the GLOBAL batch size, calls backward() on it and returns
  // its value. Gradients are zeroed before the call.
  std::function<double(std::int64_t epoch)> loss_and_gradients = {};
  // Optional. A metric of the parameters after `epoch`'s step, lower is
  // better; rank 0's value is used on every rank (reduce inside if sharded).
  std::function<double(std::int64_t epoch)> validate = {};
  // Optional. Called after every epoch on every rank.
  std::function<void(const EpochRecord&)> progress = {};
  // Optional. Collective; called after every epoch but the last.
  std::function<CheckpointAction()> poll = {};
  // Required when poll can ask to save. Collective: typically opens the
  // checkpoint group and calls TrainingLoop::save_state on it.
  std::function<void()> save_checkpoint = {};
};

class TrainingLoop {
public:
  // `model`, `optimizer` and `comm` must outlive the loop. The optimizer
  // must hold model.parameters() in that order.
  TrainingLoop(torch::nn::Module& model, torch::optim::Adam& optimizer, mpi::Comm comm, TrainingOptions options);

  // Runs from next_epoch() to the end or to a SaveAndStop. A fresh training
  // first copies rank 0's parameters to every rank. Throws NumericalError
  // naming the epoch and the loss when the loss or the gradients stop being
  // finite or the loss diverges.
  TrainingStatus run(const TrainingCallbacks& callbacks);

  // Everything a resume needs, into `group` (collective on a parallel
  // file; overwrites an earlier save): next epoch, history, best epoch,
  // metric and parameters, model parameters and buffers, Adam state.
  void save_state(h5::Group& group) const;
  // Restores a save_state into this loop, its model and its optimizer.
  // Throws InputError if the group was written for another number of epochs
  // or another architecture.
  void load_state(const h5::Group& group);

  std::int64_t next_epoch() const { return next_epoch_; }
  const TrainingHistory& history() const { return history_; }
  // The epoch whose parameters were selected, if any validation fell in the
  // selection window.
  std::optional<std::int64_t> best_epoch() const;
  double best_metric() const { return best_metric_; }

private:
  void check_finite_and_bounded(std::int64_t epoch, double loss, double gradient_norm) const;
  void maybe_select(std::int64_t epoch, double metric);
  void restore_best_parameters();

  torch::nn::Module& model_;
  torch::optim::Adam& optimizer_;
  mpi::Comm comm_;
  TrainingOptions options_;
  std::int64_t selection_start_;  // first epoch of the selection window

  std::int64_t next_epoch_ = 0;
  TrainingHistory history_;
  double smallest_loss_ = std::numeric_limits<double>::infinity();
  std::int64_t best_epoch_ = -1;
  double best_metric_ = std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best_parameters_;  // deep copies, in model.parameters() order
};

}  // namespace structura::nn
