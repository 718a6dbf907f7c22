// Stage train/<variant> of `lielac.images`: the classifier trained by the
// shared nn::TrainingLoop through the shared stage adapter (checkpoints,
// resume, NaN stop), data-parallel, on the loss of
// canonicalisation/images/classifier.hpp (cross-entropy plus the
// contrastive term of training.contrast_weight); an epoch is one pass over
// the training images in the keyed minibatch order.
//   plain      the untransformed training images;
//   augmented  every minibatch image moved by a random map of the test
//              maps' family (affine part) with its label.
#include <fmt/format.h>

#include "canonicalisation/images/classifier.hpp"
#include "experiments/lielac_images/images.hpp"
#include "experiments/lielac_images/model.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "nn/device.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_images {

void train(StageContext& ctx, const std::string& variant) {
  const Settings s = read_settings(ctx.config);
  const TrainingSettings& ts = s.training;
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  auto model = make_model(s, ts.seed * 16 + kModelInit);
  model->to(torch_settings.dtype);
  const Split data = read_split(ctx.file, "train", s.data.train, s.data.side());
  const auto optimizer = nn::make_optimizer(model->parameters(), ts.optimizer, "training");
  const std::int64_t steps = (s.data.train + ts.batch - 1) / ts.batch;
  const nn::TrainingOptions options = ts.loop_options("train/" + variant, steps);
  nn::TrainingLoop loop(*model, *optimizer, ctx.comm, options, ts.update_options(steps));

  canonicalisation::images::ClassifierTrainingOptions co;
  co.steps = options.steps;
  co.batch = ts.batch;
  co.optimizer = ts.optimizer;
  co.seed = ts.seed;
  co.contrast_weight = s.contrast_weight;
  std::optional<canonicalisation::images::AffineTransformOptions> augment;
  if (variant == "augmented")
    augment = canonicalisation::images::AffineTransformOptions{s.data.maps.rotation, s.data.maps.shear,
                                                               s.data.maps.scale_min, s.data.maps.scale_max,
                                                               s.data.maps.translation};
  canonicalisation::images::ClassifierLoss loss(model, data.images.to(torch_settings.dtype), data.labels, co, ctx.comm,
                                                 augment);
  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = std::ref(loss);
  model->train();
  const TrainingRun run = run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps)});
  model->eval();

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, variant, s, model);
  h5::Group g = ctx.fresh_group("/training/" + variant);
  write_training_history(g, loop, ctx.comm.size());
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("epochs", ts.epochs);
  g.set_attribute("steps_per_epoch", steps);
  log::info("train/{}: done, final loss {:.3e}, {:.3g} s", variant, loop.history().modules.front().loss.back(),
            run.seconds);
}

}  // namespace structura::pipeline::lielac_images
