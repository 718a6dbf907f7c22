// Stage `train` of `lielac.allen_cahn`: a 2-D Fourier neural operator
// learns u0 -> u(., T) from the training pairs (the restricted
// distribution) with the relative L2 loss of the FNO reference scripts,
// data-parallel with the shared nn::TrainingLoop through the shared stage
// adapter (checkpoints, resume, NaN stop); an epoch is one pass over the
// pairs in the keyed minibatch order.
#include <fmt/format.h>

#include "experiments/lielac_allen_cahn/model.hpp"
#include "experiments/lielac_allen_cahn/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_allen_cahn {

void train(StageContext& ctx) {
  const Settings s = read_settings(ctx.config);
  const TrainingSettings& ts = s.training;
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const std::int64_t M = s.data.pde.model_points();

  neural_operators::Fno2d model = make_model(s, ts.seed * 16 + kModelInit, dtype);
  const Pairs pairs = read_pairs(ctx.file, "train", s.data.train, M);
  const auto optimizer = nn::make_optimizer(model->parameters(), ts.optimizer, "training");
  const std::int64_t n = pairs.u0.size(0);
  const std::int64_t steps = (n + ts.batch - 1) / ts.batch;  // one pass over the pairs per epoch
  const nn::TrainingOptions options = ts.loop_options("train", steps);
  nn::TrainingLoop loop(*model, *optimizer, ctx.comm, options, ts.update_options(steps));

  neural_operators::OperatorDataLoss loss([&](const torch::Tensor& u) { return model->forward(u); }, pairs.u0.to(dtype),
                                          pairs.uT.to(dtype), ts.batch, ts.seed, ctx.comm,
                                          neural_operators::DataLoss::RelativeL2, "training");
  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = std::ref(loss);
  const TrainingRun run = run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps)});
  const double epochs_run = double(loop.next_step() - run.first_step) / double(steps);

  save_model(ctx.file, s, model);
  h5::Group g = ctx.fresh_group("/training");
  write_training_history(g, loop, ctx.comm.size());
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("seconds_per_epoch", epochs_run > 0 ? run.seconds / epochs_run : 0.0);
  g.set_attribute("epochs", ts.epochs);
  g.set_attribute("steps_per_epoch", steps);
  log::info("train: done, final loss {:.3e}, {:.3g} s", loop.history().modules.front().loss.back(), run.seconds);
}

}  // namespace structura::pipeline::lielac_allen_cahn
