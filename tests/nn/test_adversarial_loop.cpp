// A loop of two modules, a critic and a generator with k critic updates per
// generator update (a Wasserstein-style toy). Truths: the call order and
// the step counts written out by hand (k updates then one, per step;
// optimizer steps k * S and S); a hand-written loop of zero_grad, backward,
// allreduce and step, which must give the same parameters bit for bit; an
// uninterrupted run, which a run stopped, saved and restored must equal.
// Run on 1 and 2 ranks.
#include "torch_doctest.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/data_parallel.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"

using namespace structura;

namespace {

constexpr std::int64_t batch = 16, k = 3, steps = 6;

struct Game {
  torch::nn::Linear critic{nullptr}, generator{nullptr};
  std::unique_ptr<torch::optim::Optimizer> critic_opt, generator_opt;
  mpi::Comm comm;

  explicit Game(mpi::Comm c, std::uint64_t seed = 4) : comm(c) {
    torch::manual_seed(seed);
    critic = torch::nn::Linear(1, 1);
    generator = torch::nn::Linear(1, 1);
    critic->to(torch::kFloat64);
    generator->to(torch::kFloat64);
    nn::OptimizerOptions o;
    o.learning_rate = 0.05;
    o.beta1 = 0.5;
    critic_opt = nn::make_optimizer(critic->parameters(), o);
    o.kind = nn::OptimizerKind::RMSprop;
    o.learning_rate = 0.01;
    generator_opt = nn::make_optimizer(generator->parameters(), o);
  }

  // This rank's noise z and real samples x of (step, update), keyed by index.
  std::pair<torch::Tensor, torch::Tensor> draw(std::int64_t step, std::int64_t update) const {
    const Range r = comm.block(batch);
    const CounterRng rng(8, static_cast<std::uint64_t>(step * 16 + update));
    torch::Tensor z = torch::empty({r.count, 1}, torch::kFloat64), x = torch::empty({r.count, 1}, torch::kFloat64);
    for (std::int64_t i = 0; i < r.count; ++i) {
      const auto u = rng.uniform4(static_cast<std::uint64_t>(r.begin + i), 0);
      z[i][0] = u.u[0];
      x[i][0] = 2.0 + u.u[1];
    }
    return {z, x};
  }
  double critic_loss(std::int64_t step, std::int64_t update) {
    auto [z, x] = draw(step, update);
    torch::Tensor fake = generator->forward(z).detach();
    torch::Tensor loss = (critic->forward(fake).sum() - critic->forward(x).sum()) / double(batch);
    loss.backward();
    return loss.item<double>();
  }
  double generator_loss(std::int64_t step) {
    auto [z, x] = draw(step, k);
    torch::Tensor loss = -critic->forward(generator->forward(z)).sum() / double(batch);
    loss.backward();
    return loss.item<double>();
  }
  nn::TrainingLoop loop(const nn::TrainingOptions& o) {
    return nn::TrainingLoop({{"critic", critic.get(), critic_opt.get(), {.updates_per_step = k}},
                             {"generator", generator.get(), generator_opt.get(), {}}},
                            comm, o);
  }
  std::vector<torch::Tensor> parameters() const {
    std::vector<torch::Tensor> p = critic->parameters();
    for (const auto& g : generator->parameters()) p.push_back(g);
    return p;
  }
};

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

std::int64_t adam_steps(const torch::nn::Module& m, const torch::optim::Optimizer& o) {
  const auto& s = o.state().at(c10::guts::to_string(m.parameters().front().unsafeGetTensorImpl()));
  return static_cast<const torch::optim::AdamParamState&>(*s).step();
}
std::int64_t rmsprop_steps(const torch::nn::Module& m, const torch::optim::Optimizer& o) {
  const auto& s = o.state().at(c10::guts::to_string(m.parameters().front().unsafeGetTensorImpl()));
  return static_cast<const torch::optim::RMSpropParamState&>(*s).step();
}

}  // namespace

TEST_CASE("a critic and a generator: k critic updates per step, counted in optimizer steps") {
  mpi::Comm world;
  Game game(world);
  nn::TrainingOptions o;
  o.name = "gan";
  o.steps = steps;
  nn::TrainingLoop loop = game.loop(o);
  std::vector<std::string> calls;  // "module step update"
  std::vector<std::int64_t> progressed;
  loop.run({.losses = {[&](std::int64_t s, std::int64_t u) {
                         calls.push_back(fmt::format("critic {} {}", s, u));
                         return game.critic_loss(s, u);
                       },
                       [&](std::int64_t s, std::int64_t u) {
                         calls.push_back(fmt::format("generator {} {}", s, u));
                         return game.generator_loss(s);
                       }},
            .progress = [&](const nn::StepRecord& r) {
              CHECK(r.updates.size() == 2);
              progressed.push_back(r.step);
            }});
  std::vector<std::string> expected;
  for (std::int64_t s = 0; s < steps; ++s) {
    for (std::int64_t u = 0; u < k; ++u) expected.push_back(fmt::format("critic {} {}", s, u));
    expected.push_back(fmt::format("generator {} 0", s));
  }
  CHECK(calls == expected);
  CHECK(progressed == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5});
  CHECK(loop.next_step() == steps);
  CHECK(adam_steps(*game.critic, *game.critic_opt) == k * steps);
  CHECK(rmsprop_steps(*game.generator, *game.generator_opt) == steps);
  CHECK(loop.history().modules[0].loss.size() == std::size_t(k * steps));
  CHECK(loop.history().modules[1].loss.size() == std::size_t(steps));
  CHECK(loop.history().validation.size() == std::size_t(steps));

  // The hand-written loop: the same updates in the same order.
  Game hand(world);
  for (std::int64_t s = 0; s < steps; ++s) {
    for (std::int64_t u = 0; u < k; ++u) {
      hand.critic_opt->zero_grad();
      hand.critic_loss(s, u);
      nn::allreduce_gradients(hand.critic->parameters(), world);
      hand.critic_opt->step();
    }
    hand.generator_opt->zero_grad();
    hand.generator_loss(s);
    nn::allreduce_gradients(hand.generator->parameters(), world);
    hand.generator_opt->step();
  }
  CHECK(all_equal(game.parameters(), hand.parameters()));
  // A loop of two modules needs two loss callbacks.
  Game other(world);
  nn::TrainingLoop wrong = other.loop(o);
  CHECK_THROWS_WITH_AS(wrong.run({.loss_and_gradients = [](std::int64_t) { return 0.0; }}),
                       doctest::Contains("2 modules need 2 loss callbacks"), Error);
}

TEST_CASE("a critic-generator training stopped, saved and restored equals an uninterrupted one") {
  mpi::Comm world;
  nn::TrainingOptions o;
  o.steps = steps;
  auto losses = [](Game& g) {
    return std::vector<std::function<double(std::int64_t, std::int64_t)>>{
        [&g](std::int64_t s, std::int64_t u) { return g.critic_loss(s, u); },
        [&g](std::int64_t s, std::int64_t) { return g.generator_loss(s); }};
  };
  Game reference(world);
  nn::TrainingLoop uninterrupted = reference.loop(o);
  uninterrupted.run({.losses = losses(reference)});

  std::string path = (std::filesystem::temp_directory_path() /
                      ("structura-gan-" + std::to_string(::getpid()) + ".h5"))
                         .string();
  world.broadcast(path);
  {
    Game first(world);
    nn::TrainingLoop loop = first.loop(o);
    const auto status = loop.run({.losses = losses(first),
                                  .poll = [&] { return loop.next_step() == 2 ? nn::CheckpointAction::SaveAndStop
                                                                             : nn::CheckpointAction::Continue; },
                                  .save_checkpoint = [&] {
                                    h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
                                    h5::Group g = f.require_group("/checkpoint");
                                    loop.save_state(g);
                                  }});
    REQUIRE(status == nn::TrainingStatus::Stopped);
  }
  Game resumed(world, 77);  // other initial weights
  nn::TrainingLoop loop = resumed.loop(o);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    loop.load_state(f.open_group("/checkpoint"));
  }
  loop.run({.losses = losses(resumed)});
  CHECK(all_equal(reference.parameters(), resumed.parameters()));
  CHECK(adam_steps(*resumed.critic, *resumed.critic_opt) == k * steps);
  CHECK(uninterrupted.history().modules[0].loss == loop.history().modules[0].loss);
  CHECK(uninterrupted.history().modules[1].gradient_norm == loop.history().modules[1].gradient_norm);

  // Restoring into a loop with another k is refused.
  Game other(world);
  nn::TrainingLoop different({{"critic", other.critic.get(), other.critic_opt.get(), {.updates_per_step = 5}},
                              {"generator", other.generator.get(), other.generator_opt.get(), {}}},
                             world, o);
  {
    h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
    CHECK_THROWS_WITH_AS(different.load_state(f.open_group("/checkpoint")),
                         doctest::Contains("updates 'critic' 3 times per step, this training 5"), InputError);
  }
  world.barrier();
  if (world.is_root()) std::filesystem::remove(path);
}
