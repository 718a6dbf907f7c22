// Stage train/<variant> of `sympflow`: data-parallel training of one variant
// with the shared nn::TrainingLoop. Collocation points (unsupervised) and
// minibatch orders (supervised) are drawn from the counter-based generator
// keyed by the epoch, so a resumed or re-decomposed training sees the same
// samples.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "core/rng.hpp"
#include "experiments/sympflow/models.hpp"
#include "experiments/sympflow/settings.hpp"
#include "experiments/sympflow/stages.hpp"
#include "hamiltonian/sympflow/losses.hpp"
#include "nn/device.hpp"
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

// The order of the pairs in pass `pass`: sorted by a random key per pair.
std::vector<std::int64_t> minibatch_order(std::uint64_t seed, std::int64_t pass, std::int64_t pairs) {
  const CounterRng rng(seed, kMinibatchOrder);
  std::vector<std::uint64_t> key(static_cast<std::size_t>(pairs));
  for (std::int64_t i = 0; i < pairs; ++i)
    key[static_cast<std::size_t>(i)] = rng.bits(static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(pass)).v[0];
  std::vector<std::int64_t> order(static_cast<std::size_t>(pairs));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return key[static_cast<std::size_t>(a)] != key[static_cast<std::size_t>(b)]
               ? key[static_cast<std::size_t>(a)] < key[static_cast<std::size_t>(b)]
               : a < b;
  });
  return order;
}

void write_history(h5::Group& g, const nn::TrainingHistory& h) {
  const h5::Dims dims{static_cast<hsize_t>(h.loss.size())};
  g.write_dataset("loss", h.loss, dims).set_attribute("meaning", "global training loss before each epoch's step");
  g.write_dataset("learning_rate", h.learning_rate, dims);
  g.write_dataset("gradient_norm", h.gradient_norm, dims).set_attribute("meaning", "before clipping");
  g.write_dataset("validation", h.validation, dims)
      .set_attribute("meaning", "validation metric after the epoch's step (NaN: not validated)");
}

}  // namespace

void train(StageContext& ctx, const std::string& variant_name) {
  const Config& c = ctx.config;
  const Settings s = read_settings(c);
  const Variant v = parse_variant(variant_name);
  const nn::TorchSettings torch_settings = nn::parse_torch_settings(
      c.get_string("training.device"), c.get_string("training.dtype"), static_cast<int>(c.get_int("training.threads")),
      "training");
  nn::apply(torch_settings);
  const torch::Dtype dtype = torch_settings.dtype;
  const torch::Device device = torch_settings.device;

  auto model = make_model(s, v, s.seed, dtype);
  model->to(device);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(c.get_float("training.learning_rate")));

  const std::int64_t steps = steps_per_epoch(s, v);
  const std::int64_t iterations = s.epochs * steps;  // optimizer steps
  nn::ScheduleParameters sp;
  sp.learning_rate = c.get_float("training.learning_rate");
  sp.gamma = c.get_float("training.gamma");
  sp.step_every = c.get_int("training.step_every") * steps;
  sp.min_learning_rate = c.get_float("training.min_learning_rate");
  sp.pct_start = c.get_float("training.pct_start");
  nn::TrainingOptions options;
  options.name = fmt::format("train/{}", v.name);
  options.epochs = iterations;
  options.schedule = nn::LearningRateSchedule::parse(c.get_string("training.schedule"), sp, iterations, "training");
  options.clip_gradient_norm = c.get_float("training.clip");
  options.divergence_factor = c.get_float("training.divergence_factor");
  options.validate_every = s.validate_every * steps;
  options.selection_fraction = c.get_float("training.selection_fraction");
  nn::TrainingLoop loop(*model, optimizer, ctx.comm, options);
  if (ctx.resuming) loop.load_state(ctx.checkpoint_group());

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

  std::vector<std::int64_t> order;  // the supervised pass `order_pass`'s order of the pairs
  std::int64_t order_pass = -1;
  nn::TrainingCallbacks cb;
  cb.loss_and_gradients = [&](std::int64_t it) -> double {
    if (v.supervised) {
      const std::int64_t pairs = data.x0.size(0), pass = it / steps, k = it % steps;
      if (pass != order_pass) {  // one shuffle per pass, not per minibatch
        order = minibatch_order(derived_seed(s.seed, Purpose::Training), pass, pairs);
        order_pass = pass;
      }
      const std::int64_t begin = k * s.data_batch, size = std::min(s.data_batch, pairs - begin);
      const Range mine = block_range(size, ctx.comm.size(), ctx.comm.rank());
      torch::Tensor idx = torch::from_blob(order.data() + begin + mine.begin,
                                           {mine.count}, torch::kInt64)
                              .clone();
      torch::Tensor loss = data_loss(*model, to_device(data.x0.index_select(0, idx)),
                                     to_device(data.t.index_select(0, idx)), to_device(data.y.index_select(0, idx))) /
                           double(size);
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
  Progress progress = ctx.progress(options.name, iterations, steps > 1 ? "steps" : "epochs");
  cb.progress = [&](const nn::EpochRecord& r) {
    progress.update(r.epoch + 1, fmt::format("loss {:.3e}", r.loss));
  };
  cb.poll = [&] {
    switch (ctx.checkpointer.poll()) {
      case Checkpointer::Action::Continue: return nn::CheckpointAction::Continue;
      case Checkpointer::Action::Save: return nn::CheckpointAction::Save;
      default: return nn::CheckpointAction::SaveAndStop;
    }
  };
  cb.save_checkpoint = [&] {
    h5::Group ck = ctx.checkpoint_group();
    loop.save_state(ck);
    ctx.file.flush();
    log::info("{}: checkpoint after {} of {} {}", options.name, loop.next_epoch(), iterations,
              steps > 1 ? "steps" : "epochs");
  };

  const std::int64_t first = loop.next_epoch();
  const auto start = std::chrono::steady_clock::now();
  const nn::TrainingStatus status = loop.run(cb);
  const double seconds = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (status == nn::TrainingStatus::Stopped) throw Interrupted();
  const double epochs_run = double(loop.next_epoch() - first) / double(steps);
  progress.finish(fmt::format("{:.3g} s per epoch", epochs_run > 0 ? seconds / epochs_run : 0.0));

  h5::Group models = ctx.file.require_group("/models");
  save_model(models, s, v, *model);
  h5::Group g = ctx.fresh_group("/training/" + v.name);
  write_history(g, loop.history());
  g.set_attribute("seconds_per_epoch", epochs_run > 0 ? seconds / epochs_run : 0.0);
  g.set_attribute("epochs", s.epochs);
  g.set_attribute("steps_per_epoch", steps);
  g.set_attribute("best_step", loop.best_epoch().value_or(-1));
  g.set_attribute("best_validation", loop.best_metric());
  g.set_attribute("ranks", ctx.comm.size());
  log::info("{}: done, final loss {:.3e}, best validation {:.3e} at step {}", options.name,
            loop.history().loss.back(), loop.best_metric(), loop.best_epoch().value_or(-1));
}

}  // namespace structura::pipeline::sympflow
