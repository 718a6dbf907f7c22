#include "variational/gradient_descent.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "variational/checks.hpp"

namespace structura::variational {

void GradientDescentOptions::validate(const std::string& where) const {
  require(iterations >= 1, fmt::format("{}.iterations: must be >= 1, got {}", where, iterations));
  require(std::isfinite(step) && step > 0, fmt::format("{}.step: must be > 0, got {}", where, step));
  require(armijo_c > 0 && armijo_c < 1, fmt::format("{}.armijo_c: must lie in (0, 1), got {}", where, armijo_c));
  require(shrink > 0 && shrink < 1, fmt::format("{}.shrink: must lie in (0, 1), got {}", where, shrink));
  require(max_backtracks >= 1, fmt::format("{}.max_backtracks: must be >= 1, got {}", where, max_backtracks));
  require(std::isfinite(gradient_tolerance) && gradient_tolerance >= 0,
          fmt::format("{}.gradient_tolerance: must be >= 0, got {}", where, gradient_tolerance));
  require(std::isfinite(blowup_factor) && blowup_factor > 0,
          fmt::format("{}.blowup_factor: must be > 0, got {}", where, blowup_factor));
}

namespace {

// (M) float64 steps as a broadcastable (M, 1, 1, 1) factor for images like x.
torch::Tensor per_image_factor(const torch::Tensor& t, const torch::Tensor& like) {
  return t.to(like.options()).view({-1, 1, 1, 1});
}

}  // namespace

GradientDescentResult gradient_descent(const Problem& problem, const torch::Tensor& start,
                                       const GradientDescentOptions& options, const torch::Tensor& truth) {
  options.validate("options");
  detail::require_start_and_truth(problem, start, truth);
  require(!options.oracle_stop || truth.defined(), "truth: options.oracle_stop needs the truth");
  const char* solver = "gradient_descent";
  const std::int64_t n = problem.batch();
  const torch::Device device = start.device();
  torch::NoGradGuard no_grad;

  torch::Tensor x = start.detach().clone();
  Evaluation first = problem.evaluate(x);
  torch::Tensor grad = first.gradient, energy = first.energy, gnorm = norms_per_image(first.gradient);
  const torch::Tensor start_energy = energy.clone();
  const torch::Tensor all = torch::arange(n, torch::kInt64);
  detail::require_sane(solver, 0, all, energy, gnorm, start_energy, options.blowup_factor);

  GradientDescentResult result;
  result.oracle = options.oracle_stop;
  result.iterations.assign(n, 0);
  result.stop.assign(n, StopReason::Iterations);
  HistoryTable energies, gnorms, psnrs, steps;
  energies.push(energy);
  gnorms.push(gnorm);
  if (truth.defined()) psnrs.push(psnr_per_image(x, truth));
  torch::Tensor distance = truth.defined() ? norms_per_image(x - truth) : torch::Tensor();

  torch::Tensor active = torch::ones({n}, torch::kBool);
  torch::Tensor last_step = torch::full({n}, options.step, torch::kFloat64);
  auto stop_image = [&](std::int64_t i, StopReason why) {
    active[i] = false;
    result.stop[i] = why;
  };
  auto stop_converged = [&]() {
    if (options.gradient_tolerance <= 0) return;
    for (std::int64_t i = 0; i < n; ++i)
      if (active[i].item<bool>() && gnorm[i].item<double>() <= options.gradient_tolerance)
        stop_image(i, StopReason::GradientTolerance);
  };
  stop_converged();

  for (int k = 0; k < options.iterations; ++k) {
    const torch::Tensor idx = detail::indices_of(active);
    const std::int64_t m = idx.size(0);
    if (m == 0) break;
    const torch::Tensor idx_dev = idx.to(device);
    const torch::Tensor xa = x.index_select(0, idx_dev), ga = grad.index_select(0, idx_dev);

    // Candidate x_{k+1} and step per active image; `moved` false where no step was accepted.
    torch::Tensor t, candidate, moved;
    if (options.rule == StepRule::Fixed) {
      t = torch::full({m}, options.step, torch::kFloat64);
      candidate = xa - per_image_factor(t, xa) * ga;
      moved = torch::ones({m}, torch::kBool);
    } else {
      t = torch::clamp_max(last_step.index_select(0, idx) / options.shrink, options.step);
      const torch::Tensor ea = energy.index_select(0, idx), g2 = gnorm.index_select(0, idx).pow(2);
      candidate = xa.clone();
      moved = torch::zeros({m}, torch::kBool);
      for (int b = 0; b < options.max_backtracks; ++b) {
        const torch::Tensor pending = detail::indices_of(~moved);
        if (pending.size(0) == 0) break;
        const torch::Tensor pending_dev = pending.to(device);
        const torch::Tensor tp = t.index_select(0, pending);
        const torch::Tensor trial = xa.index_select(0, pending_dev) - per_image_factor(tp, xa) * ga.index_select(0, pending_dev);
        const torch::Tensor et = problem.evaluate(trial, false, idx.index_select(0, pending)).energy;
        const torch::Tensor ok = et <= ea.index_select(0, pending) - options.armijo_c * tp * g2.index_select(0, pending);
        const torch::Tensor ok_local = detail::indices_of(ok);
        const torch::Tensor ok_at = pending.index_select(0, ok_local);
        candidate.index_copy_(0, ok_at.to(device), trial.index_select(0, ok_local.to(device)));
        moved.index_fill_(0, ok_at, true);
        const torch::Tensor refused = pending.index_select(0, detail::indices_of(~ok));
        t.index_copy_(0, refused, t.index_select(0, refused) * options.shrink);
      }
      for (std::int64_t j = 0; j < m; ++j)
        if (!moved[j].item<bool>()) stop_image(idx[j].item<std::int64_t>(), StopReason::LineSearch);
    }

    // The oracle stop: an image whose distance to the truth would grow keeps x_k.
    if (options.oracle_stop) {
      const torch::Tensor d_new = norms_per_image(candidate - truth.index_select(0, idx_dev));
      for (std::int64_t j = 0; j < m; ++j) {
        const auto i = idx[j].item<std::int64_t>();
        if (moved[j].item<bool>() && d_new[j].item<double>() > distance[i].item<double>()) {
          moved[j] = false;
          stop_image(i, StopReason::Oracle);
        } else if (moved[j].item<bool>()) {
          distance[i] = d_new[j];
        }
      }
    }

    torch::Tensor step_row = torch::zeros({n}, torch::kFloat64);
    const torch::Tensor keep = detail::indices_of(moved);
    if (keep.size(0) > 0) {
      const torch::Tensor at = idx.index_select(0, keep), at_dev = at.to(device);
      const torch::Tensor x_new = candidate.index_select(0, keep.to(device));
      const Evaluation e = problem.evaluate(x_new, true, at);
      const torch::Tensor gn = norms_per_image(e.gradient);
      detail::require_sane(solver, k + 1, at, e.energy, gn, start_energy, options.blowup_factor);
      x.index_copy_(0, at_dev, x_new);
      grad.index_copy_(0, at_dev, e.gradient);
      energy.index_copy_(0, at, e.energy);
      gnorm.index_copy_(0, at, gn);
      const torch::Tensor taken = t.index_select(0, keep);
      last_step.index_copy_(0, at, taken);
      step_row.index_copy_(0, at, taken);
      for (std::int64_t j = 0; j < at.size(0); ++j) ++result.iterations[at[j].item<std::int64_t>()];
    }
    energies.push(energy);
    gnorms.push(gnorm);
    steps.push(step_row);
    if (truth.defined()) psnrs.push(psnr_per_image(x, truth));
    stop_converged();
    if (options.poll) options.poll(k + 1);
  }

  result.x = x;
  result.energy = energies.stacked();
  result.gradient_norm = gnorms.stacked();
  result.step = steps.empty() ? torch::zeros({0, n}, torch::kFloat64) : steps.stacked();
  if (truth.defined()) result.psnr = psnrs.stacked();
  return result;
}

}  // namespace structura::variational
