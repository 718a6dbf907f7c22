// Data-parallel training of the neural operators by the shared
// nn::TrainingLoop (float64): the same global minibatches trained on all
// ranks end at the same parameters as on one rank alone (to rounding of the
// gradient sums), for the 1-D and 2-D FNO on the supervised loss and the
// PI-DeepONet on the physics-informed loss, also when a minibatch is
// smaller than the number of ranks (a rank with nothing to do adds zero
// gradients); and an FNO training interrupted after a checkpoint and
// resumed from HDF5 ends bit for bit where an uninterrupted one does (the
// losses draw their minibatches and points from (seed, step) alone).
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "heat_data.hpp"
#include "neural_operators/deeponet.hpp"
#include "neural_operators/fno.hpp"
#include "neural_operators/operator_data_loss.hpp"
#include "neural_operators/physics_informed_loss.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"
#include "torch_doctest.hpp"

using namespace structura;
using namespace structura::neural_operators;

namespace {

double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
  return d;
}

nn::TrainingOptions loop_options(std::int64_t steps) {
  nn::TrainingOptions o;
  o.name = "ranks";
  o.steps = steps;
  o.restore_best = false;
  return o;
}

// SGD with momentum: unlike Adam it is not invariant to the scale of the
// gradient, so a shard loss divided by the local instead of the global
// batch would show; its momentum buffers are state a resume must restore.
nn::OptimizerOptions sgd_options() {
  nn::OptimizerOptions sgd;
  sgd.kind = nn::OptimizerKind::Sgd;
  sgd.learning_rate = 0.01;
  sgd.momentum = 0.9;
  return sgd;
}

// Trains `module` for `steps` on `loss` over `comm`.
struct Trained {
  std::vector<torch::Tensor> start, end;
};
Trained train(torch::nn::Module& module, const std::function<double(std::int64_t)>& loss, std::int64_t steps,
              const mpi::Comm& comm) {
  Trained out;
  for (const auto& p : module.parameters()) out.start.push_back(p.detach().clone());
  auto optimizer = nn::make_optimizer(module.parameters(), sgd_options());
  nn::TrainingLoop loop(module, *optimizer, comm, loop_options(steps));
  loop.run({.loss_and_gradients = loss});
  out.end = module.parameters();
  return out;
}

Fno1d small_fno_1d() {
  torch::manual_seed(91);
  Fno1d model(Fno1dOptions{.points = 16, .modes = 6, .width = 8, .layers = 2, .projection = 8});
  model->to(torch::kFloat64);
  return model;
}

Trained train_fno_1d(const mpi::Comm& comm, std::int64_t batch) {
  const auto data = testing::heat_data(0, 20, 16, 0.01, 0.25, 3);
  Fno1d model = small_fno_1d();
  OperatorDataLoss loss([model](const torch::Tensor& u) mutable { return model->forward(u); }, data.u0, data.u, batch,
                        9, comm);
  return train(*model, std::ref(loss), 12, comm);
}

Trained train_fno_2d(const mpi::Comm& comm) {
  torch::manual_seed(92);
  Fno2d model(
      Fno2dOptions{.points_x = 8, .points_y = 8, .modes_x = 3, .modes_y = 3, .width = 6, .layers = 2, .projection = 8});
  model->to(torch::kFloat64);
  torch::manual_seed(93);  // the same data on every rank
  const torch::Tensor a = torch::randn({10, 8, 8}, torch::kFloat64);
  const torch::Tensor u = torch::roll(a, {1, 2}, {1, 2}) + 0.1 * a * a;
  OperatorDataLoss loss([model](const torch::Tensor& v) mutable { return model->forward(v); }, a, u, 4, 9, comm,
                        DataLoss::Mse);
  return train(*model, std::ref(loss), 8, comm);
}

Trained train_pi_deeponet(const mpi::Comm& comm, std::int64_t batch) {
  torch::manual_seed(94);
  DeepOnet model(DeepOnetOptions{.sensors = 12, .width = 10, .hidden_layers = 2, .latent = 8});
  model->to(torch::kFloat64);
  const auto data = testing::heat_data(0, 10, 12, 0.01, 0.0, 4, 3);
  PhysicsInformedOptions o;
  o.residual_points = 30;
  o.boundary_points = 5;
  o.batch = batch;
  o.seed = 17;
  PhysicsInformedLoss loss(model, data.u0 * 0.25, torch::arange(12, torch::kFloat64) / 12.0, o, comm);
  return train(*model, std::ref(loss), 8, comm);
}

}  // namespace

TEST_CASE("the FNO and the PI-DeepONet trained on all ranks equal the training on one rank") {
  mpi::Comm world, self(MPI_COMM_SELF);
  struct Case {
    const char* name;
    std::function<Trained(const mpi::Comm&)> run;
  };
  const std::vector<Case> cases = {
      {"FNO 1-D, batch 6 of 20", [](const mpi::Comm& c) { return train_fno_1d(c, 6); }},
      {"FNO 1-D, batch 1 (one rank idle)", [](const mpi::Comm& c) { return train_fno_1d(c, 1); }},
      {"FNO 2-D, batch 4 of 10", train_fno_2d},
      {"PI-DeepONet, batch 4 of 10", [](const mpi::Comm& c) { return train_pi_deeponet(c, 4); }},
      {"PI-DeepONet, batch 1 (one rank idle)", [](const mpi::Comm& c) { return train_pi_deeponet(c, 1); }},
  };
  for (const auto& c : cases) {
    const auto all = c.run(world);
    const auto one = c.run(self);
    const double diff = max_difference(all.end, one.end), moved = max_difference(one.start, one.end);
    MESSAGE(std::string(c.name), ", ranks ", world.size(), ": max |parameter difference| to one rank = ", diff,
            " (training moved them by ", moved, ")");
    CHECK(diff < 1e-12);
    CHECK(moved > 1e-3);
  }
}

TEST_CASE("an FNO training interrupted and resumed from HDF5 ends bit for bit where an uninterrupted one does") {
  mpi::Comm world;
  const auto data = testing::heat_data(0, 20, 16, 0.01, 0.25, 3);
  constexpr std::int64_t steps = 10, stop_after = 4;
  auto as_map = [](Fno1d m) { return [m](const torch::Tensor& u) mutable { return m->forward(u); }; };

  Fno1d reference = small_fno_1d();
  OperatorDataLoss reference_loss(as_map(reference), data.u0, data.u, 6, 9, world);
  const auto [start, finished] = train(*reference, std::ref(reference_loss), steps, world);
  CHECK(max_difference(start, finished) > 1e-3);  // training moved the parameters

  std::string path =
      (std::filesystem::temp_directory_path() / ("structura-neural-operators-" + std::to_string(::getpid()) + ".h5"))
          .string();
  world.broadcast(path);
  {
    Fno1d model = small_fno_1d();
    auto optimizer = nn::make_optimizer(model->parameters(), sgd_options());
    nn::TrainingLoop loop(*model, *optimizer, world, loop_options(steps));
    OperatorDataLoss loss(as_map(model), data.u0, data.u, 6, 9, world);
    const auto status = loop.run({.loss_and_gradients = std::ref(loss),
                                  .poll =
                                      [&] {
                                        return loop.next_step() == stop_after ? nn::CheckpointAction::SaveAndStop
                                                                              : nn::CheckpointAction::Continue;
                                      },
                                  .save_checkpoint =
                                      [&] {
                                        h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
                                        h5::Group g = f.require_group("/checkpoint/train");
                                        loop.save_state(g);
                                      }});
    CHECK(status == nn::TrainingStatus::Stopped);
  }
  torch::manual_seed(1234);  // another initialisation: everything must come from the file
  Fno1d resumed(Fno1dOptions{.points = 16, .modes = 6, .width = 8, .layers = 2, .projection = 8});
  resumed->to(torch::kFloat64);
  auto optimizer = nn::make_optimizer(resumed->parameters(), sgd_options());
  nn::TrainingLoop loop(*resumed, *optimizer, world, loop_options(steps));
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    loop.load_state(f.open_group("/checkpoint/train"));
  }
  OperatorDataLoss loss(as_map(resumed), data.u0, data.u, 6, 9, world);
  CHECK(loop.run({.loss_and_gradients = std::ref(loss)}) == nn::TrainingStatus::Finished);
  CHECK(max_difference(finished, resumed->parameters()) == 0.0);
  world.barrier();
  if (world.is_root()) std::filesystem::remove(path);
}
