// Stage train/<variant> of `lielac.pde`: a Fourier neural operator learns
// u0 -> u(., T) with the relative L2 loss of the FNO reference scripts,
// data-parallel with the shared nn::TrainingLoop through the shared stage
// adapter (checkpoints, resume, NaN stop); an epoch is one pass over its
// pairs in the keyed minibatch order.
//   plain       the training pairs: the restricted distribution.
//   augmented   the same pairs, each minibatch sample moved by a random
//               symmetry keyed by (training seed, step, sample): input and
//               target mapped by the same framed element (pde_frame.hpp), the
//               exact symmetry of the equation (Lie point symmetry data
//               augmentation, Brandstetter et al.), drawn from ranges that
//               run from the identity to the OOD inputs' largest (problem.hpp).
//   fine-tuned  the plain model, trained further on data.fine_tune
//               transformed pairs (solved, not mapped) for fine_tune.epochs
//               at fine_tune.learning_rate.
#include <fmt/format.h>

#include "canonicalisation/pde_frame.hpp"
#include "experiments/lielac_pde/model.hpp"
#include "experiments/lielac_pde/problem.hpp"
#include "experiments/lielac_pde/stages.hpp"
#include "experiments/shared/training_stage.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/device.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_pde {

namespace {

constexpr std::uint64_t kMinibatchOrder = 5;

// The augmented variant's loss: this rank's block of the step's minibatch,
// every pair moved by its own random symmetry.
class AugmentedLoss {
public:
  AugmentedLoss(const Settings& s, neural_operators::Fno1d model, Pairs pairs, torch::Dtype dtype, mpi::Comm comm)
      : s_(s), group_(symmetry_group(s.data.pde)), model_(std::move(model)), pairs_(std::move(pairs)), dtype_(dtype),
        comm_(comm), sampler_(s.training.seed, kMinibatchOrder, pairs_.u0.size(0), s.training.batch) {}

  double operator()(std::int64_t step) {
    const std::vector<std::int64_t> mine = sampler_.indices(step, comm_.size(), comm_.rank());
    if (mine.empty()) return 0;
    std::vector<std::vector<double>> inputs, targets;
    DataSettings keyed = s_.data;
    keyed.seed = s_.training.seed;  // augmentation draws from the training seed
    for (std::int64_t i : mine) {
      const auto key = static_cast<std::uint64_t>(step) * static_cast<std::uint64_t>(pairs_.u0.size(0)) +
                       static_cast<std::uint64_t>(i);
      const pde::GroupElement g = random_transform(keyed, kAugmentTransform, key, true);
      inputs.push_back(canonicalisation::to_frame(group_, g, row(pairs_.u0, i), 1.0));
      targets.push_back(canonicalisation::act_on_snapshot(group_, g, row(pairs_.uT, i), 1.0, s_.data.pde.t_end));
    }
    const torch::Tensor prediction = model_->forward(rows_to_tensor(inputs).to(dtype_));
    const torch::Tensor loss =
        neural_operators::relative_l2_per_sample(prediction, rows_to_tensor(targets).to(dtype_)).sum() /
        static_cast<double>(sampler_.batch_size(step));
    loss.backward();
    return loss.item<double>();
  }

private:
  const Settings& s_;
  pde::SymmetryGroup group_;
  neural_operators::Fno1d model_;
  Pairs pairs_;
  torch::Dtype dtype_;
  mpi::Comm comm_;
  nn::MinibatchSampler sampler_;
};

}  // namespace

void train(StageContext& ctx, const std::string& variant) {
  const Settings s = read_settings(ctx.config);
  const bool fine_tuned = variant == "fine-tuned";
  const TrainingSettings ts = fine_tuned ? [&] {
    TrainingSettings t = s.training;
    t.epochs = s.fine_tune_epochs;
    nn::OptimizerOptions o = t.optimizer;
    o.learning_rate = s.fine_tune_learning_rate;
    return t.with_optimizer(o);
  }()
                                         : s.training;
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const std::int64_t P = s.data.pde.model_points();

  neural_operators::Fno1d model = fine_tuned ? load_model(ctx.file.open_group("/models"), "plain", s, dtype)
                                             : make_model(s, ts.seed * 16 + kModelInit, dtype);
  const Pairs pairs = fine_tuned ? read_pairs(ctx.file, "fine_tune", s.data.fine_tune, P)
                                 : read_pairs(ctx.file, "train", s.data.train, P);
  const auto optimizer = nn::make_optimizer(model->parameters(), ts.optimizer, "training");
  const std::int64_t n = pairs.u0.size(0);
  const std::int64_t steps = (n + ts.batch - 1) / ts.batch;  // one pass over the pairs per epoch
  const nn::TrainingOptions options = ts.loop_options("train/" + variant, steps);
  nn::TrainingLoop loop(*model, *optimizer, ctx.comm, options, ts.update_options(steps));

  neural_operators::OperatorDataLoss plain_loss([&](const torch::Tensor& u) { return model->forward(u); },
                                                pairs.u0.to(dtype), pairs.uT.to(dtype), ts.batch, ts.seed, ctx.comm,
                                                neural_operators::DataLoss::RelativeL2, "training");
  AugmentedLoss augmented_loss(s, model, pairs, dtype, ctx.comm);
  nn::TrainingCallbacks cb;
  if (variant == "augmented")
    cb.loss_and_gradients = std::ref(augmented_loss);
  else
    cb.loss_and_gradients = std::ref(plain_loss);

  const TrainingRun run = run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps)});
  const double epochs_run = double(loop.next_step() - run.first_step) / double(steps);

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, variant, s, model);
  h5::Group g = ctx.fresh_group("/training/" + variant);
  write_training_history(g, loop, ctx.comm.size());
  g.set_attribute("seconds", run.seconds);
  g.set_attribute("seconds_per_epoch", epochs_run > 0 ? run.seconds / epochs_run : 0.0);
  g.set_attribute("epochs", ts.epochs);
  g.set_attribute("steps_per_epoch", steps);
  log::info("train/{}: done, final loss {:.3e}, {:.3g} s", variant, loop.history().modules.front().loss.back(),
            run.seconds);
}

}  // namespace structura::pipeline::lielac_pde
