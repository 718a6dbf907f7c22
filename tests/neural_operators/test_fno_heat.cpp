// An FNO trained for a few seconds by the shared nn::TrainingLoop on the
// exact heat solution operator u0 -> u(T) (nu = 0.01, T = 0.25: the
// multipliers exp(-nu (2 pi k)^2 T) run from 0.91 at k = 1 to 1.8e-3 at
// k = 8, so every mode of the data is damped differently) reaches a small
// relative L2 error on held-out initial conditions, and the same model
// untrained does not. Baselines for scale: returning u0 (the identity) has
// error 0.60, returning 0 has error 1, the untrained model 1.0.
// Threshold: 300 steps (2.5 s on one core, float32, Li et al.'s Adam with a
// cosine decay from 3e-3) measured 2.7e-3 on the test set (train 2.5e-3);
// 0.01 leaves a factor 3.7 for other BLAS/FFT rounding and seeds and is
// still 60x below the identity: the model must get the damping of every
// mode right to about 1% of the solution's norm. Control: the same FNO
// keeping only the mean mode (modes = 1) trains to 0.37, so the accuracy
// comes from the spectral convolutions (asserted: > 10x the full model's).
#include <chrono>

#include "core/mpi.hpp"
#include "heat_data.hpp"
#include "neural_operators/fno.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::neural_operators;

namespace {

struct Outcome {
  double untrained, trained, train_error, seconds;
};

// `steps` steps of Adam (3e-3, cosine decay) on the relative L2 loss, minibatches of 32.
Outcome train_on_heat(const Fno1dOptions& options, const testing::HeatData& train, const testing::HeatData& test,
                      std::int64_t steps, const mpi::Comm& comm) {
  torch::manual_seed(71);
  Fno1d model(options);
  const OperatorModel as_map = [model](const torch::Tensor& u0) mutable { return model->forward(u0); };
  Outcome out;
  out.untrained = mean_relative_l2(as_map, test.u0, test.u, comm);
  nn::OptimizerOptions adam;
  adam.learning_rate = 3e-3;
  auto optimizer = nn::make_optimizer(model->parameters(), adam);
  nn::TrainingOptions loop_options;
  loop_options.name = "fno-heat";
  loop_options.steps = steps;
  loop_options.restore_best = false;
  nn::UpdateOptions update;
  nn::ScheduleParameters schedule;
  schedule.learning_rate = adam.learning_rate;
  update.schedule = nn::LearningRateSchedule::parse("cosine", schedule, steps, "schedule");
  nn::TrainingLoop loop(*model, *optimizer, comm, loop_options, update);
  OperatorDataLoss loss(as_map, train.u0, train.u, 32, 3, comm);
  const auto start = std::chrono::steady_clock::now();
  loop.run({.loss_and_gradients = std::ref(loss)});
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.trained = mean_relative_l2(as_map, test.u0, test.u, comm);
  out.train_error = mean_relative_l2(as_map, train.u0, train.u, comm);
  return out;
}

}  // namespace

TEST_CASE("an FNO trained for seconds on the exact heat operator reaches a small test error; untrained it does not") {
  mpi::Comm world;
  constexpr std::int64_t points = 64, train_n = 256, test_n = 64, steps = 300;
  constexpr double nu = 0.01, t = 0.25;
  const auto train = testing::heat_data(0, train_n, points, nu, t, 7, 8, torch::kFloat32);
  const auto test = testing::heat_data(100000, test_n, points, nu, t, 7, 8, torch::kFloat32);
  const double identity = relative_l2_per_sample(test.u0, test.u).mean().item<double>();

  const Outcome fno =
      train_on_heat(Fno1dOptions{.points = points, .modes = 16, .width = 32, .layers = 4, .projection = 64}, train,
                    test, steps, world);
  MESSAGE("test relative L2: untrained ", fno.untrained, ", identity ", identity, ", trained ", fno.trained, " (train ",
          fno.train_error, ") after ", steps, " steps in ", fno.seconds, " s");
  CHECK(fno.untrained > 0.5);
  CHECK(fno.trained < 0.01);

  // Control: keeping only the mean (modes = 1) leaves a pointwise map of u0
  // plus its average, which cannot damp each Fourier mode by its own factor:
  // the accuracy above comes from the spectral convolutions.
  const Outcome mean_only =
      train_on_heat(Fno1dOptions{.points = points, .modes = 1, .width = 32, .layers = 4, .projection = 64}, train, test,
                    steps, world);
  MESSAGE("modes = 1: trained test relative L2 ", mean_only.trained);
  CHECK(mean_only.trained > 10 * fno.trained);
}
