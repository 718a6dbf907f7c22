// Stage train/<variant> of `sympflow`: data-parallel training of one variant
// with the shared nn::TrainingLoop, set up from the shared [training] table
// and run through the shared stage adapter (experiments/shared/). Collocation
// points (unsupervised) and minibatch orders (supervised, nn::MinibatchSampler)
// are drawn from the counter-based generator keyed by the step, so a resumed
// or re-decomposed training sees the same samples.
#include <fmt/format.h>

#include <optional>

#include "core/rng.hpp"
#include "experiments/shared/training_params.hpp"
#include "experiments/shared/training_stage.hpp"
#include "experiments/sympflow/models.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"
#include "hamiltonian/sympflow/losses.hpp"
#include "nn/device.hpp"
#include "nn/minibatch_sampler.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "run/log.hpp"

namespace structura::pipeline::sympflow {

using namespace hamiltonian::sympflow;

namespace {

// Streams of the generator, keyed by derived_seed(experiment.seed, Training).
constexpr std::uint64_t kCollocationStates = 1, kCollocationTimes = 2, kValidationStates = 3, kValidationTimes = 4,
                        kMinibatchOrder = 5;

// Points j in [range.begin, range.end) of a sample set: states in the box,
// times uniform in [t_min, t_max].
struct Points {
  torch::Tensor x0, t;
};
Points draw_points(const Settings& s, std::uint64_t state_stream, std::uint64_t time_stream, std::uint64_t first_item,
                   const Range& range, torch::Dtype dtype) {
  const int n2 = 2 * s.dof;
  std::vector<double> x(static_cast<std::size_t>(range.count * n2)), t(static_cast<std::size_t>(range.count));
  const std::uint64_t key = derived_seed(s.seed, Purpose::Training);
  const CounterRng times(key, time_stream);
  for (std::int64_t j = 0; j < range.count; ++j) {
    const auto item = first_item + static_cast<std::uint64_t>(range.begin + j);
    draw_in_box(s.box, s.dof, key, state_stream, item, &x[static_cast<std::size_t>(j * n2)]);
    t[static_cast<std::size_t>(j)] = s.t_min + (s.t_max - s.t_min) * times.uniform4(item, 0).u[0];
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  return {torch::from_blob(x.data(), {range.count, n2}, f64).to(dtype, false, true),  // copy: x dies here
          torch::from_blob(t.data(), {range.count, 1}, f64).to(dtype, false, true)};
}

LossWeights weights_for(const Settings& s, const Variant& v, std::int64_t epoch) {
  if (v.name == "residual") return {1, 0, 0};
  if (v.name == "residual+matching") return {1, s.matching_weight, 0};
  if (v.name == "matching") return {0, 1, 0};
  if (v.name == "mixed") return epoch < std::llround(s.mixed_switch * double(s.epochs)) ? LossWeights{0, 1, 0} : LossWeights{1, 0, 0};
  return {1, 0, s.energy_weight};  // baseline
}

// Supervised data of /data/<which>: pairs (x0, t, y) flattened over trajectories x times.
struct Pairs {
  torch::Tensor x0, t, y;  // (pairs, 2n), (pairs, 1), (pairs, 2n), on every rank
};
Pairs read_pairs(const h5::File& file, const std::string& which, torch::Dtype dtype) {
  const h5::Group g = file.open_group("/data/" + which);
  const h5::Dataset initial = g.open_dataset("initial"), states = g.open_dataset("states");
  const auto dims = states.dims();  // (N, M, 2n)
  const auto N = static_cast<std::int64_t>(dims[0]), M = static_cast<std::int64_t>(dims[1]),
             n2 = static_cast<std::int64_t>(dims[2]);
  std::vector<double> x0 = initial.read_all<double>(), y = states.read_all<double>(),
                      times = g.open_dataset("times").read_all<double>();
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor tx0 = torch::from_blob(x0.data(), {N, 1, n2}, f64).expand({N, M, n2}).reshape({N * M, n2});
  torch::Tensor tt = torch::from_blob(times.data(), {1, M}, f64).expand({N, M}).reshape({N * M, 1});
  torch::Tensor ty = torch::from_blob(y.data(), {N * M, n2}, f64);
  return {tx0.to(dtype).clone(), tt.to(dtype).clone(), ty.to(dtype).clone()};
}

}  // namespace

void train(StageContext& ctx, const std::string& variant_name) {
  Settings s = read_settings(ctx.config);
  s.seed = s.training.seed;  // training.seed (default experiment.seed) keys everything drawn here
  const TrainingSettings& ts = s.training;
  const Variant v = parse_variant(variant_name);
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(ts.device, ts.dtype, ts.threads, "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const torch::Device device = torch_settings.device;

  auto model = make_model(s, v, s.seed, dtype);
  model->to(device);
  const auto optimizer = nn::make_optimizer(model->parameters(), ts.optimizer, "training");

  const std::int64_t steps = steps_per_epoch(s, v);  // optimizer steps per epoch
  const nn::TrainingOptions options = ts.loop_options(fmt::format("train/{}", v.name), steps);
  nn::TrainingLoop loop(*model, *optimizer, ctx.comm, options, ts.update_options(steps));

  // ---- the data this rank sees ----
  Pairs data, validation_pairs;
  Points validation;
  if (v.supervised) {
    data = read_pairs(ctx.file, "training", dtype);
    validation_pairs = read_pairs(ctx.file, "validation", dtype);
  } else {
    validation = draw_points(s, kValidationStates, kValidationTimes, 0, ctx.comm.block(s.validation_points), dtype);
  }
  auto to_device = [&](const torch::Tensor& t) { return t.to(device); };
  // Supervised minibatches: pass p over the pairs in the keyed order of (seed, p).
  std::optional<nn::MinibatchSampler> sampler;
  if (v.supervised)
    sampler.emplace(derived_seed(s.seed, Purpose::Training), kMinibatchOrder, data.x0.size(0), s.data_batch);

  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = [&](std::int64_t it) -> double {
    if (v.supervised) {
      std::vector<std::int64_t> mine = sampler->indices(it, ctx.comm.size(), ctx.comm.rank());
      torch::Tensor idx = torch::from_blob(mine.data(), {static_cast<std::int64_t>(mine.size())}, torch::kInt64).clone();
      torch::Tensor loss = data_loss(*model, to_device(data.x0.index_select(0, idx)),
                                     to_device(data.t.index_select(0, idx)), to_device(data.y.index_select(0, idx))) /
                           double(sampler->batch_size(it));
      loss.backward();
      return loss.item<double>();
    }
    const Points p = draw_points(s, kCollocationStates, kCollocationTimes, static_cast<std::uint64_t>(it * s.batch),
                                 ctx.comm.block(s.batch), dtype);
    LossTerms terms = unsupervised_loss(*model, s.system, to_device(p.x0), to_device(p.t), weights_for(s, v, it));
    torch::Tensor loss = terms.total / double(s.batch);
    loss.backward();
    return loss.item<double>();
  };
  // Model selection: the variant's loss of that epoch on fixed held-out
  // points (its data loss on held-out trajectories when supervised).
  cb.validate = [&](std::int64_t it) -> double {
    double sum = 0, count = 0;
    if (v.supervised) {
      torch::NoGradGuard no_grad;
      const Range mine = ctx.comm.block(validation_pairs.x0.size(0));
      sum = data_loss(*model, to_device(validation_pairs.x0.narrow(0, mine.begin, mine.count)),
                      to_device(validation_pairs.t.narrow(0, mine.begin, mine.count)),
                      to_device(validation_pairs.y.narrow(0, mine.begin, mine.count)))
                .item<double>();
      count = double(validation_pairs.x0.size(0));
    } else {
      torch::NoGradGuard no_grad;  // the time derivative is forward mode: no graph needed
      sum = unsupervised_loss(*model, s.system, to_device(validation.x0), to_device(validation.t), weights_for(s, v, it))
                .total.item<double>();
      count = double(s.validation_points);
    }
    return ctx.comm.sum(sum) / count;
  };

  const TrainingRun run =
      run_training(ctx, loop, cb, {options.name, "steps", ts.checkpoint_every_steps(steps)});
  const double epochs_run = double(loop.next_step() - run.first_step) / double(steps);
  const double seconds_per_epoch = epochs_run > 0 ? run.seconds / epochs_run : 0.0;

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, s, v, *model);
  h5::Group g = ctx.fresh_group("/training/" + v.name);
  write_training_history(g, loop, ctx.comm.size());
  g.set_attribute("seconds_per_epoch", seconds_per_epoch);
  g.set_attribute("epochs", s.epochs);
  g.set_attribute("steps_per_epoch", steps);
  log::info("{}: done, final loss {:.3e}, best validation {:.3e} at step {}, {:.3g} s per epoch", options.name,
            loop.history().modules.front().loss.back(), loop.best_metric(), loop.best_step().value_or(-1),
            seconds_per_epoch);
}

}  // namespace structura::pipeline::sympflow
