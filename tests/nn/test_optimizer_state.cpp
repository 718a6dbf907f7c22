// Optimizer kinds and their state in HDF5. Truths: PyTorch's update rules
// worked by hand for SGD with Nesterov momentum and AdamW's decoupled decay;
// for every kind, an uninterrupted training (independent of any file) that
// a training stopped after k steps, saved to a parallel HDF5 checkpoint and
// restored into fresh modules and optimizers must match bit for bit
// (torch::equal on every parameter and every state tensor, equal step
// counters). Run on 1 and 2 ranks.
#include "torch_doctest.hpp"

#include <unistd.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "core/rng.hpp"
#include "nn/optimizer.hpp"
#include "nn/training_loop.hpp"

using namespace structura;

namespace {

std::string temp_file(const mpi::Comm& comm, const std::string& tag) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("structura-optstate-" + tag + "-" + std::to_string(::getpid()) + ".h5"))
                         .string();
  comm.broadcast(path);
  return path;
}

torch::nn::Sequential make_mlp(torch::Dtype dtype, std::uint64_t seed) {
  torch::manual_seed(seed);
  torch::nn::Sequential m(torch::nn::Linear(2, 6), torch::nn::Tanh(), torch::nn::Linear(6, 1));
  m->to(dtype);
  return m;
}

// Least squares on 40 samples keyed by index; the subset of each step is
// keyed by the step, so a resumed run draws the same ones.
struct Regression {
  torch::nn::Sequential model;
  mpi::Comm comm;
  double operator()(std::int64_t step) const {
    const Range r = comm.block(40);
    const CounterRng rng(3, 9);
    const auto dtype = model->parameters().front().scalar_type();
    torch::Tensor x = torch::empty({r.count, 2}, torch::kFloat64), y = torch::empty({r.count, 1}, torch::kFloat64);
    torch::Tensor w = torch::empty({r.count, 1}, torch::kFloat64);
    for (std::int64_t i = 0; i < r.count; ++i) {
      const auto u = rng.uniform4(static_cast<std::uint64_t>(r.begin + i), static_cast<std::uint64_t>(step));
      x[i][0] = 2 * u.u[0] - 1;
      x[i][1] = 2 * u.u[1] - 1;
      y[i][0] = std::sin(3 * u.u[0]) - u.u[1];
      w[i][0] = u.u[2] < 0.5 ? 1.0 : 0.0;
    }
    torch::nn::Sequential m = model;
    torch::Tensor loss = ((m->forward(x.to(dtype)) - y.to(dtype)).pow(2) * w.to(dtype)).sum() / 20.0;
    loss.backward();
    return loss.item<double>();
  }
};

// Every state tensor and counter of `optimizer`, in parameter order.
struct StateDump {
  std::vector<torch::Tensor> tensors;
  std::vector<std::int64_t> steps;
};
StateDump dump(const torch::nn::Module& module, const torch::optim::Optimizer& optimizer) {
  StateDump d;
  const nn::OptimizerKind kind = nn::optimizer_kind(optimizer);
  for (const auto& p : module.parameters()) {
    auto it = optimizer.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
    REQUIRE(it != optimizer.state().end());
    const auto& s = *it->second;
    auto add = [&](const torch::Tensor& t) { d.tensors.push_back(t.defined() ? t : torch::empty({0})); };
    switch (kind) {
      case nn::OptimizerKind::Adam: {
        const auto& a = static_cast<const torch::optim::AdamParamState&>(s);
        d.steps.push_back(a.step());
        add(a.exp_avg()), add(a.exp_avg_sq()), add(a.max_exp_avg_sq());
        break;
      }
      case nn::OptimizerKind::AdamW: {
        const auto& a = static_cast<const torch::optim::AdamWParamState&>(s);
        d.steps.push_back(a.step());
        add(a.exp_avg()), add(a.exp_avg_sq()), add(a.max_exp_avg_sq());
        break;
      }
      case nn::OptimizerKind::RMSprop: {
        const auto& r = static_cast<const torch::optim::RMSpropParamState&>(s);
        d.steps.push_back(r.step());
        add(r.square_avg()), add(r.momentum_buffer()), add(r.grad_avg());
        break;
      }
      case nn::OptimizerKind::Sgd:
        add(static_cast<const torch::optim::SGDParamState&>(s).momentum_buffer());
        break;
    }
  }
  return d;
}

bool all_equal(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

struct Case {
  const char* label;
  nn::OptimizerOptions options;
  torch::Dtype dtype;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  nn::OptimizerOptions o;
  o.learning_rate = 0.02;
  o.kind = nn::OptimizerKind::Adam;
  o.amsgrad = true;
  o.weight_decay = 1e-3;
  out.push_back({"adam (amsgrad, float32)", o, torch::kFloat32});
  o = {};
  o.learning_rate = 0.02;
  o.kind = nn::OptimizerKind::AdamW;
  o.weight_decay = 0.05;
  o.beta1 = 0.8;
  out.push_back({"adamw (float64)", o, torch::kFloat64});
  o = {};
  o.learning_rate = 0.01;
  o.kind = nn::OptimizerKind::RMSprop;
  o.momentum = 0.5;
  o.centered = true;
  out.push_back({"rmsprop (momentum, centered, float64)", o, torch::kFloat64});
  o = {};
  o.learning_rate = 0.05;
  o.kind = nn::OptimizerKind::Sgd;
  o.momentum = 0.9;
  o.nesterov = true;
  out.push_back({"sgd (nesterov, float32)", o, torch::kFloat32});
  return out;
}

}  // namespace

TEST_CASE("SGD with Nesterov momentum and AdamW take PyTorch's steps, worked by hand") {
  // loss = w^2 / 2, so the gradient is w.
  auto two_steps = [](const nn::OptimizerOptions& o) {
    torch::Tensor w = torch::ones({1}, torch::kFloat64).requires_grad_(true);
    auto opt = nn::make_optimizer({w}, o);
    std::vector<double> out;
    for (int k = 0; k < 2; ++k) {
      opt->zero_grad();
      (w * w / 2).sum().backward();
      opt->step();
      out.push_back(w.item<double>());
    }
    return out;
  };
  nn::OptimizerOptions sgd;
  sgd.kind = nn::OptimizerKind::Sgd;
  sgd.learning_rate = 0.1;
  sgd.momentum = 0.9;
  sgd.nesterov = true;
  // buf = g; w -= lr (g + m buf): 1 - 0.1 * 1.9 = 0.81; buf = 0.9 + 0.81 = 1.71; 0.81 - 0.1 (0.81 + 0.9 * 1.71).
  const auto s = two_steps(sgd);
  CHECK(s[0] == doctest::Approx(0.81).epsilon(1e-15));
  CHECK(s[1] == doctest::Approx(0.5751).epsilon(1e-15));

  nn::OptimizerOptions adamw;
  adamw.kind = nn::OptimizerKind::AdamW;
  adamw.learning_rate = 0.1;
  adamw.weight_decay = 0.1;
  // Step 1: w (1 - lr wd) = 0.99, then the bias-corrected Adam step m/sqrt(v) = 1: 0.99 - 0.1 / (1 + eps).
  CHECK(two_steps(adamw)[0] == doctest::Approx(0.89).epsilon(1e-7));  // eps = 1e-8 in the denominator
}

TEST_CASE("each optimizer's state round-trips through HDF5: a resumed training is bit-identical") {
  mpi::Comm world;
  constexpr std::int64_t steps = 12, stop_after = 5;
  for (const Case& c : cases()) {
    CAPTURE(c.label);
    nn::TrainingOptions loop;
    loop.steps = steps;
    nn::UpdateOptions update;
    nn::ScheduleParameters p;
    p.learning_rate = c.options.learning_rate;
    update.schedule = nn::LearningRateSchedule::parse("cosine", p, steps, "test");
    update.clip_gradient_norm = 0.5;

    auto reference = make_mlp(c.dtype, 21);
    auto reference_opt = nn::make_optimizer(reference->parameters(), c.options);
    nn::TrainingLoop uninterrupted(*reference, *reference_opt, world, loop, update);
    uninterrupted.run({.loss_and_gradients = Regression{reference, world}});

    const std::string path = temp_file(world, "kinds");
    {
      auto model = make_mlp(c.dtype, 21);
      auto opt = nn::make_optimizer(model->parameters(), c.options);
      nn::TrainingLoop first(*model, *opt, world, loop, update);
      const auto status = first.run({
          .loss_and_gradients = Regression{model, world},
          .poll = [&] { return first.next_step() == stop_after ? nn::CheckpointAction::SaveAndStop
                                                               : nn::CheckpointAction::Continue; },
          .save_checkpoint =
              [&] {
                h5::File f = h5::File::open_parallel(path, h5::Mode::Create, world.get());
                h5::Group g = f.require_group("/checkpoint");
                first.save_state(g);
              },
      });
      REQUIRE(status == nn::TrainingStatus::Stopped);
    }
    // Fresh objects: other initial weights, an optimizer that never stepped.
    auto resumed = make_mlp(c.dtype, 99);
    auto resumed_opt = nn::make_optimizer(resumed->parameters(), c.options);
    nn::TrainingLoop second(*resumed, *resumed_opt, world, loop, update);
    {
      h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
      second.load_state(f.open_group("/checkpoint"));
    }
    CHECK(second.next_step() == stop_after);
    CHECK(second.run({.loss_and_gradients = Regression{resumed, world}}) == nn::TrainingStatus::Finished);

    CHECK(all_equal(reference->parameters(), resumed->parameters()));
    const StateDump a = dump(*reference, *reference_opt), b = dump(*resumed, *resumed_opt);
    CHECK(all_equal(a.tensors, b.tensors));
    CHECK(a.steps == b.steps);
    for (auto s : a.steps) CHECK(s == steps);  // one optimizer step per loop step
    CHECK(uninterrupted.history().modules[0].loss == second.history().modules[0].loss);

    // The state of another kind is refused, naming both.
    nn::OptimizerOptions other;
    other.kind = c.options.kind == nn::OptimizerKind::Sgd ? nn::OptimizerKind::Adam : nn::OptimizerKind::Sgd;
    auto wrong_opt = nn::make_optimizer(resumed->parameters(), other);
    nn::TrainingLoop wrong(*resumed, *wrong_opt, world, loop, update);
    {
      h5::File f = h5::File::open_parallel(path, h5::Mode::ReadOnly, world.get());
      CHECK_THROWS_WITH_AS(wrong.load_state(f.open_group("/checkpoint")), doctest::Contains("state, the training uses"),
                           InputError);
    }
    world.barrier();
    if (world.is_root()) std::filesystem::remove(path);
  }
}

TEST_CASE("make_optimizer refuses options the optimizer cannot use, naming the key") {
  torch::Tensor w = torch::ones({1}).requires_grad_(true);
  nn::OptimizerOptions o;
  o.kind = nn::OptimizerKind::Sgd;
  o.nesterov = true;
  CHECK_THROWS_WITH_AS(nn::make_optimizer({w}, o, "training"), doctest::Contains("training.nesterov"), InputError);
}
