#include "variational/primal_dual.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "regularisers/hessian.hpp"
#include "variational/checks.hpp"

namespace structura::variational {

void PrimalDualOptions::validate(const std::string& where) const {
  auto finite_at_least = [&](double v, double low, const char* field) {
    require(std::isfinite(v) && v >= low, fmt::format("{}.{}: must be >= {}, got {}", where, field, low, v));
  };
  require(iterations >= 1, fmt::format("{}.iterations: must be >= 1, got {}", where, iterations));
  finite_at_least(operator_norm, 0, "operator_norm");
  finite_at_least(regulariser_lipschitz, 0, "regulariser_lipschitz");
  finite_at_least(weak_convexity, 0, "weak_convexity");
  require(std::isfinite(sigma) && sigma > 0, fmt::format("{}.sigma: must be > 0, got {}", where, sigma));
  finite_at_least(extrapolation, 0, "extrapolation");
  require(step_fraction > 0 && step_fraction < 1,
          fmt::format("{}.step_fraction: must lie in (0, 1), got {}", where, step_fraction));
  finite_at_least(tau, 0, "tau");
  finite_at_least(gradient_tolerance, 0, "gradient_tolerance");
  require(std::isfinite(blowup_factor) && blowup_factor > 0,
          fmt::format("{}.blowup_factor: must be > 0, got {}", where, blowup_factor));
  require(lipschitz_iterations >= 1,
          fmt::format("{}.lipschitz_iterations: must be >= 1, got {}", where, lipschitz_iterations));
  finite_at_least(lipschitz_safety, 1, "lipschitz_safety");
  require(regulariser_lipschitz == 0 || weak_convexity <= regulariser_lipschitz,
          fmt::format("{}.weak_convexity: {} exceeds regulariser_lipschitz {}; a smooth rho-weakly convex R has "
                      "rho <= Lip(grad R)",
                      where, weak_convexity, regulariser_lipschitz));
}

namespace {

// L_R from the Hessian of R at the start: the largest |eigenvalue| over the images, times the safety factor.
double estimate_lipschitz(const Problem& problem, const torch::Tensor& start, const PrimalDualOptions& o) {
  if (!problem.has_regulariser() || problem.lambda() == 0) return 0;
  const auto& r = problem.regulariser();
  torch::AutoGradMode enable(true);  // double backward, whatever the caller's mode
  const auto estimate = regularisers::hessian_extreme_eigenvalues(
      [&](const torch::Tensor& x) { return regularisers::per_image(r(x)); }, start.detach(), o.lipschitz_iterations,
      /*seed=*/0x5eed);
  return o.lipschitz_safety * estimate.largest.abs().max().item<double>();
}

torch::Tensor masked(const torch::Tensor& active, const torch::Tensor& updated, const torch::Tensor& old) {
  return torch::where(active.to(updated.device()).view({-1, 1, 1, 1}), updated, old);
}

}  // namespace

PrimalDualResult primal_dual(const Problem& problem, const torch::Tensor& start, const PrimalDualOptions& options,
                             const torch::Tensor& truth) {
  options.validate("options");
  detail::require_start_and_truth(problem, start, truth);
  const char* solver = "primal_dual";
  const LinearOperator& A = problem.op();
  const std::int64_t n = problem.batch();
  const double lambda = problem.lambda();
  torch::NoGradGuard no_grad;

  PrimalDualResult result;
  result.sigma = options.sigma;
  result.theta = options.extrapolation;
  result.weak_convexity = options.weak_convexity;
  result.operator_norm = 1.01 * (options.operator_norm > 0 ? options.operator_norm : operator_norm(A));
  require(result.operator_norm > 0, "primal_dual: the operator is zero (‖A‖ = 0)");
  result.lipschitz_estimated = options.regulariser_lipschitz == 0 && problem.has_regulariser() && lambda > 0;
  result.regulariser_lipschitz =
      result.lipschitz_estimated ? estimate_lipschitz(problem, start, options) : options.regulariser_lipschitz;
  if (!std::isfinite(result.regulariser_lipschitz))
    throw NumericalError("primal_dual: the estimate of Lip(grad R) is not finite");

  // Step sizes and the Lyapunov weight (README.md).
  const double a = result.operator_norm, a2 = a * a, sigma = options.sigma, theta = options.extrapolation;
  const double l_e = lambda * result.regulariser_lipschitz + 2 * a2;
  const double c = 1 / (1 + sigma / 2), gamma = std::abs(sigma * theta - 2);
  result.tau_max = 1 / (l_e / 2 + 2 * std::sqrt(2.0) * a2 * gamma / sigma);
  result.tau = options.tau > 0 ? options.tau : options.step_fraction * result.tau_max;
  result.tau_guaranteed = result.tau < result.tau_max && !result.lipschitz_estimated;
  const double tau = result.tau;
  const double alpha = gamma > 0 ? 2 * std::sqrt(2.0) * a2 * gamma / sigma : std::max(1 / tau - l_e / 2, 1e-300);
  result.lyapunov_weight = a2 / (alpha * (1 - c));

  const torch::Tensor& y = problem.data();
  torch::Tensor x = start.detach().clone();
  torch::Tensor ax = A.forward(x), ax_old = ax;
  torch::Tensor p = 2 * (ax - y);  // p₀ = ∇F(Ax₀): the dual starts without lag (ε₀ = 0)

  result.iterations.assign(n, 0);
  result.stop.assign(n, StopReason::Iterations);
  HistoryTable energies, gnorms, lyapunovs, residuals, ergodic, ergodic_grad, psnrs;
  torch::Tensor active = torch::ones({n}, torch::kBool);
  torch::Tensor residual_sum = torch::zeros({n}, torch::kFloat64), gradient_sum = torch::zeros({n}, torch::kFloat64);
  torch::Tensor start_energy;
  const torch::Tensor all = torch::arange(n, torch::kInt64);

  for (int k = 0;; ++k) {
    // At x_k: the dual step (p_{k+1}), E, ∇E and Φ_k.
    const torch::Tensor ax_bar = (1 + theta) * ax - theta * ax_old;
    const torch::Tensor p_next = c * (p + sigma * (ax_bar - y));
    auto [lambda_r, grad_r] = problem.regulariser_and_gradient(x, true);
    const torch::Tensor residual = ax - y, q = 2 * residual;
    const torch::Tensor data_term = data_norm2(A, residual);
    const torch::Tensor energy = data_term + lambda_r;
    const torch::Tensor lag2 = data_norm2(A, p_next - q);
    const torch::Tensor back = A.adjoint(torch::cat({p_next, q}));  // one collective call: Aᵀp_{k+1}, Aᵀ∇F
    const torch::Tensor at_p = back.narrow(0, 0, n), gradient = back.narrow(0, n, n) + grad_r;
    const torch::Tensor gnorm = norms_per_image(gradient);
    if (k == 0) start_energy = energy.clone();
    detail::require_sane(solver, k, all, energy, gnorm, start_energy, options.blowup_factor);
    energies.push(energy);
    gnorms.push(gnorm);
    lyapunovs.push(energy + result.lyapunov_weight * lag2);
    gradient_sum += gnorm.pow(2);
    ergodic_grad.push(gradient_sum / (k + 1));
    if (truth.defined()) psnrs.push(psnr_per_image(x, truth));
    if (options.gradient_tolerance > 0) {
      for (std::int64_t i = 0; i < n; ++i)
        if (active[i].item<bool>() && gnorm[i].item<double>() <= options.gradient_tolerance) {
          active[i] = false;
          result.stop[i] = StopReason::GradientTolerance;
        }
    }
    if (k == options.iterations || !active.any().item<bool>()) break;

    // The primal step from x_k, frozen where an image has stopped.
    const torch::Tensor x_next = masked(active, x - tau * (at_p + grad_r), x);
    const torch::Tensor p_kept = masked(active, p_next, p);
    const torch::Tensor r = norms_per_image(x_next - x).pow(2) / (tau * tau) +
                            data_norm2(A, p_kept - p) / (sigma * sigma);
    residual_sum += r;
    residuals.push(r);
    ergodic.push(residual_sum / (k + 1));
    for (std::int64_t i = 0; i < n; ++i)
      if (active[i].item<bool>()) ++result.iterations[i];
    ax_old = ax;
    ax = A.forward(x_next);
    x = x_next;
    p = p_kept;
    if (options.poll) options.poll(k + 1);
  }

  result.x = x;
  result.energy = energies.stacked();
  result.gradient_norm = gnorms.stacked();
  result.lyapunov = lyapunovs.stacked();
  result.ergodic_gradient = ergodic_grad.stacked();
  result.step_residual = residuals.empty() ? torch::zeros({0, n}, torch::kFloat64) : residuals.stacked();
  result.ergodic_residual = ergodic.empty() ? torch::zeros({0, n}, torch::kFloat64) : ergodic.stacked();
  if (truth.defined()) result.psnr = psnrs.stacked();
  return result;
}

}  // namespace structura::variational
