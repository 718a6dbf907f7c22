// Stage train/<method> of `pullback`: the flow and ψ of one method fitted
// to the training rows by the flow loss (geometry/flow_loss.hpp),
// data-parallel with the shared nn::TrainingLoop through the shared stage
// adapter: Adam with warm-up and cosine decay, gradient clipping and an EMA
// of the weights, which validation, model selection and the saved model
// use. Minibatches are the keyed shuffle of nn::MinibatchSampler and the
// isometry directions are keyed by (seed, step, row), so a resumed or
// re-decomposed training sees the same numbers. Validation is the mean loss
// on the validation rows (regulariser included, as the reference tracks),
// with directions keyed by row alone.
#include <fmt/format.h>

#include "experiments/pullback/models.hpp"
#include "experiments/pullback/rows.hpp"
#include "experiments/pullback/settings.hpp"
#include "experiments/pullback/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "nn/device.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::pullback {

namespace {

constexpr std::int64_t kValidationChunk = 4096;  // rows per validation pass (bounds the tangent memory)

// The mean loss over `rows`, in chunks, without gradients.
double mean_loss(const PullbackModel& model, const torch::Tensor& rows, const geometry::FlowLossOptions& loss,
                 std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  double sum = 0;
  for (std::int64_t first = 0; first < rows.size(0); first += kValidationChunk) {
    const auto count = std::min(kValidationChunk, rows.size(0) - first);
    std::vector<std::int64_t> index(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) index[i] = first + i;
    auto directions = geometry::isometry_directions(loss, rows.size(1), index, seed, 0);
    if (directions.defined()) directions = directions.to(rows.options());
    sum += geometry::flow_loss(*model.flow, *model.psi, rows.narrow(0, first, count), directions, loss)
               .total.item<double>();
  }
  return sum / static_cast<double>(rows.size(0));
}

}  // namespace

void train(StageContext& ctx, const std::string& method) {
  const Settings s = read_settings(ctx.config);
  const TrainingSettings& ts = s.training;
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const auto on_device = [&](const torch::Tensor& t) { return t.to(torch_settings.device, dtype); };
  const torch::Tensor train_rows = on_device(read_rows(ctx.file, s.data, "train", dtype));
  const torch::Tensor validation_rows = on_device(read_rows(ctx.file, s.data, "validation", dtype));
  const geometry::FlowLossOptions loss = loss_options(s, method);

  const auto model = make_model(s, method, ts.seed * 16 + kModelInit, dtype);
  model->to(torch_settings.device);
  const auto optimizer = nn::make_optimizer(model->parameters(), ts.optimizer, "training");
  const std::int64_t steps_per_epoch = s.steps_per_epoch();
  const nn::TrainingOptions options = ts.loop_options("train/" + method, steps_per_epoch);
  nn::TrainingLoop loop(*model, *optimizer, ctx.comm, options, ts.update_options(steps_per_epoch));

  nn::MinibatchSampler sampler(ts.seed, kMinibatches, s.data.split.train.count, ts.batch);
  const std::uint64_t direction_seed = ts.seed * 16 + kDirections;
  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = [&](std::int64_t step) -> double {
    const std::vector<std::int64_t> rows = sampler.indices(step, ctx.comm.size(), ctx.comm.rank());
    const auto index = torch::tensor(rows, torch::kInt64).to(torch_settings.device);
    torch::Tensor directions = geometry::isometry_directions(loss, s.data.ambient, rows, direction_seed, step);
    if (directions.defined()) directions = on_device(directions);
    const auto terms = geometry::flow_loss(*model->flow, *model->psi, train_rows.index_select(0, index), directions, loss);
    const torch::Tensor value = terms.total / static_cast<double>(sampler.batch_size(step));
    value.backward();
    return value.item<double>();
  };
  cb.validate = [&](std::int64_t) {
    return mean_loss(*model, validation_rows, loss, ts.seed * 16 + kValidationDirections);
  };

  const TrainingRun run = run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps_per_epoch)});

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, s, method, *model);
  h5::Group g = ctx.fresh_group("/training/" + method);
  write_training_history(g, loop, ctx.comm.size());
  const double steps_run = double(loop.next_step() - run.first_step);
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("seconds_per_step", steps_run > 0 ? run.seconds / steps_run : 0.0);
  g.set_attribute("steps_per_epoch", steps_per_epoch);
  g.set_attribute("isometry", std::string(geometry::isometry_term_name(loss.isometry)));
  g.set_attribute("isometry_weight", loss.isometry_weight);
  g.set_attribute("volume_weight", loss.volume_weight);
  log::info("train/{}: done, final loss {:.4e}, best validation {:.4e}, {:.3g} s", method,
            loop.history().modules.front().loss.back(), loop.best_metric(), run.seconds);
}

}  // namespace structura::pipeline::pullback
