#include "experiments/shared/training_params.hpp"

#include <fmt/format.h>

#include <limits>

#include "core/error.hpp"
#include "config/config.hpp"

namespace structura::pipeline {

namespace {

std::string key(const std::string& table, const char* name) { return table + "." + name; }

// epochs * factor, or InputError naming <table>.epochs when it overflows.
std::int64_t in_steps(std::int64_t epochs, std::int64_t factor, const std::string& table, const char* what) {
  if (factor < 1) throw Error(fmt::format("{}: {} steps per epoch", table, factor));
  if (epochs > std::numeric_limits<std::int64_t>::max() / factor)
    throw InputError(fmt::format("{}: {} epochs of {} steps each overflow the step count ({})", key(table, what),
                                 epochs, factor, std::numeric_limits<std::int64_t>::max()));
  return epochs * factor;
}

// Runs a check of solvers/nn, whose InputError reads "<table>.<key>: why", and
// rethrows it as the ConfigError of that key (exit 2, naming the file).
template <typename F>
void as_config_error(const Config& c, const std::string& table, F&& check) {
  try {
    check();
  } catch (const ConfigError&) {
    throw;
  } catch (const InputError& e) {
    const std::string m = e.what();
    const auto colon = m.find(": ");
    if (colon == std::string::npos) c.fail(table, m);
    c.fail(m.substr(0, colon), m.substr(colon + 2));
  }
}

}  // namespace

void add_optimizer_params(Schema& s, const std::string& t, double learning_rate) {
  nn::OptimizerOptions defaults;
  defaults.learning_rate = learning_rate;
  add_optimizer_params(s, t, defaults);
}

void add_optimizer_params(Schema& s, const std::string& t, const nn::OptimizerOptions& d) {
  s.add({key(t, "optimizer"), Type::String, std::string(nn::optimizer_kind_name(d.kind)),
         "optimizer, with PyTorch's update rules: adam, adamw (decoupled weight decay), rmsprop, sgd", {}, {},
         nn::optimizer_kind_names()});
  s.add({key(t, "learning_rate"), Type::Float, d.learning_rate, "learning rate (the peak for one-cycle)", above(0.0)});
  s.add({key(t, "betas"), Type::FloatList, std::vector<double>{d.beta1, d.beta2},
         "adam, adamw: [beta1, beta2], decay rates of the gradient's first and second moments", 0.0, 1.0});
  s.add({key(t, "eps"), Type::Float, d.eps, "adam, adamw, rmsprop: added to the denominator", above(0.0)});
  s.add({key(t, "weight_decay"), Type::Float, d.weight_decay,
         "L2 penalty added to the gradient (adam, rmsprop, sgd); decoupled decay for adamw", 0.0});
  s.add({key(t, "amsgrad"), Type::Bool, false, "adam, adamw: the AMSGrad variant"});
  s.add({key(t, "momentum"), Type::Float, 0.0, "sgd, rmsprop: momentum factor", 0.0});
  s.add({key(t, "dampening"), Type::Float, 0.0, "sgd: dampening of the momentum", 0.0, 1.0});
  s.add({key(t, "nesterov"), Type::Bool, false, "sgd: Nesterov momentum (needs momentum > 0, dampening 0)"});
  s.add({key(t, "alpha"), Type::Float, d.alpha, "rmsprop: smoothing constant of the squared gradient", 0.0, 1.0});
  s.add({key(t, "centered"), Type::Bool, false, "rmsprop: normalise by the gradient's estimated variance"});
}

nn::OptimizerOptions read_optimizer(const Config& c, const std::string& t) {
  nn::OptimizerOptions o;
  o.kind = nn::parse_optimizer_kind(c.get_string(key(t, "optimizer")), key(t, "optimizer"));
  o.learning_rate = c.get_float(key(t, "learning_rate"));
  const std::vector<double> betas = c.get_floats(key(t, "betas"));
  if (betas.size() != 2) c.fail(key(t, "betas"), fmt::format("needs two values [beta1, beta2], got {}", betas.size()));
  o.beta1 = betas[0];
  o.beta2 = betas[1];
  o.eps = c.get_float(key(t, "eps"));
  o.weight_decay = c.get_float(key(t, "weight_decay"));
  o.amsgrad = c.get_bool(key(t, "amsgrad"));
  o.momentum = c.get_float(key(t, "momentum"));
  o.dampening = c.get_float(key(t, "dampening"));
  o.nesterov = c.get_bool(key(t, "nesterov"));
  o.alpha = c.get_float(key(t, "alpha"));
  o.centered = c.get_bool(key(t, "centered"));
  as_config_error(c, t, [&] { o.validate(t); });
  return o;
}

void add_training_params(Schema& s, const std::string& t, const TrainingTableDefaults& d) {
  using V = std::vector<std::string>;
  s.add({key(t, "epochs"), Type::Int, d.epochs, d.epochs_meaning, 1.0});
  s.add({key(t, "batch"), Type::Int, d.batch, d.batch_meaning, 1.0});
  if (d.optimizer) {
    nn::OptimizerOptions o;
    o.learning_rate = d.learning_rate;
    o.beta2 = d.beta2;
    o.weight_decay = d.weight_decay;
    add_optimizer_params(s, t, o);
  }
  s.add({key(t, "schedule"), Type::String, d.schedule, "learning-rate schedule", {}, {},
         V{"constant", "step", "exponential", "cosine", "one-cycle", "warmup-cosine"}});
  s.add({key(t, "gamma"), Type::Float, 0.1,
         fmt::format("step: factor every {}.step_every epochs; exponential: per optimizer step", t), above(0.0), 1.0});
  s.add({key(t, "step_every"), Type::Int, d.step_every, "step schedule: epochs between decays", 1.0});
  s.add({key(t, "min_learning_rate"), Type::Float, 0.0, "cosine schedule: the floor", 0.0});
  s.add({key(t, "pct_start"), Type::Float, 0.3, "one-cycle: fraction of the training spent rising", 0.0, 1.0});
  s.add({key(t, "warmup"), Type::Int, d.warmup, "warmup-cosine: epochs of linear warm-up before the cosine decay",
         1.0});
  s.add({key(t, "ema_decay"), Type::Float, d.ema_decay,
         "moving average of the weights, updated every optimizer step, used for validation and as the result "
         "(0: none; e.g. 0.999)",
         0.0, below(1.0)});
  s.add({key(t, "clip"), Type::Float, d.clip, "largest global gradient norm (0: no clipping)", 0.0});
  s.add({key(t, "divergence_factor"), Type::Float, d.divergence_factor,
         "stop when the loss exceeds this multiple of the smallest loss so far (0: never)", 0.0});
  s.add({key(t, "validate_every"), Type::Int, d.validate_every, "epochs between validations", 1.0});
  s.add({key(t, "selection_fraction"), Type::Float, d.selection_fraction,
         "the best validated model of the last fraction of epochs is kept (1: all epochs)", above(0.0), 1.0});
  s.add({key(t, "seed"), Type::Int, std::int64_t{-1},
         "seed of the initial weights and of the samples and minibatch orders drawn in training (-1: experiment.seed)",
         -1.0});
  s.add({key(t, "checkpoint_every"), Type::Int, std::int64_t{0},
         "epochs between checkpoints, besides every run.checkpoint_interval seconds (0: by time only)", 0.0, {}, {},
         false});
  s.add({key(t, "device"), Type::String, std::string("cpu"), "cpu, cuda or cuda:N (libtorch)", {}, {}, {}, false});
  s.add({key(t, "dtype"), Type::String, d.dtype, "float32 or float64", {}, {}, V{"float32", "float64"}});
  s.add({key(t, "threads"), Type::Int, std::int64_t{1}, "libtorch threads per rank", 1.0, 1024.0, {}, false});
}

TrainingSettings read_training(const Config& c, const std::string& t, bool with_optimizer) {
  TrainingSettings s;
  s.table = t;
  s.epochs = c.get_int(key(t, "epochs"));
  s.batch = c.get_int(key(t, "batch"));
  if (with_optimizer) s.optimizer = read_optimizer(c, t);
  s.schedule = c.get_string(key(t, "schedule"));
  auto& p = s.schedule_parameters;
  p.learning_rate = s.optimizer.learning_rate;
  p.gamma = c.get_float(key(t, "gamma"));
  p.step_every = c.get_int(key(t, "step_every"));
  p.min_learning_rate = c.get_float(key(t, "min_learning_rate"));
  p.pct_start = c.get_float(key(t, "pct_start"));
  p.warmup = c.get_int(key(t, "warmup"));
  s.ema_decay = c.get_float(key(t, "ema_decay"));
  s.clip = c.get_float(key(t, "clip"));
  s.divergence_factor = c.get_float(key(t, "divergence_factor"));
  if (s.divergence_factor != 0 && s.divergence_factor <= 1)
    c.fail(key(t, "divergence_factor"), fmt::format("must be > 1 (0: off), got {}", s.divergence_factor));
  s.validate_every = c.get_int(key(t, "validate_every"));
  s.selection_fraction = c.get_float(key(t, "selection_fraction"));
  const std::int64_t seed = c.get_int(key(t, "seed"));
  s.seed = static_cast<std::uint64_t>(seed >= 0 ? seed : c.get_int("experiment.seed"));
  s.checkpoint_every = c.get_int(key(t, "checkpoint_every"));
  s.device = c.get_string(key(t, "device"));
  s.dtype = c.get_string(key(t, "dtype"));
  s.threads = static_cast<int>(c.get_int(key(t, "threads")));
  // The schedule as the run will build it, at one step per epoch: what it
  // refuses here (one-cycle's pct_start * epochs <= 1, ...) it refuses there.
  as_config_error(c, t, [&] { s.update_options(1); });
  return s;
}

nn::TrainingOptions TrainingSettings::loop_options(const std::string& name, std::int64_t steps_per_epoch) const {
  nn::TrainingOptions o;
  o.name = name;
  o.steps = in_steps(epochs, steps_per_epoch, table, "epochs");
  o.divergence_factor = divergence_factor;
  o.validate_every = in_steps(validate_every, steps_per_epoch, table, "validate_every");
  o.selection_fraction = selection_fraction;
  return o;
}

nn::UpdateOptions TrainingSettings::update_options(std::int64_t steps_per_epoch) const {
  nn::ScheduleParameters p = schedule_parameters;
  p.step_every = in_steps(p.step_every, steps_per_epoch, table, "step_every");
  p.warmup = in_steps(p.warmup, steps_per_epoch, table, "warmup");
  nn::UpdateOptions u;
  u.schedule =
      nn::LearningRateSchedule::parse(schedule, p, in_steps(epochs, steps_per_epoch, table, "epochs"), table);
  u.clip_gradient_norm = clip;
  u.ema_decay = ema_decay;
  return u;
}

TrainingSettings TrainingSettings::with_optimizer(const nn::OptimizerOptions& o) const {
  TrainingSettings s = *this;
  s.optimizer = o;
  s.schedule_parameters.learning_rate = o.learning_rate;
  return s;
}

std::int64_t TrainingSettings::checkpoint_every_steps(std::int64_t steps_per_epoch) const {
  return in_steps(checkpoint_every, steps_per_epoch, table, "checkpoint_every");
}

}  // namespace structura::pipeline
