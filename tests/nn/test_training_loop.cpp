// The shared training loop, each behaviour against an independent truth: the
// normal equations of least squares, a whole-batch run on one rank, an
// uninterrupted run (for resume), OneCycleLR's closed form, the analytic
// gradient norm, a scripted validation metric. Run on 1 and 2 ranks.
#include "torch_doctest.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <numbers>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/device.hpp"
#include "nn/optimizer.hpp"
#include "nn/schedule.hpp"
#include "nn/training_loop.hpp"


using namespace structura;

namespace {

constexpr std::int64_t samples_total = 64;

// Sample i of a noisy linear dataset, drawn by index: the same on any rank.
std::pair<torch::Tensor, torch::Tensor> samples(std::int64_t begin, std::int64_t end) {
  const CounterRng rng(99, 3);
  const torch::Tensor true_weights = torch::tensor({0.7, -1.3, 0.4}, torch::kFloat64);
  auto x = torch::empty({end - begin, 3}, torch::kFloat64);
  auto y = torch::empty({end - begin, 1}, torch::kFloat64);
  for (std::int64_t i = begin; i < end; ++i) {
    const auto u = rng.uniform4(static_cast<std::uint64_t>(i), 0);
    for (int k = 0; k < 3; ++k) x[i - begin][k] = 2 * u.u[k] - 1;
    y[i - begin][0] = (x[i - begin] * true_weights).sum() + 0.5 + 0.1 * (u.u[3] - 0.5);
  }
  return {x, y};
}

torch::nn::Sequential make_mlp() {
  torch::manual_seed(11);
  torch::nn::Sequential m(torch::nn::Linear(3, 8), torch::nn::Tanh(), torch::nn::Linear(8, 1));
  m->to(torch::kFloat64);
  return m;
}

// Mean squared error of this rank's shard, divided by the global count.
// With `minibatch` > 0 each epoch uses a random subset keyed by the epoch
// (counter-based: a resumed run draws the same subsets).
struct ShardLoss {
  torch::nn::Sequential model;
  torch::Tensor x, y;
  std::int64_t first;  // global index of this shard's first sample
  std::int64_t minibatch = 0;

  double operator()(std::int64_t epoch) const {
    torch::Tensor weight = torch::ones({x.size(0), 1}, torch::kFloat64);
    double count = static_cast<double>(samples_total);
    if (minibatch > 0) {
      const CounterRng rng(5, 0);
      for (std::int64_t i = 0; i < x.size(0); ++i)
        weight[i][0] = rng.uniform4(static_cast<std::uint64_t>(first + i), static_cast<std::uint64_t>(epoch)).u[0] <
                               double(minibatch) / samples_total
                           ? 1.0
                           : 0.0;
      count = static_cast<double>(minibatch);  // expected subset size: a fixed normaliser
    }
    torch::nn::Sequential m = model;  // forward() is not const
    torch::Tensor loss = ((m->forward(x) - y).pow(2) * weight).sum() / count;
    loss.backward();
    return loss.item<double>();
  }
};

ShardLoss shard_loss(const torch::nn::Sequential& model, const mpi::Comm& comm, std::int64_t minibatch = 0) {
  const Range r = comm.block(samples_total);
  auto [x, y] = samples(r.begin, r.end());
  return {model, x, y, r.begin, minibatch};
}

double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

std::string temp_file(const mpi::Comm& comm, const std::string& tag) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("structura-train-" + tag + "-" + std::to_string(::getpid()) + ".h5"))
          .string();
  comm.broadcast(path);
  return path;
}

nn::LearningRateSchedule schedule(const std::string& name, double lr, std::int64_t epochs) {
  nn::ScheduleParameters p;
  p.learning_rate = lr;
  return nn::LearningRateSchedule::parse(name, p, epochs, "test.schedule");
}

}  // namespace

TEST_CASE("full-batch training of a linear model converges to the normal-equations solution") {
  mpi::Comm world;
  torch::manual_seed(1);
  torch::nn::Sequential model(torch::nn::Linear(3, 1));
  model->to(torch::kFloat64);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.steps = 3000;
  u.schedule = schedule("cosine", 0.05, o.steps);
  nn::TrainingLoop loop(*model, adam, world, o, u);
  const ShardLoss loss = shard_loss(model, world);
  CHECK(loop.run({.loss_and_gradients = loss}) == nn::TrainingStatus::Finished);

  // Independent truth: least squares on [x 1] by torch::linalg on the whole dataset.
  auto [x, y] = samples(0, samples_total);
  const torch::Tensor design = torch::cat({x, torch::ones({samples_total, 1}, torch::kFloat64)}, 1);
  const torch::Tensor exact = torch::linalg::solve(design.t().mm(design), design.t().mm(y), true).reshape({-1});
  const torch::Tensor trained = torch::cat(
      {model[0]->as<torch::nn::Linear>()->weight.reshape({-1}), model[0]->as<torch::nn::Linear>()->bias.reshape({-1})});
  const double error = (trained - exact).abs().max().item<double>();
  MESSAGE("max |trained - normal equations| = ", error);
  CHECK(error < 1e-8);
  CHECK(loop.history().modules[0].loss.size() == 3000);
  CHECK(loop.history().modules[0].loss.back() < loop.history().modules[0].loss.front());
}

TEST_CASE("the loop on shards equals the loop on the whole batch on one rank") {
  mpi::Comm world, self(MPI_COMM_SELF);
  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.steps = 40;
  u.schedule = schedule("one-cycle", 0.02, o.steps);
  u.clip_gradient_norm = 0.5;

  auto train = [&](const mpi::Comm& comm) {
    auto model = make_mlp();
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1.0));
    nn::TrainingLoop loop(*model, adam, comm, o, u);
    loop.run({.loss_and_gradients = shard_loss(model, comm, 24)});
    return std::pair{nn::TrainingHistory(loop.history()), model->parameters()};
  };
  const auto [h_world, p_world] = train(world);
  const auto [h_self, p_self] = train(self);
  const double diff = max_difference(p_world, p_self);
  MESSAGE("ranks ", world.size(), ": max |parameter difference| to one rank = ", diff);
  CHECK(diff < 1e-12);
  CHECK(std::abs(h_world.modules[0].loss.back() - h_self.modules[0].loss.back()) < 1e-12);
}

TEST_CASE("a run interrupted and resumed from HDF5 ends bit-identical to an uninterrupted run") {
  mpi::Comm world;
  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.steps = 30;
  u.schedule = schedule("one-cycle", 0.05, o.steps);
  u.clip_gradient_norm = 1.0;
  o.validate_every = 3;                    // validations at epochs 2, 5, ..., 29
  o.selection_fraction = 0.5;              // window: epochs 15..29
  constexpr std::int64_t stop_after = 20;  // epochs 0..19 run before the interruption

  // Validation error on separate samples (sharded, summed over ranks), made
  // worse after epoch 17 so that the selected parameters (epoch 17) predate
  // the interruption and must come back from the checkpoint.
  const Range r = world.block(32);
  const auto held_out = samples(1000 + r.begin, 1000 + r.end());
  auto validation = [&](torch::nn::Sequential m) {
    return [&world, m, held_out](std::int64_t epoch) mutable {
      torch::NoGradGuard no_grad;
      const double error = (m->forward(held_out.first) - held_out.second).pow(2).sum().item<double>() / 32.0;
      return world.sum(error) + (epoch > 17 ? 1.0 : 0.0);
    };
  };
  // The trained parameters after the last epoch, before the best ones are restored.
  auto last_epoch_parameters = [&](const torch::nn::Sequential& m, std::vector<torch::Tensor>& out) {
    return [&out, m, last = o.steps - 1](const nn::StepRecord& record) {
      if (record.step != last) return;
      out.clear();
      for (const auto& p : m->parameters()) out.push_back(p.detach().clone());
    };
  };

  auto reference = make_mlp();
  torch::optim::Adam adam_ref(reference->parameters(), torch::optim::AdamOptions(1.0));
  nn::TrainingLoop uninterrupted(*reference, adam_ref, world, o, u);
  std::vector<torch::Tensor> reference_last;
  uninterrupted.run({.loss_and_gradients = shard_loss(reference, world, 20),
                     .validate = validation(reference),
                     .progress = last_epoch_parameters(reference, reference_last)});
  CHECK(uninterrupted.best_step() == 17);

  const std::string path = temp_file(world, "resume");
  {
    auto model = make_mlp();
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1.0));
    nn::TrainingLoop loop(*model, adam, world, o, u);
    const auto status = loop.run({
        .loss_and_gradients = shard_loss(model, world, 20),
        .validate = validation(model),
        .poll =
            [&] {
              return loop.next_step() == stop_after ? nn::CheckpointAction::SaveAndStop
                                                     : nn::CheckpointAction::Continue;
            },
        .save_checkpoint =
            [&] {
              h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
              h5::Group g = f.require_group("/checkpoint/training");
              loop.save_state(g);
            },
    });
    CHECK(status == nn::TrainingStatus::Stopped);
    CHECK(loop.next_step() == stop_after);
    CHECK(loop.best_step() == 17);
  }

  auto resumed = make_mlp();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : resumed->parameters()) p.fill_(0.25);  // nothing left of the initialisation
  }
  torch::optim::Adam adam(resumed->parameters(), torch::optim::AdamOptions(1.0));
  nn::TrainingLoop loop(*resumed, adam, world, o, u);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    loop.load_state(f.open_group("/checkpoint/training"));
  }
  CHECK(loop.next_step() == stop_after);
  int polls = 0, saves = 0;
  std::vector<torch::Tensor> resumed_last;
  // A periodic Save into the same group overwrites the first checkpoint and
  // the training goes on.
  const auto status = loop.run({
      .loss_and_gradients = shard_loss(resumed, world, 20),
      .validate = validation(resumed),
      .progress = last_epoch_parameters(resumed, resumed_last),
      .poll = [&] { return ++polls == 5 ? nn::CheckpointAction::Save : nn::CheckpointAction::Continue; },
      .save_checkpoint =
          [&] {
            h5::File f = h5::File::open_parallel(path, h5::Mode::ReadWrite, world.get());
            h5::Group g = f.require_group("/checkpoint/training");
            loop.save_state(g);
            ++saves;
          },
  });
  CHECK(status == nn::TrainingStatus::Finished);
  CHECK(polls == o.steps - stop_after - 1);  // no poll after the last epoch
  CHECK(saves == 1);
  REQUIRE(resumed_last.size() == reference_last.size());
  CHECK(max_difference(reference_last, resumed_last) == 0.0);
  // Both restored the parameters of epoch 17, the resumed one from the file.
  CHECK(loop.best_step() == 17);
  CHECK(loop.best_metric() == uninterrupted.best_metric());
  CHECK(max_difference(reference->parameters(), resumed->parameters()) == 0.0);
  CHECK(max_difference(reference->parameters(), reference_last) > 0.0);
  const auto& a = uninterrupted.history();
  const auto& b = loop.history();
  CHECK(a.modules[0].loss == b.modules[0].loss);
  CHECK(a.modules[0].learning_rate == b.modules[0].learning_rate);
  CHECK(a.modules[0].gradient_norm == b.modules[0].gradient_norm);
  REQUIRE(a.validation.size() == b.validation.size());
  for (std::size_t i = 0; i < a.validation.size(); ++i)
    CHECK((a.validation[i] == b.validation[i] || (std::isnan(a.validation[i]) && std::isnan(b.validation[i]))));

  // A checkpoint for another training length is refused.
  nn::TrainingOptions longer = o;
  longer.steps = 31;
  nn::UpdateOptions longer_update = u;
  longer_update.schedule = schedule("one-cycle", 0.05, longer.steps);
  nn::TrainingLoop other(*resumed, adam, world, longer, longer_update);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    CHECK_THROWS_WITH_AS(other.load_state(f.open_group("/checkpoint/training")),
                         doctest::Contains("written for 30 steps"), InputError);
  }
  world.barrier();
  if (world.is_root()) std::filesystem::remove(path);
}

TEST_CASE("a NaN loss stops the training with the step in the message, on every rank") {
  mpi::Comm world;
  auto model = make_mlp();
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.name = "test training";
  o.steps = 10;
  nn::TrainingLoop loop(*model, adam, world, o, u);
  const ShardLoss loss = shard_loss(model, world);
  // Only rank 0 sees the NaN; the summed loss carries it to every rank.
  auto poisoned = [&](std::int64_t epoch) {
    const double value = loss(epoch);
    return epoch == 6 && world.is_root() ? std::numeric_limits<double>::quiet_NaN() : value;
  };
  CHECK_THROWS_WITH_AS(loop.run({.loss_and_gradients = poisoned}),
                       doctest::Contains("test training: the loss is nan at step 6"), NumericalError);
  CHECK(loop.next_step() == 6);

  // Divergence: a loss 100 times the best so far.
  auto model2 = make_mlp();
  torch::optim::Adam adam2(model2->parameters(), torch::optim::AdamOptions(1e-3));
  o.divergence_factor = 10;
  nn::TrainingLoop loop2(*model2, adam2, world, o, u);
  const ShardLoss loss2 = shard_loss(model2, world);
  auto exploding = [&](std::int64_t epoch) { return loss2(epoch) * (epoch == 4 ? 100.0 : 1.0); };
  CHECK_THROWS_WITH_AS(loop2.run({.loss_and_gradients = exploding}), doctest::Contains("diverged at step 4"),
                       NumericalError);
}

TEST_CASE("one-cycle and the other schedules match PyTorch's closed forms") {
  nn::ScheduleParameters p;
  p.learning_rate = 0.1;  // max_lr
  const auto one_cycle = nn::LearningRateSchedule::parse("one-cycle", p, 100, "s");
  const double initial = 0.1 / 25, final_lr = initial / 1e4;
  // OneCycleLR: phase 1 ends at step pct_start * total - 1 = 29, phase 2 at 99.
  CHECK(one_cycle.at(0) == doctest::Approx(initial).epsilon(1e-15));
  CHECK(one_cycle.at(29) == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(one_cycle.at(99) == doctest::Approx(final_lr).epsilon(1e-12));
  // Halfway through phase 2 the cosine is at its midpoint.
  CHECK(one_cycle.at(64) == doctest::Approx((0.1 + final_lr) / 2).epsilon(1e-14));
  const double pct = 10.0 / 29.0;
  CHECK(one_cycle.at(10) ==
        doctest::Approx(0.1 + (initial - 0.1) / 2 * (std::cos(std::numbers::pi * pct) + 1)).epsilon(1e-14));

  p.gamma = 0.5;
  p.step_every = 10;
  CHECK(nn::LearningRateSchedule::parse("step", p, 100, "s").at(25) == doctest::Approx(0.025));
  CHECK(nn::LearningRateSchedule::parse("exponential", p, 100, "s").at(3) == doctest::Approx(0.0125));
  p.min_learning_rate = 0.01;
  const auto cosine = nn::LearningRateSchedule::parse("cosine", p, 100, "s");
  CHECK(cosine.at(0) == doctest::Approx(0.1));
  CHECK(cosine.at(50) == doctest::Approx(0.055));
  CHECK(nn::LearningRateSchedule::parse("constant", p, 100, "s").at(77) == 0.1);

  // Warm-up over W = 10 epochs to the peak, then a cosine to 0 at epoch 110:
  // the rate after e + 1 calls of the hand-written scheduler of flow codes.
  p.warmup = 10;
  const auto warm = nn::LearningRateSchedule::parse("warmup-cosine", p, 110, "s");
  CHECK(warm.at(0) == doctest::Approx(0.01).epsilon(1e-15));
  CHECK(warm.at(4) == doctest::Approx(0.05).epsilon(1e-15));
  CHECK(warm.at(9) == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(warm.at(10) == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(warm.at(60) == doctest::Approx(0.05).epsilon(1e-14));
  CHECK(warm.at(35) == doctest::Approx(0.05 * (1 + std::cos(std::numbers::pi / 4))).epsilon(1e-14));
  CHECK(warm.at(109) > 0);
  p.warmup = 110;
  CHECK_THROWS_WITH_AS(nn::LearningRateSchedule::parse("warmup-cosine", p, 110, "pullback.schedule"),
                       doctest::Contains("pullback.schedule.warmup"), InputError);
  p.warmup = 10;

  CHECK_THROWS_WITH_AS(nn::LearningRateSchedule::parse("linear", p, 100, "sympflow.schedule"),
                       doctest::Contains("sympflow.schedule: unknown learning-rate schedule 'linear'"), InputError);
  p.pct_start = 1.5;
  CHECK_THROWS_WITH_AS(nn::LearningRateSchedule::parse("one-cycle", p, 100, "sympflow.schedule"),
                       doctest::Contains("sympflow.schedule.pct_start"), InputError);

  // set_learning_rate reaches every parameter group.
  auto a = torch::zeros({2}, torch::requires_grad()), b = torch::zeros({3}, torch::requires_grad());
  torch::optim::Adam adam({torch::optim::OptimizerParamGroup({a}), torch::optim::OptimizerParamGroup({b})},
                          torch::optim::AdamOptions(1.0));
  nn::set_learning_rate(adam, 0.125);
  for (auto& g : adam.param_groups()) CHECK(g.options().get_lr() == 0.125);
}

TEST_CASE("the moving average of the parameters equals its closed-form sum, and validation sees it") {
  // One weight w, SGD on the loss c w (split over the ranks): w_k = w_0 - k lr c.
  // The average after n steps is d^n w_0 + (1 - d) sum_{k=1..n} d^(n-k) w_k,
  // summed here directly rather than by the loop's recurrence.
  mpi::Comm world;
  torch::nn::Linear model(torch::nn::LinearOptions(1, 1).bias(false));
  model->to(torch::kFloat64);
  {
    torch::NoGradGuard no_grad;
    model->weight.fill_(2.0);
  }
  const double w0 = 2.0, lr = 0.1, c = 0.5, d = 0.9;
  torch::optim::SGD sgd(model->parameters(), torch::optim::SGDOptions(lr));
  nn::TrainingOptions o;
  o.steps = 25;
  o.validate_every = 5;
  o.restore_best = false;
  nn::UpdateOptions u;
  u.ema_decay = d;
  auto average = [&](std::int64_t n) {
    double e = std::pow(d, static_cast<double>(n)) * w0;
    for (std::int64_t k = 1; k <= n; ++k) e += (1 - d) * std::pow(d, static_cast<double>(n - k)) * (w0 - k * lr * c);
    return e;
  };
  std::map<std::int64_t, double> validated;
  nn::TrainingLoop loop(*model, sgd, world, o, u);
  loop.run({.loss_and_gradients =
                [&](std::int64_t) {
                  torch::Tensor loss = model->weight.sum() * (c / world.size());
                  loss.backward();
                  return loss.item<double>();
                },
            .validate =
                [&](std::int64_t step) {
                  validated[step] = model->weight.item<double>();
                  return 1.0;
                },
            .progress =
                [&](const nn::StepRecord& r) {
                  // Outside validation the module trains on its own parameters.
                  CHECK(model->weight.item<double>() == doctest::Approx(w0 - (r.step + 1) * lr * c).epsilon(1e-13));
                }});
  REQUIRE(validated.size() == 5);
  for (const auto& [step, w] : validated) CHECK(w == doctest::Approx(average(step + 1)).epsilon(1e-13));
  // The training ends holding the average; the trained weights went on.
  CHECK(model->weight.item<double>() == doctest::Approx(average(25)).epsilon(1e-13));
  CHECK(loop.ema_parameters(0)[0].item<double>() == doctest::Approx(w0 - 25 * lr * c).epsilon(1e-13));
  CHECK(std::abs(average(25) - (w0 - 25 * lr * c)) > 0.1);  // the two differ: the check can fail

  nn::UpdateOptions bad;
  bad.ema_decay = 1.0;
  CHECK_THROWS_WITH_AS(nn::TrainingLoop(*model, sgd, world, o, bad), doctest::Contains("ema_decay"), InputError);
}

TEST_CASE("with a moving average, an interrupted and resumed run equals an uninterrupted one bit for bit") {
  mpi::Comm world;
  nn::TrainingOptions o;
  o.steps = 20;
  o.validate_every = 4;
  o.selection_fraction = 1.0;
  nn::UpdateOptions u;
  u.ema_decay = 0.8;
  nn::ScheduleParameters p;
  p.learning_rate = 0.05;
  p.warmup = 5;
  u.schedule = nn::LearningRateSchedule::parse("warmup-cosine", p, o.steps, "test.schedule");
  const Range r = world.block(32);
  const auto held_out = samples(1000 + r.begin, 1000 + r.end());
  auto validation = [&](torch::nn::Sequential m) {
    return [&world, m, held_out](std::int64_t) mutable {
      torch::NoGradGuard no_grad;
      return world.sum((m->forward(held_out.first) - held_out.second).pow(2).sum().item<double>() / 32.0);
    };
  };
  auto reference = make_mlp();
  torch::optim::Adam adam_ref(reference->parameters(), torch::optim::AdamOptions(1.0));
  nn::TrainingLoop uninterrupted(*reference, adam_ref, world, o, u);
  uninterrupted.run({.loss_and_gradients = shard_loss(reference, world, 20), .validate = validation(reference)});

  const std::string path = temp_file(world, "resume-ema");
  {
    auto model = make_mlp();
    torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1.0));
    nn::TrainingLoop loop(*model, adam, world, o, u);
    loop.run({.loss_and_gradients = shard_loss(model, world, 20),
              .validate = validation(model),
              .poll = [&] { return loop.next_step() == 9 ? nn::CheckpointAction::SaveAndStop
                                                         : nn::CheckpointAction::Continue; },
              .save_checkpoint =
                  [&] {
                    h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
                    h5::Group g = f.require_group("/checkpoint/training");
                    loop.save_state(g);
                  }});
  }
  auto resumed = make_mlp();
  torch::optim::Adam adam(resumed->parameters(), torch::optim::AdamOptions(1.0));
  nn::TrainingLoop loop(*resumed, adam, world, o, u);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    loop.load_state(f.open_group("/checkpoint/training"));
  }
  loop.run({.loss_and_gradients = shard_loss(resumed, world, 20), .validate = validation(resumed)});
  CHECK(max_difference(reference->parameters(), resumed->parameters()) == 0.0);
  CHECK(max_difference(uninterrupted.ema_parameters(0), loop.ema_parameters(0)) == 0.0);
  const auto& va = uninterrupted.history().validation;
  const auto& vb = loop.history().validation;
  REQUIRE(va.size() == vb.size());
  for (std::size_t i = 0; i < va.size(); ++i) CHECK((va[i] == vb[i] || (std::isnan(va[i]) && std::isnan(vb[i]))));
  CHECK(uninterrupted.best_step() == loop.best_step());

  // Without an average in the checkpoint, a training that keeps one refuses it.
  nn::UpdateOptions plain = u;
  plain.ema_decay = 0;
  {
    auto model = make_mlp();
    torch::optim::Adam adam2(model->parameters(), torch::optim::AdamOptions(1.0));
    nn::TrainingLoop loop2(*model, adam2, world, o, plain);
    loop2.run({.loss_and_gradients = shard_loss(model, world, 20),
               .poll = [&] { return loop2.next_step() == 3 ? nn::CheckpointAction::SaveAndStop
                                                           : nn::CheckpointAction::Continue; },
               .save_checkpoint =
                   [&] {
                     h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
                     h5::Group g = f.require_group("/checkpoint/training");
                     loop2.save_state(g);
                   }});
  }
  nn::TrainingLoop refusing(*resumed, adam, world, o, u);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    CHECK_THROWS_WITH_AS(refusing.load_state(f.open_group("/checkpoint/training")),
                         doctest::Contains("keeps no average"), InputError);
  }
  world.barrier();
  if (world.is_root()) std::filesystem::remove(path);
}

TEST_CASE("gradient clipping scales the global norm to the clip value") {
  mpi::Comm world;
  torch::nn::Linear model(torch::nn::LinearOptions(4, 2).bias(false));
  model->to(torch::kFloat64);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-3));
  // loss = c * sum(W) split over ranks: dloss/dW = c everywhere, global norm c * sqrt(8).
  const double c = 3.0;
  auto loss = [&](std::int64_t) {
    torch::Tensor l = model->weight.sum() * (c / world.size());
    l.backward();
    return l.item<double>();
  };
  std::vector<double> norms;
  auto record = [&](const nn::StepRecord& r) { norms.push_back(r.updates[0].gradient_norm); };

  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.steps = 1;
  u.clip_gradient_norm = 2.0;
  nn::TrainingLoop clipped(*model, adam, world, o, u);
  clipped.run({.loss_and_gradients = loss, .progress = record});
  REQUIRE(norms.size() == 1);
  CHECK(norms[0] == doctest::Approx(c * std::sqrt(8.0)).epsilon(1e-14));  // the raw norm is reported
  // clip_grad_norm_ divides by (norm + 1e-6), as PyTorch does.
  CHECK(model->weight.grad().norm().item<double>() == doctest::Approx(2.0).epsilon(1e-6));

  u.clip_gradient_norm = 100.0;  // above the raw norm: untouched
  nn::TrainingLoop loose(*model, adam, world, o, u);
  loose.run({.loss_and_gradients = loss});
  CHECK(model->weight.grad().norm().item<double>() == doctest::Approx(c * std::sqrt(8.0)).epsilon(1e-14));
}

TEST_CASE("best-model selection keeps the parameters of the smallest metric inside the window") {
  mpi::Comm world;
  auto model = make_mlp();
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  nn::TrainingOptions o;
  nn::UpdateOptions u;
  o.steps = 20;
  o.selection_fraction = 0.25;  // epochs 15..19
  nn::TrainingLoop loop(*model, adam, world, o, u);
  // Metric by epoch: the global minimum (epoch 3) lies outside the window,
  // the window's minimum is at epoch 17.
  auto metric = [](std::int64_t epoch) {
    if (epoch == 3) return 0.0;
    if (epoch == 17) return 0.5;
    return 1.0 + 0.01 * static_cast<double>(epoch);
  };
  std::map<std::int64_t, std::vector<torch::Tensor>> snapshots;
  const ShardLoss loss = shard_loss(model, world);
  loop.run({.loss_and_gradients = loss, .validate = metric, .progress = [&](const nn::StepRecord& r) {
              std::vector<torch::Tensor> copy;
              for (const auto& p : model->parameters()) copy.push_back(p.detach().clone());
              snapshots[r.step] = copy;
            }});
  CHECK(loop.best_step() == 17);
  CHECK(loop.best_metric() == 0.5);
  CHECK(max_difference(model->parameters(), snapshots.at(17)) == 0.0);
  CHECK(max_difference(model->parameters(), snapshots.at(19)) > 0.0);

  // validate_every = 4 validates epochs 3, 7, 11, 15, 19 only.
  auto model2 = make_mlp();
  torch::optim::Adam adam2(model2->parameters(), torch::optim::AdamOptions(1e-2));
  o.validate_every = 4;
  o.selection_fraction = 1.0;
  nn::TrainingLoop every4(*model2, adam2, world, o, u);
  every4.run({.loss_and_gradients = shard_loss(model2, world), .validate = metric});
  CHECK(every4.best_step() == 3);  // the whole run is the window now
  const auto& v = every4.history().validation;
  for (std::int64_t e = 0; e < 20; ++e) CHECK(std::isnan(v[e]) == ((e + 1) % 4 != 0));
}

TEST_CASE("torch settings parse device, dtype and threads and refuse bad values") {
  const auto s = nn::parse_torch_settings("cpu", "float64", 1, "sympflow.torch");
  CHECK(s.device == torch::Device(torch::kCPU));
  CHECK((s.dtype == torch::kFloat64));
  CHECK_THROWS_WITH_AS(nn::parse_torch_settings("cpu", "float16", 1, "sympflow.torch"),
                       doctest::Contains("sympflow.torch.dtype: unknown dtype 'float16'; expected float32 or float64"),
                       InputError);
  CHECK_THROWS_WITH_AS(nn::parse_torch_settings("tpu", "float32", 1, "sympflow.torch"),
                       doctest::Contains("sympflow.torch.device"), InputError);
  CHECK_THROWS_WITH_AS(nn::parse_torch_settings("cpu", "float32", 0, "sympflow.torch"),
                       doctest::Contains("sympflow.torch.threads"), InputError);
  if (!torch::cuda::is_available())
    CHECK_THROWS_WITH_AS(nn::parse_torch_settings("cuda:0", "float32", 1, "sympflow.torch"),
                         doctest::Contains("sympflow.torch.device"), InputError);

  const auto before = torch::get_default_dtype();
  nn::apply(s);
  CHECK(torch::get_default_dtype() == caffe2::TypeMeta::Make<double>());
  CHECK(torch::get_num_threads() == 1);
  nn::apply(nn::parse_torch_settings("cpu", "float32", 1, "t"));  // a second call is harmless
  CHECK(torch::get_default_dtype() == caffe2::TypeMeta::Make<float>());
  c10::set_default_dtype(before);
}
