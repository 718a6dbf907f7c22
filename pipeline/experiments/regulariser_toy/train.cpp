// Stage train/<regulariser> of `regulariser.toy`: one critic trained with
// the Wasserstein loss and a gradient penalty (regularisers/losses.hpp) on
// points of the curve against noisy copies, data-parallel with the shared
// nn::TrainingLoop through the shared stage adapter. Every step draws fresh
// samples keyed by (training seed, global sample index), and the
// interpolation weights likewise, so a resumed or re-decomposed training
// sees the same numbers. The input-convex parts are projected onto their
// constraint after every optimizer step.
#include <fmt/format.h>

#include "experiments/regulariser_toy/models.hpp"
#include "experiments/regulariser_toy/settings.hpp"
#include "experiments/regulariser_toy/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "nn/device.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "regularisers/losses.hpp"
#include "regularisers/toy_curves.hpp"
#include "run/log.hpp"

namespace structura::pipeline::regulariser_toy {

using namespace regularisers;

void train(StageContext& ctx, const std::string& name) {
  const Settings s = read_settings(ctx.config);
  const TrainingSettings& ts = s.training;
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const ToyCurve curve = parse_toy_curve(s.curve, "data.curve");
  const GradientPenalty penalty = s.two_sided_penalty ? GradientPenalty::TwoSided : GradientPenalty::OneSided;

  const auto critic = make_critic(s, name, ts.seed * 16 + kModelInit, dtype);
  critic->to(torch_settings.device);
  const auto optimizer = nn::make_optimizer(critic->parameters(), ts.optimizer, "training");
  const nn::TrainingOptions options = ts.loop_options("train/" + name, 1);
  nn::TrainedModule module{"model", critic.get(), optimizer.get(), ts.update_options(1),
                           [&] { critic->project_weights(); }};
  nn::TrainingLoop loop({module}, ctx.comm, options);

  const Range mine = ctx.comm.block(s.training.batch);
  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = [&](std::int64_t step) -> double {
    const std::uint64_t first = static_cast<std::uint64_t>(step * s.training.batch + mine.begin);
    const ToySamples samples = toy_samples(curve, ts.seed, kTrainingSamples, first, mine.count, s.noise);
    const torch::Tensor eps = interpolation_weights(ts.seed, kInterpolation, static_cast<std::int64_t>(first),
                                                    mine.count, dtype);
    auto on_device = [&](const torch::Tensor& p) { return as_point_images(p.to(dtype)).to(torch_settings.device); };
    const CriticLossTerms terms = critic_loss(*critic, *critic, on_device(samples.truth), on_device(samples.noisy),
                                              eps.to(torch_settings.device), penalty, s.penalty_weight);
    const torch::Tensor loss = terms.total / double(s.training.batch);
    loss.backward();
    return loss.item<double>();
  };

  const TrainingRun run = run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(1)});

  h5::Group models = ctx.file.require_group("/models");
  save_critic(models, s, name, *critic);
  h5::Group g = ctx.fresh_group("/training/" + name);
  write_training_history(g, loop, ctx.comm.size());
  const double steps_run = double(loop.next_step() - run.first_step);
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("seconds_per_step", steps_run > 0 ? run.seconds / steps_run : 0.0);
  g.set_attribute("steps_per_epoch", std::int64_t{1});
  log::info("train/{}: done, final loss {:.4e}, {:.3g} s", name, loop.history().modules.front().loss.back(),
            run.seconds);
}

}  // namespace structura::pipeline::regulariser_toy
