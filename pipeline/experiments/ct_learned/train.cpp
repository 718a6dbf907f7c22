// Stage train/<regulariser> of `ct.learned`: the critic of one learned
// regulariser trained on the training pairs with the Wasserstein loss and
// its gradient penalty (models.hpp: which penalty, on which part), x_gen the
// FBP, data-parallel over the ranks with the shared nn::TrainingLoop through
// the shared stage adapter (experiments/shared/training_stage.hpp):
// checkpoints, resume, NaN/Inf stop. Minibatches come from the keyed
// nn::MinibatchSampler and the interpolation weights from (seed, step,
// position in the global minibatch), so a resumed or re-decomposed training
// sees the same samples. The weights' constraints (the ICNN's non-negative
// hidden weights) are restored after every optimizer step. The validation
// metric is the Wasserstein estimate mean R(truth) - mean R(FBP) on the
// validation pairs (monitoring only: no model selection, as the reference).
#include <fmt/format.h>

#include "core/partition.hpp"
#include "experiments/ct_learned/models.hpp"
#include "experiments/ct_learned/pairs.hpp"
#include "experiments/ct_learned/settings.hpp"
#include "experiments/ct_learned/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "nn/device.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::ct_learned {

using namespace regularisers;

namespace {

constexpr std::uint64_t kMinibatchOrder = 1;

}  // namespace

void train(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const RegulariserSettings& r = s.regulariser(name);
  const TrainingSettings ts = s.training.with_optimizer(r.optimizer);
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const torch::Device device = torch_settings.device;
  const std::int64_t n = s.data.image.nx;

  const Pairs train = read_pairs(ctx.file, s.data, "train");
  const Pairs validation = read_pairs(ctx.file, s.data, "validation");
  const torch::Tensor truth = train.truth.to(dtype), fbp = train.fbp.to(dtype);
  const Range val_mine = ctx.comm.block(validation.count());
  const torch::Tensor val_truth = validation.truth.narrow(0, val_mine.begin, val_mine.count).to(device, dtype);
  const torch::Tensor val_fbp = validation.fbp.narrow(0, val_mine.begin, val_mine.count).to(device, dtype);

  const RegulariserEntry& entry = find_regulariser(name);
  const std::shared_ptr<Regulariser> model = make_model(r, n, ts.seed, dtype);
  model->to(device);
  Regulariser& penalised = entry.penalised(*model);
  const std::unique_ptr<torch::optim::Optimizer> optimizer = entry.optimizer(*model, r);

  nn::MinibatchSampler sampler(ts.seed, kMinibatchOrder, train.count(), ts.batch);
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
    const torch::Tensor x_true = truth.index_select(0, idx).to(device), x_gen = fbp.index_select(0, idx).to(device);
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
    if (val_mine.count > 0) local = wasserstein_loss(*model, val_truth, val_fbp).item<double>();
    return ctx.comm.sum(local) / double(validation.count());
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

}  // namespace structura::pipeline::ct_learned
