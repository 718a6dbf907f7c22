// Time of one critic training step of the learned CT regularisers (issue 10
// §6): the AR critic and the ACR with their gradient penalties
// (critic_step.hpp: forward on truths and reconstructions, the penalty's
// input gradient with create_graph, the double backward, the optimiser
// steps, the ACR's weight clamping), in C++ with solvers/regularisers.
// The peer is bench_critic_training.py (PyTorch, the same model, loss,
// optimisers, batch, dtype and threads), run by run_learned_regularisers.sh.
//
// With --check-file this program first writes, in float64 on --check-batch
// images of the same size: the initial weights, the batch and its
// interpolation weights, the loss terms, every parameter's gradient and the
// weights after one step; the Python peer recomputes them from the same
// weights and fails unless they agree.
//
// Timing: one process per model and size (so that its peak RSS is the
// training's; run the check with --check-only in a process of its own); --warmup untimed steps, then --reps timed steps on a fixed
// batch (truths uniform in [0, 1], "reconstructions" = truths + 0.1 N(0, 1));
// median wall and CPU time of a step. Prints a table and RESULT lines.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "core/h5.hpp"
#include "critic_step.hpp"
#include "nn/h5_tensors.hpp"
#include "regularisers/losses.hpp"

namespace {

namespace sb = structura::bench;
namespace h5 = structura::h5;

struct Options {
  std::string model = "ar";
  std::int64_t size = 128, batch = 16;
  int reps = 5, warmup = 1, threads = 1;
  std::uint64_t seed = 1;
  std::string check_file;
  std::int64_t check_batch = 2;
  bool check_only = false;
};

struct Batch {
  torch::Tensor truth, generated;
};

Batch make_batch(std::int64_t n, std::int64_t size, torch::Dtype dtype) {
  const torch::Tensor truth = torch::rand({n, 1, size, size}, torch::TensorOptions().dtype(dtype));
  return {truth, truth + 0.1 * torch::randn_like(truth)};
}

// At its initial weights the AR critic's input gradients are far below 1,
// so the one-sided penalty and its double backward would be zero and the
// check would not test them: scale the head so that the smallest gradient
// norm on the interpolates is 2 (a critic as it is during training).
void make_penalty_active(sb::CriticModel& m, const Batch& b, const torch::Tensor& eps) {
  const torch::Tensor e = eps.view({-1, 1, 1, 1});
  const torch::Tensor xhat = (e * b.generated + (1 - e) * b.truth).requires_grad_(true);
  const torch::Tensor g = torch::autograd::grad({m.critic->forward(xhat).sum()}, {xhat})[0];
  const double smallest = g.flatten(1).norm(2, 1).min().item<double>();
  torch::NoGradGuard no_grad;
  for (auto& p : m.critic->named_parameters())
    if (p.key().rfind("head.", 0) == 0) p.value().mul_(2 / smallest);
}

// The float64 equivalence data (see the header comment).
void write_check(const Options& o) {
  torch::manual_seed(o.seed + 1000);
  sb::CriticModel m = sb::make_critic_model(o.model, o.size, torch::kFloat64);
  const Batch b = make_batch(o.check_batch, o.size, torch::kFloat64);
  const torch::Tensor eps = structura::regularisers::interpolation_weights(o.seed, 7, 0, o.check_batch);
  if (o.model == "ar") make_penalty_active(m, b, eps);
  auto file = h5::File::open(o.check_file, h5::Mode::Create);
  h5::Group g = file.require_group(o.model);
  h5::Group initial = g.require_group("initial");
  structura::nn::save_module(initial, *m.critic);
  structura::nn::write_tensor(g, "truth", b.truth);
  structura::nn::write_tensor(g, "generated", b.generated);
  structura::nn::write_tensor(g, "eps", eps);
  const sb::StepLoss loss = sb::critic_step(m, b.truth, b.generated, eps);
  h5::Group grads = g.require_group("grad");
  for (const auto& p : m.critic->named_parameters()) structura::nn::write_tensor(grads, p.key(), p.value().grad());
  h5::Group after = g.require_group("after");
  structura::nn::save_module(after, *m.critic);
  g.set_attribute("loss", loss.total);
  g.set_attribute("wasserstein", loss.wasserstein);
  g.set_attribute("penalty", loss.penalty);
  g.set_attribute("size", o.size);
  fmt::print("check {} {}² float64 batch {}: loss {:.17g} = wasserstein {:.10g} + penalty {:.10g} (unweighted)\n",
             o.model, o.size, o.check_batch, loss.total, loss.wasserstein, loss.penalty);
}

void run(const Options& o) {
  if (!o.check_file.empty()) write_check(o);
  if (o.check_only) return;

  torch::manual_seed(o.seed);
  sb::CriticModel m = sb::make_critic_model(o.model, o.size, torch::kFloat32);
  const Batch b = make_batch(o.batch, o.size, torch::kFloat32);
  sb::reset_peak_rss();  // the check's float64 step is not the training's
  const double rss_before = sb::peak_rss_mib();
  std::int64_t step = 0;
  auto eps = [&] {
    return structura::regularisers::interpolation_weights(o.seed, 11, step++ * o.batch, o.batch, torch::kFloat32);
  };
  for (int w = 0; w < o.warmup; ++w) sb::critic_step(m, b.truth, b.generated, eps());
  std::vector<double> wall, cpu;
  sb::StepPhases phases;
  double first = 0, last = 0;
  for (int r = 0; r < o.reps; ++r) {
    const torch::Tensor e = eps();
    sb::StepLoss loss;
    const double c0 = sb::cpu_seconds(), t0 = sb::now_seconds();
    loss = sb::critic_step(m, b.truth, b.generated, e, true, &phases);
    wall.push_back(sb::now_seconds() - t0);
    cpu.push_back(sb::cpu_seconds() - c0);
    if (r == 0) first = loss.total;
    last = loss.total;
  }
  const double rss = sb::peak_rss_mib();
  const double reps = o.reps;
  const double process_rss = sb::process_peak_rss_mib();
  fmt::print("\n== critic training step (C++ libtorch {}, {} thread(s)) ==\n", TORCH_VERSION, torch::get_num_threads());
  fmt::print(
      "{} {}² batch {} float32: median of {} steps after {} warm-up: wall {:.4f} s (min {:.4f}, max {:.4f}), "
      "CPU {:.4f} s; per step loss {:.3f} / backward {:.3f} / update {:.4f} s; loss first {:.6g} last {:.6g}; "
      "peak RSS {:.1f} MiB ({:.1f} before the first step)\n",
      o.model, o.size, o.batch, o.reps, o.warmup, sb::median(wall), sb::min_of(wall), sb::max_of(wall),
      sb::median(cpu), phases.loss / reps, phases.backward / reps, phases.update / reps, first, last, rss,
      rss_before);
  fmt::print(
      "RESULT part=training impl=cpp model={} size={} batch={} wall_s={:.6g} cpu_s={:.6g} min_s={:.6g} "
      "max_s={:.6g} loss_s={:.4g} backward_s={:.4g} update_s={:.4g} rss_mib={:.1f} rss_before_mib={:.1f} "
      "process_rss_mib={:.1f} torch={} threads={}\n",
      o.model, o.size, o.batch, sb::median(wall), sb::median(cpu), sb::min_of(wall), sb::max_of(wall),
      phases.loss / reps, phases.backward / reps, phases.update / reps, rss, rss_before, process_rss, TORCH_VERSION,
      torch::get_num_threads());
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"One critic training step (AR, ACR) in C++; bench_critic_training.py is the PyTorch peer"};
  app.add_option("--model", o.model, "ar or acr")->check(CLI::IsMember({"ar", "acr"}))->capture_default_str();
  app.add_option("--size", o.size, "image side (a multiple of 16 for ar)")->capture_default_str();
  app.add_option("--batch", o.batch, "images per step")->capture_default_str();
  app.add_option("--reps", o.reps, "timed steps")->capture_default_str();
  app.add_option("--warmup", o.warmup, "untimed steps first")->capture_default_str();
  app.add_option("--threads", o.threads, "libtorch intra-op threads")->capture_default_str();
  app.add_option("--seed", o.seed, "torch seed")->capture_default_str();
  app.add_option("--check-file", o.check_file, "HDF5 file for the float64 equivalence check of the Python peer");
  app.add_option("--check-batch", o.check_batch, "images of the check")->capture_default_str();
  app.add_flag("--check-only", o.check_only, "write the check file, no timing (a timed run in its own process has "
                                             "a peak RSS of its own)");
  try {
    app.parse(argc, argv);
    if (o.reps < 1 || o.batch < 1 || o.threads < 1 || o.warmup < 0 || o.check_batch < 1)
      throw CLI::ValidationError("--reps, --batch, --threads, --check-batch must be >= 1, --warmup >= 0");
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    torch::set_num_threads(o.threads);
    run(o);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
