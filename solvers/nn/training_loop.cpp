#include "nn/training_loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/error.hpp"
#include "nn/data_parallel.hpp"
#include "nn/h5_tensors.hpp"
#include "nn/optimizer.hpp"

namespace structura::nn {

namespace {

std::vector<torch::Tensor> deep_copy(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> copies;
  copies.reserve(tensors.size());
  for (const auto& t : tensors) copies.push_back(t.detach().clone());
  return copies;
}

// Parameters as one float64 vector (exact for float32 and float64).
std::vector<double> flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<double> out;
  for (const auto& t : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous().reshape({-1});
    out.insert(out.end(), c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
  }
  return out;
}

void write_vector(h5::Group& group, const std::string& name, const std::vector<double>& values) {
  group.write_dataset(name, values, h5::Dims{values.size()});
}

std::vector<double> read_vector(const h5::Group& group, const std::string& name, std::size_t expected) {
  std::vector<double> v = group.open_dataset(name).read_all<double>();
  if (v.size() != expected)
    throw InputError(fmt::format("training checkpoint: '{}' holds {} values, expected {}", name, v.size(), expected));
  return v;
}

// Fills `tensors` (shapes, dtypes and devices as they are) from the
// flattened vector `name` of `group`.
void read_into(const h5::Group& group, const std::string& name, std::vector<torch::Tensor>& tensors) {
  std::int64_t total = 0;
  for (const auto& t : tensors) total += t.numel();
  std::vector<double> flat = read_vector(group, name, static_cast<std::size_t>(total));
  std::int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (auto& t : tensors) {
    torch::Tensor src = torch::from_blob(flat.data() + offset, {t.numel()}, torch::kFloat64);
    t.copy_(src.view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace

TrainingLoop::TrainingLoop(torch::nn::Module& model, torch::optim::Optimizer& optimizer, mpi::Comm comm,
                           TrainingOptions options, UpdateOptions update)
    : TrainingLoop(std::vector<TrainedModule>{{"model", &model, &optimizer, std::move(update)}}, comm,
                   std::move(options)) {}

TrainingLoop::TrainingLoop(std::vector<TrainedModule> modules, mpi::Comm comm, TrainingOptions options)
    : modules_(std::move(modules)), comm_(comm), options_(std::move(options)) {
  options_.validate();
  if (modules_.empty()) throw InputError(fmt::format("{}: no module to train", options_.name));
  std::set<std::string> names;
  for (const auto& m : modules_) {
    if (m.module == nullptr || m.optimizer == nullptr)
      throw Error(fmt::format("{}: module '{}' has no model or no optimizer", options_.name, m.name));
    if (!names.insert(m.name).second)
      throw InputError(fmt::format("{}: two modules are named '{}'", options_.name, m.name));
    validate(m.update, options_, m.name);
    optimizer_kind(*m.optimizer);  // refuses optimizers whose state cannot be saved
  }
  const auto window =
      std::max<std::int64_t>(1, std::llround(options_.selection_fraction * static_cast<double>(options_.steps)));
  selection_start_ = options_.steps - window;
  history_.modules.resize(modules_.size());
  ema_.resize(modules_.size());
  divergence_.assign(modules_.size(), DivergenceCheck(options_.divergence_factor));
}

std::optional<std::int64_t> TrainingLoop::best_step() const {
  if (best_step_ < 0) return std::nullopt;
  return best_step_;
}

std::vector<torch::Tensor> TrainingLoop::all_parameters() const {
  std::vector<torch::Tensor> all;
  for (const auto& m : modules_)
    for (const auto& p : m.module->parameters()) all.push_back(p);
  return all;
}

void TrainingLoop::maybe_select(std::int64_t step, double metric) {
  if (step < selection_start_ || !(metric < best_metric_)) return;
  best_step_ = step;
  best_metric_ = metric;
  best_parameters_ = deep_copy(all_parameters());
}

void TrainingLoop::restore_best_parameters() {
  if (best_step_ < 0) return;
  torch::NoGradGuard no_grad;
  auto parameters = all_parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best_parameters_[i]);
}

bool TrainingLoop::has_ema() const {
  return std::any_of(modules_.begin(), modules_.end(), [](const TrainedModule& m) { return m.update.ema_decay > 0; });
}

void TrainingLoop::start_ema() {
  for (std::size_t i = 0; i < modules_.size(); ++i)
    if (modules_[i].update.ema_decay > 0) ema_[i] = deep_copy(modules_[i].module->parameters());
}

void TrainingLoop::update_ema(std::size_t i) {
  const double decay = modules_[i].update.ema_decay;
  if (decay <= 0) return;
  torch::NoGradGuard no_grad;
  const auto parameters = modules_[i].module->parameters();
  for (std::size_t k = 0; k < parameters.size(); ++k) ema_[i][k].mul_(decay).add_(parameters[k].detach(), 1 - decay);
}

void TrainingLoop::swap_ema() {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    if (modules_[i].update.ema_decay <= 0) continue;
    const auto parameters = modules_[i].module->parameters();
    for (std::size_t k = 0; k < parameters.size(); ++k) {
      torch::Tensor current = parameters[k].detach().clone();
      parameters[k].copy_(ema_[i][k]);
      ema_[i][k].copy_(current);
    }
  }
}

TrainingStatus TrainingLoop::run(const TrainingCallbacks& callbacks) {
  const bool single = static_cast<bool>(callbacks.loss_and_gradients);
  if (single ? modules_.size() != 1 || !callbacks.losses.empty() : callbacks.losses.size() != modules_.size())
    throw Error(fmt::format("{}: {} modules need {} loss callbacks (loss_and_gradients only for one module)",
                            options_.name, modules_.size(), modules_.size()));
  std::vector<std::vector<torch::Tensor>> parameters;
  for (const auto& m : modules_) parameters.push_back(m.module->parameters());
  if (next_step_ == 0) {
    for (const auto& p : parameters) broadcast_parameters(p, comm_);
    start_ema();
  }
  for (std::size_t i = 0; i < modules_.size(); ++i)
    if (modules_[i].update.ema_decay > 0 && ema_[i].empty())
      throw Error(fmt::format("{}: module '{}' resumes at step {} without its average (load_state first)",
                              options_.name, modules_[i].name, next_step_));

  while (next_step_ < options_.steps) {
    const std::int64_t step = next_step_;
    StepRecord record{step, {}, std::nullopt};
    for (std::size_t i = 0; i < modules_.size(); ++i) {
      TrainedModule& m = modules_[i];
      const std::string name = modules_.size() == 1 ? options_.name : options_.name + " (" + m.name + ")";
      const std::optional<double> learning_rate =
          m.update.schedule ? std::optional<double>(m.update.schedule->at(step)) : std::nullopt;
      UpdateRecord last;
      for (std::int64_t u = 0; u < m.update.updates_per_step; ++u) {
        m.optimizer->zero_grad();
        const double local = single ? callbacks.loss_and_gradients(step) : callbacks.losses[i](step, u);
        last = synchronised_update(*m.optimizer, parameters[i], comm_, local, m.update.clip_gradient_norm,
                                   learning_rate, {name, step, &divergence_[i]});
        if (m.after_update) m.after_update();
        update_ema(i);
        ModuleHistory& h = history_.modules[i];
        h.loss.push_back(last.loss);
        h.learning_rate.push_back(last.learning_rate);
        h.gradient_norm.push_back(last.gradient_norm);
      }
      record.updates.push_back(last);
    }

    const bool final_step = step + 1 == options_.steps;
    if (callbacks.validate && ((step + 1) % options_.validate_every == 0 || final_step)) {
      const bool averaged = has_ema();
      if (averaged) swap_ema();  // validate and select the averaged parameters
      double metric = callbacks.validate(step);
      comm_.broadcast(metric);  // one verdict on every rank, hence identical selections
      if (std::isnan(metric))
        throw NumericalError(fmt::format("{}: the validation metric is NaN at step {}", options_.name, step));
      record.validation = metric;
      maybe_select(step, metric);
      if (averaged) swap_ema();
    }
    history_.validation.push_back(record.validation.value_or(std::numeric_limits<double>::quiet_NaN()));
    next_step_ = step + 1;

    if (callbacks.progress) callbacks.progress(record);
    if (final_step || !callbacks.poll) continue;
    const CheckpointAction action = callbacks.poll();
    if (action == CheckpointAction::Continue) continue;
    if (!callbacks.save_checkpoint)
      throw Error(
          fmt::format("{}: poll asked for a checkpoint but there is no save_checkpoint callback", options_.name));
    callbacks.save_checkpoint();
    if (action == CheckpointAction::SaveAndStop) return TrainingStatus::Stopped;
  }
  if (has_ema()) swap_ema();  // the training's result is the average
  if (options_.restore_best) restore_best_parameters();
  return TrainingStatus::Finished;
}

void TrainingLoop::save_state(h5::Group& group) const {
  group.set_attribute("steps", options_.steps);
  group.set_attribute("next_step", next_step_);
  group.set_attribute("best_step", best_step_);
  group.set_attribute("best_metric", best_metric_);
  h5::Group history = group.require_group("history");
  write_vector(history, "validation", history_.validation);
  h5::Group modules = group.require_group("modules");
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    const TrainedModule& m = modules_[i];
    h5::Group h = history.require_group(m.name);
    write_vector(h, "loss", history_.modules[i].loss);
    write_vector(h, "learning_rate", history_.modules[i].learning_rate);
    write_vector(h, "gradient_norm", history_.modules[i].gradient_norm);
    h5::Group g = modules.require_group(m.name);
    g.set_attribute("updates_per_step", m.update.updates_per_step);
    save_module(g, *m.module);
    save_optimizer_state(g, *m.module, *m.optimizer);
    if (!ema_[i].empty()) write_vector(g, "ema", flatten(ema_[i]));
  }
  if (best_step_ >= 0) write_vector(group, "best_parameters", flatten(best_parameters_));
}

void TrainingLoop::load_state(const h5::Group& group) {
  if (!group.has_attribute("steps"))
    throw InputError(fmt::format("{}: the checkpoint was written by an older version (it counts epochs, not steps); "
                                 "start afresh",
                                 options_.name));
  const std::int64_t steps = group.int_attribute("steps");
  if (steps != options_.steps)
    throw InputError(fmt::format("{}: the checkpoint was written for {} steps, this training runs {}; start afresh",
                                 options_.name, steps, options_.steps));
  next_step_ = group.int_attribute("next_step");
  const auto n = static_cast<std::size_t>(next_step_);
  const h5::Group history = group.open_group("history");
  const h5::Group modules = group.open_group("modules");
  for (std::size_t i = 0; i < modules_.size(); ++i) {
    const TrainedModule& m = modules_[i];
    if (!modules.exists(m.name))
      throw InputError(fmt::format("{}: the checkpoint has no module '{}'; start afresh", options_.name, m.name));
    const h5::Group g = modules.open_group(m.name);
    if (g.int_attribute("updates_per_step") != m.update.updates_per_step)
      throw InputError(fmt::format("{}: the checkpoint updates '{}' {} times per step, this training {}; start afresh",
                                   options_.name, m.name, g.int_attribute("updates_per_step"),
                                   m.update.updates_per_step));
    load_module(g, *m.module);
    load_optimizer_state(g, *m.module, *m.optimizer);
    ema_[i].clear();
    if (m.update.ema_decay > 0) {
      if (!g.exists("ema"))
        throw InputError(fmt::format("{}: the checkpoint keeps no average of '{}'; start afresh", options_.name, m.name));
      ema_[i] = deep_copy(m.module->parameters());
      read_into(g, "ema", ema_[i]);
    }
    const h5::Group h = history.open_group(m.name);
    const std::size_t updates = n * static_cast<std::size_t>(m.update.updates_per_step);
    ModuleHistory& mh = history_.modules[i];
    mh.loss = read_vector(h, "loss", updates);
    mh.learning_rate = read_vector(h, "learning_rate", updates);
    mh.gradient_norm = read_vector(h, "gradient_norm", updates);
    divergence_[i] = DivergenceCheck(options_.divergence_factor);
    for (double l : mh.loss) divergence_[i].record(l);
  }
  history_.validation = read_vector(history, "validation", n);

  best_step_ = group.int_attribute("best_step");
  best_metric_ = group.double_attribute("best_metric");
  best_parameters_.clear();
  if (best_step_ < 0) return;
  // The modules' parameters serve as templates for shape, dtype and device.
  best_parameters_ = deep_copy(all_parameters());
  read_into(group, "best_parameters", best_parameters_);
}

}  // namespace structura::nn
