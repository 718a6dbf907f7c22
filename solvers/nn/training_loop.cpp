#include "nn/training_loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "nn/data_parallel.hpp"
#include "nn/h5_tensors.hpp"

namespace structura::nn {

namespace {

void validate_options(const TrainingOptions& o) {
  auto fail = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", o.name, what)); };
  if (o.epochs < 1) fail(fmt::format("epochs must be at least 1, got {}", o.epochs));
  if (o.validate_every < 1) fail(fmt::format("validate_every must be at least 1, got {}", o.validate_every));
  if (!(o.selection_fraction > 0 && o.selection_fraction <= 1))
    fail(fmt::format("selection_fraction must be in (0, 1], got {}", o.selection_fraction));
  if (!(o.clip_gradient_norm >= 0))
    fail(fmt::format("clip_gradient_norm must be >= 0 (0: off), got {}", o.clip_gradient_norm));
  if (!(o.divergence_factor == 0 || o.divergence_factor > 1))
    fail(fmt::format("divergence_factor must be > 1 (0: off), got {}", o.divergence_factor));
  // A schedule made for another length would stretch or freeze the rates.
  if (o.schedule.kind() != LearningRateSchedule::Kind::Constant && o.schedule.epochs() != o.epochs)
    fail(fmt::format("the learning-rate schedule is set up for {} epochs, the training runs {}", o.schedule.epochs(),
                     o.epochs));
}

// Global L2 norm of the gradients, computed as clip_grad_norm_ does.
double gradient_norm(const std::vector<torch::Tensor>& parameters) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : parameters)
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2));
  if (norms.empty()) return 0.0;
  return torch::stack(norms).norm(2).item<double>();
}

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

}  // namespace

TrainingLoop::TrainingLoop(torch::nn::Module& model, torch::optim::Adam& optimizer, mpi::Comm comm,
                           TrainingOptions options)
    : model_(model), optimizer_(optimizer), comm_(comm), options_(std::move(options)) {
  validate_options(options_);
  const auto window =
      std::max<std::int64_t>(1, std::llround(options_.selection_fraction * static_cast<double>(options_.epochs)));
  selection_start_ = options_.epochs - window;
}

std::optional<std::int64_t> TrainingLoop::best_epoch() const {
  if (best_epoch_ < 0) return std::nullopt;
  return best_epoch_;
}

void TrainingLoop::check_finite_and_bounded(std::int64_t epoch, double loss, double norm) const {
  // Loss and gradients are identical on every rank after the reductions,
  // so every rank reaches the same verdict without another collective.
  if (!std::isfinite(loss))
    throw NumericalError(
        fmt::format("{}: the loss is {} at epoch {}; lower the learning rate or enable gradient clipping",
                    options_.name, loss, epoch));
  if (!std::isfinite(norm))
    throw NumericalError(
        fmt::format("{}: the gradient norm is {} at epoch {} (loss {}); lower the learning rate or enable "
                    "gradient clipping",
                    options_.name, norm, epoch, loss));
  // The ratio test only makes sense against a positive reference.
  if (options_.divergence_factor > 0 && smallest_loss_ > 0 && loss > options_.divergence_factor * smallest_loss_)
    throw NumericalError(
        fmt::format("{}: diverged at epoch {}: the loss {} exceeds {} times the smallest loss so far ({})",
                    options_.name, epoch, loss, options_.divergence_factor, smallest_loss_));
}

void TrainingLoop::maybe_select(std::int64_t epoch, double metric) {
  if (epoch < selection_start_ || !(metric < best_metric_)) return;
  best_epoch_ = epoch;
  best_metric_ = metric;
  best_parameters_ = deep_copy(model_.parameters());
}

void TrainingLoop::restore_best_parameters() {
  if (best_epoch_ < 0) return;
  torch::NoGradGuard no_grad;
  auto parameters = model_.parameters();
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best_parameters_[i]);
}

TrainingStatus TrainingLoop::run(const TrainingCallbacks& callbacks) {
  if (!callbacks.loss_and_gradients) throw Error(fmt::format("{}: no loss_and_gradients callback", options_.name));
  const std::vector<torch::Tensor> parameters = model_.parameters();
  if (next_epoch_ == 0) broadcast_parameters(parameters, comm_);

  while (next_epoch_ < options_.epochs) {
    const std::int64_t epoch = next_epoch_;
    optimizer_.zero_grad();
    const double loss = comm_.sum(callbacks.loss_and_gradients(epoch));
    allreduce_gradients(parameters, comm_);
    // Clipping after the allreduce scales identical gradients identically,
    // so the ranks stay in lock step.
    const double norm = options_.clip_gradient_norm > 0
                            ? torch::nn::utils::clip_grad_norm_(parameters, options_.clip_gradient_norm)
                            : gradient_norm(parameters);
    check_finite_and_bounded(epoch, loss, norm);
    smallest_loss_ = std::min(smallest_loss_, loss);

    const double learning_rate = options_.schedule.at(epoch);
    set_learning_rate(optimizer_, learning_rate);
    optimizer_.step();

    EpochRecord record{epoch, loss, learning_rate, norm, std::nullopt};
    const bool last = epoch + 1 == options_.epochs;
    if (callbacks.validate && ((epoch + 1) % options_.validate_every == 0 || last)) {
      double metric = callbacks.validate(epoch);
      comm_.broadcast(metric);  // one verdict on every rank, hence identical selections
      if (std::isnan(metric))
        throw NumericalError(fmt::format("{}: the validation metric is NaN at epoch {}", options_.name, epoch));
      record.validation = metric;
      maybe_select(epoch, metric);
    }
    history_.loss.push_back(loss);
    history_.learning_rate.push_back(learning_rate);
    history_.gradient_norm.push_back(norm);
    history_.validation.push_back(record.validation.value_or(std::numeric_limits<double>::quiet_NaN()));
    next_epoch_ = epoch + 1;

    if (callbacks.progress) callbacks.progress(record);
    if (last || !callbacks.poll) continue;
    const CheckpointAction action = callbacks.poll();
    if (action == CheckpointAction::Continue) continue;
    if (!callbacks.save_checkpoint)
      throw Error(
          fmt::format("{}: poll asked for a checkpoint but there is no save_checkpoint callback", options_.name));
    callbacks.save_checkpoint();
    if (action == CheckpointAction::SaveAndStop) return TrainingStatus::Stopped;
  }
  if (options_.restore_best) restore_best_parameters();
  return TrainingStatus::Finished;
}

void TrainingLoop::save_state(h5::Group& group) const {
  group.set_attribute("epochs", options_.epochs);
  group.set_attribute("next_epoch", next_epoch_);
  group.set_attribute("best_epoch", best_epoch_);
  group.set_attribute("best_metric", best_metric_);
  h5::Group history = group.require_group("history");
  write_vector(history, "loss", history_.loss);
  write_vector(history, "learning_rate", history_.learning_rate);
  write_vector(history, "gradient_norm", history_.gradient_norm);
  write_vector(history, "validation", history_.validation);
  if (best_epoch_ >= 0) write_vector(group, "best_parameters", flatten(best_parameters_));
  h5::Group model = group.require_group("model");
  save_module(model, model_);
  save_adam(model, model_, optimizer_);
}

void TrainingLoop::load_state(const h5::Group& group) {
  const std::int64_t epochs = group.int_attribute("epochs");
  if (epochs != options_.epochs)
    throw InputError(fmt::format("{}: the checkpoint was written for {} epochs, this training runs {}; start afresh",
                                 options_.name, epochs, options_.epochs));
  const h5::Group model = group.open_group("model");
  load_module(model, model_);
  load_adam(model, model_, optimizer_);

  next_epoch_ = group.int_attribute("next_epoch");
  const auto n = static_cast<std::size_t>(next_epoch_);
  const h5::Group history = group.open_group("history");
  history_.loss = read_vector(history, "loss", n);
  history_.learning_rate = read_vector(history, "learning_rate", n);
  history_.gradient_norm = read_vector(history, "gradient_norm", n);
  history_.validation = read_vector(history, "validation", n);
  smallest_loss_ = std::numeric_limits<double>::infinity();
  for (double l : history_.loss) smallest_loss_ = std::min(smallest_loss_, l);

  best_epoch_ = group.int_attribute("best_epoch");
  best_metric_ = group.double_attribute("best_metric");
  best_parameters_.clear();
  if (best_epoch_ < 0) return;
  // The model's parameters serve as templates for shape, dtype and device.
  best_parameters_ = deep_copy(model_.parameters());
  std::int64_t total = 0;
  for (const auto& p : best_parameters_) total += p.numel();
  std::vector<double> flat = read_vector(group, "best_parameters", static_cast<std::size_t>(total));
  std::int64_t offset = 0;
  for (auto& p : best_parameters_) {
    torch::Tensor src = torch::from_blob(flat.data() + offset, {p.numel()}, torch::kFloat64);
    p.copy_(src.view(p.sizes()));
    offset += p.numel();
  }
}

}  // namespace structura::nn
