// Data-parallel training: training on shards with summed gradients equals
// training on the whole batch on one rank (to 1e-12 in float64), and
// parameters plus Adam state saved to HDF5 and loaded back continue the
// training bit for bit. Run on 1 and 2 ranks.
#include "torch_doctest.hpp"

#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/data_parallel.hpp"
#include "nn/h5_tensors.hpp"
#include "nn/optimizer.hpp"

using namespace structura;

namespace {

constexpr std::int64_t global_batch = 64;

torch::nn::Sequential make_model() {
  torch::manual_seed(7);
  torch::nn::Sequential m(torch::nn::Linear(3, 16), torch::nn::Tanh(), torch::nn::Linear(16, 1));
  m->to(torch::kFloat64);
  return m;
}

// Samples [begin, end) of the dataset, drawn by index: the same sample on any rank.
std::pair<torch::Tensor, torch::Tensor> samples(std::int64_t begin, std::int64_t end) {
  const CounterRng rng(2024, 1);
  auto x = torch::empty({end - begin, 3}, torch::kFloat64);
  auto y = torch::empty({end - begin, 1}, torch::kFloat64);
  for (std::int64_t i = begin; i < end; ++i) {
    const auto u = rng.uniform4(static_cast<std::uint64_t>(i), 0);
    const double a = 2 * u.u[0] - 1, b = 2 * u.u[1] - 1, c = 2 * u.u[2] - 1;
    x[i - begin][0] = a;
    x[i - begin][1] = b;
    x[i - begin][2] = c;
    y[i - begin][0] = std::sin(2 * a) + b * c;
  }
  return {x, y};
}

// `steps` Adam steps on the shard of `comm`; returns the global loss of the last step.
double train(torch::nn::Sequential& model, torch::optim::Adam& opt, const mpi::Comm& comm, int steps) {
  const Range shard = comm.block(global_batch);
  auto [x, y] = samples(shard.begin, shard.end());
  double loss_value = 0;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    // Sum over the shard divided by the global batch: the summed gradients
    // are those of the global mean.
    auto loss = (model->forward(x) - y).pow(2).sum() / static_cast<double>(global_batch);
    loss.backward();
    nn::allreduce_gradients(model->parameters(), comm);
    opt.step();
    loss_value = comm.sum(loss.item<double>());
  }
  return loss_value;
}

double max_difference(torch::nn::Sequential& a, torch::nn::Sequential& b) {
  double d = 0;
  auto pa = a->parameters(), pb = b->parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) d = std::max(d, (pa[i] - pb[i]).abs().max().item<double>());
  return d;
}

}  // namespace

TEST_CASE("sharded training with summed gradients equals whole-batch training on one rank") {
  mpi::Comm world;
  auto distributed = make_model();
  nn::broadcast_parameters(distributed->parameters(), world);
  torch::optim::Adam opt_d(distributed->parameters(), torch::optim::AdamOptions(1e-2));
  const double first = train(distributed, opt_d, world, 1);
  const double last = train(distributed, opt_d, world, 30);
  CHECK(last < 0.5 * first);

  auto serial = make_model();
  torch::optim::Adam opt_s(serial->parameters(), torch::optim::AdamOptions(1e-2));
  train(serial, opt_s, mpi::Comm(MPI_COMM_SELF), 31);
  const double diff = max_difference(distributed, serial);
  MESSAGE("ranks ", world.size(), ": max |parameter difference| to one rank = ", diff);
  CHECK(diff < 1e-12);
}

TEST_CASE("parameters and Adam state round-trip through parallel HDF5 and continue identically") {
  mpi::Comm world;
  auto model = make_model();
  torch::optim::Adam opt(model->parameters(), torch::optim::AdamOptions(1e-2));
  train(model, opt, world, 5);

  std::string path = (std::filesystem::temp_directory_path() / ("structura-nn-" + std::to_string(::getpid()) + ".h5")).string();
  world.broadcast(path);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
    h5::Group g = f.require_group("/models/mlp");
    g.set_attribute("architecture", "Linear(3,16)-tanh-Linear(16,1)");
    nn::save_module(g, *model);
    nn::save_optimizer_state(g, *model, opt);
  }
  auto restored = make_model();
  {
    torch::NoGradGuard no_grad;
    for (auto& p : restored->parameters()) p.zero_();  // nothing left of the initialisation
  }
  torch::optim::Adam opt_r(restored->parameters(), torch::optim::AdamOptions(1e-2));
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    const h5::Group g = f.open_group("/models/mlp");
    CHECK(g.string_attribute("architecture") == "Linear(3,16)-tanh-Linear(16,1)");
    nn::load_module(g, *restored);
    nn::load_optimizer_state(g, *restored, opt_r);
  }
  CHECK(max_difference(model, restored) == 0.0);
  train(model, opt, world, 5);
  train(restored, opt_r, world, 5);
  CHECK(max_difference(model, restored) == 0.0);

  // A model of another shape is refused with the tensor's name.
  torch::nn::Sequential other(torch::nn::Linear(3, 8), torch::nn::Tanh(), torch::nn::Linear(8, 1));
  other->to(torch::kFloat64);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    const h5::Group g = f.open_group("/models/mlp");
    CHECK_THROWS_WITH_AS(nn::load_module(g, *other), doctest::Contains("0.weight"), InputError);
  }
  world.barrier();
  if (world.is_root()) std::filesystem::remove(path);
}
