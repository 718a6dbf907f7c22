#include "experiments/shared/learned_regularisers/train_stage.hpp"

#include <fmt/format.h>

#include "core/partition.hpp"
#include "experiments/shared/learned_regularisers/models.hpp"
#include "experiments/shared/training_stage.hpp"
#include "nn/device.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline {

using namespace regularisers;

namespace {

constexpr std::uint64_t kMinibatchOrder = 1;

}  // namespace

void train_regulariser(StageContext& ctx, const RegulariserSettings& r, const TrainingSettings& training,
                       const CriticPairs& pairs, std::int64_t n) {
  const std::string& name = r.name;
  const TrainingSettings ts = training.with_optimizer(r.optimizer);
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const torch::Device device = torch_settings.device;

  const std::int64_t train_count = pairs.truth.size(0), validation_count = pairs.validation_truth.size(0);
  const torch::Tensor truth = pairs.truth.to(dtype), generated = pairs.generated.to(dtype);
  const Range val_mine = ctx.comm.block(validation_count);
  const torch::Tensor val_truth = pairs.validation_truth.narrow(0, val_mine.begin, val_mine.count).to(device, dtype);
  const torch::Tensor val_generated =
      pairs.validation_generated.narrow(0, val_mine.begin, val_mine.count).to(device, dtype);

  const RegulariserEntry& entry = find_regulariser(name);
  const std::shared_ptr<Regulariser> model = make_model(r, n, ts.seed, dtype);
  model->to(device);
  Regulariser& penalised = entry.penalised(*model);
  const std::unique_ptr<torch::optim::Optimizer> optimizer = entry.optimizer(*model, r);

  nn::MinibatchSampler sampler(ts.seed, kMinibatchOrder, train_count, ts.batch);
  const std::int64_t steps_per_epoch = sampler.batches_per_pass();
  nn::TrainingOptions options = ts.loop_options("train/" + name, steps_per_epoch);
  options.restore_best = false;  // the validation metric monitors; it does not select
  nn::TrainedModule critic{"critic", model.get(), optimizer.get(), ts.update_options(steps_per_epoch),
                           [&] { model->project_weights(); }};
  nn::TrainingLoop loop({critic}, ctx.comm, options);

  nn::TrainingCallbacks cb;
  cb.losses = {[&](std::int64_t step, std::int64_t) -> double {
    const std::int64_t global = sampler.batch_size(step);
    std::vector<std::int64_t> mine = sampler.indices(step, ctx.comm.size(), ctx.comm.rank());
    if (mine.empty()) return 0.0;  // a rank without samples adds zero gradients
    const Range position = block_range(global, ctx.comm.size(), ctx.comm.rank());
    const torch::Tensor idx =
        torch::from_blob(mine.data(), {static_cast<std::int64_t>(mine.size())}, torch::kInt64).clone();
    const torch::Tensor x_true = truth.index_select(0, idx).to(device),
                        x_gen = generated.index_select(0, idx).to(device);
    const torch::Tensor eps =
        interpolation_weights(ts.seed, static_cast<std::uint64_t>(step), position.begin, position.count, dtype)
            .to(device);
    CriticLossTerms terms = critic_loss(*model, penalised, x_true, x_gen, eps, entry.penalty, r.penalty_weight);
    torch::Tensor loss = terms.total / double(global);
    loss.backward();
    return loss.item<double>();
  }};
  cb.validate = [&](std::int64_t) -> double {
    torch::NoGradGuard no_grad;
    double local = 0;
    if (val_mine.count > 0) local = wasserstein_loss(*model, val_truth, val_generated).item<double>();
    return ctx.comm.sum(local) / double(validation_count);
  };

  const TrainingRun run =
      run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps_per_epoch)});
  const std::int64_t steps_run = loop.next_step() - run.first_step;

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, r, n, *model);
  h5::Group g = ctx.fresh_group("/training/" + name);
  write_training_history(g, loop, ctx.comm.size());
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("seconds_per_step", steps_run > 0 ? run.seconds / double(steps_run) : 0.0);
  g.set_attribute("epochs", ts.epochs);
  g.set_attribute("steps_per_epoch", steps_per_epoch);
  g.set_attribute("penalty", entry.penalty == GradientPenalty::OneSided ? "one-sided" : "two-sided");
  g.set_attribute("penalty_weight", r.penalty_weight);
  g.set_attribute("optimizer", std::string(nn::optimizer_kind_name(r.optimizer.kind)));
  g.set_attribute("dtype", ts.dtype);
  log::info("train/{}: done, final loss {:.3e}, validation Wasserstein estimate {:.3e}, {:.3g} s", name,
            loop.history().modules.front().loss.back(), loop.history().validation.back(), run.seconds);
}

}  // namespace structura::pipeline
