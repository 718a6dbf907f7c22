// The options of a training, as plain values that need no libtorch: the
// optimizer (kind and hyper-parameters), a module's update (schedule,
// clipping, updates per step) and the loop (length, checks, selection).
// Pipeline code reads and validates them from a config without seeing
// libtorch's headers; nn/optimizer.hpp turns OptimizerOptions into a
// torch::optim::Optimizer and nn/training_loop.hpp runs the rest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nn/schedule.hpp"

namespace structura::nn {

// The libtorch optimizers a training may use, with PyTorch's update rules.
enum class OptimizerKind { Adam, AdamW, RMSprop, Sgd };

// "adam", "adamw", "rmsprop", "sgd"; InputError naming `where` otherwise.
OptimizerKind parse_optimizer_kind(const std::string& name, const std::string& where);
std::string_view optimizer_kind_name(OptimizerKind kind);
const std::vector<std::string>& optimizer_kind_names();

// Hyper-parameters of every kind; each kind reads only its own (as the
// corresponding torch::optim::*Options). The learning rate here is the one
// the optimizer is built with; the loop sets the schedule's rate before
// every step.
struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::Adam;
  double learning_rate = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;  // adam, adamw
  double eps = 1e-8;                  // adam, adamw, rmsprop
  // adam, rmsprop, sgd: L2 penalty added to the gradient; adamw: decoupled
  // decay (PyTorch's AdamW defaults to 1e-2; here every kind defaults to 0).
  double weight_decay = 0;
  bool amsgrad = false;   // adam, adamw
  double momentum = 0;    // sgd, rmsprop
  double dampening = 0;   // sgd
  bool nesterov = false;  // sgd: needs momentum > 0 and dampening 0
  double alpha = 0.99;    // rmsprop: smoothing of the squared gradient
  bool centered = false;  // rmsprop

  // Throws InputError naming where.<field> (where.learning_rate,
  // where.betas, ...) for a value the optimizer cannot use.
  void validate(const std::string& where) const;
};

// How one module is updated in every loop step.
struct UpdateOptions {
  // The rate of each loop step (all updates_per_step updates of a step use
  // it); none: the optimizer keeps the rate it was built with.
  std::optional<LearningRateSchedule> schedule = std::nullopt;
  double clip_gradient_norm = 0;       // largest global L2 norm of the gradients; 0: no clipping
  std::int64_t updates_per_step = 1;   // k: e.g. k critic updates per generator update
  // An exponential moving average of the parameters, updated after every
  // optimizer step (ema <- decay ema + (1 - decay) parameters, starting from
  // the initial parameters); 0: none. With one, validation and best-model
  // selection see the averaged parameters and the module ends holding them.
  double ema_decay = 0;
};

struct TrainingOptions {
  std::string name = "training";  // prefixes error messages ("train/residual: ...")
  std::int64_t steps = 1;         // loop steps; a module makes steps * updates_per_step optimizer steps
  // Fail when a module's loss exceeds divergence_factor times the smallest
  // loss it had so far (checked while that smallest loss is positive); 0: off.
  double divergence_factor = 0;
  std::int64_t validate_every = 1;  // loop steps between validations (and after the last step)
  // Best-model selection considers validations in the last
  // round(selection_fraction * steps) steps (1.0: all).
  double selection_fraction = 0.15;
  bool restore_best = true;  // load the selected parameters into the modules at the end

  // Throws InputError naming `name` for an out-of-range value.
  void validate() const;
};

// Throws InputError naming `loop` when `update` cannot run `loop.steps`
// steps (a schedule set up for another length, a negative clip, k < 1).
void validate(const UpdateOptions& update, const TrainingOptions& loop, const std::string& module);

}  // namespace structura::nn
