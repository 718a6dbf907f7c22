// AWCR-PD: a primal–dual (PDHG-type) method for the weakly convex problem
//   min_x E(x) = F(Ax) + λR(x),   F(z) = ‖z − y‖²,
// R ρ-weakly convex and smooth (∇R L_R-Lipschitz), batch of independent
// images. Dual step on the data term through the prox of F*, primal step
// linearised on λR (Condat–Vũ / Loris–Verhoeven type), over-relaxation θ:
//   p⁺ = prox_{σF*}(p + σ A x̄) = (p + σ(A x̄ − y)) / (1 + σ/2)
//        (F*(p) = ‖p‖²/4 + ⟨p, y⟩)
//   x⁺ = x − τ (Aᵀp⁺ + λ∇R(x))
//   x̄⁺ = x⁺ + θ (x⁺ − x)
// started at p₀ = ∇F(Ax₀) = 2(Ax₀ − y), x̄₀ = x₀. One forward and one
// (batched) adjoint per iteration.
//
// Step sizes (README.md derives them): with a = ‖A‖ (enlarged by 1 %),
// L_E = λL_R + 2a², c = 1/(1 + σ/2), γ = |σθ − 2|,
//   τ < τ_max = 1 / (L_E/2 + 2√2 a² γ/σ),
// which makes Φ_k = E(x_k) + β‖ε_k‖², ε_k = p_{k+1} − 2(Ax_k − y) (the
// dual's lag behind ∇F), β = a²/(α(1 − c)), α = 2√2 a² γ/σ (or the slack
// 1/τ − L_E/2 when γ = 0), non-increasing:
//   Φ_{k+1} <= Φ_k − (1/τ − L_E/2 − α/2 − 4a⁴γ²/(ασ²)) ‖x_{k+1} − x_k‖² − (a²/(2α)) ‖ε_k‖².
// With E bounded below, Σ‖x_{k+1} − x_k‖² and Σ‖ε_k‖² are finite, so the
// squared step residual r_k = ‖x_{k+1} − x_k‖²/τ² + ‖p_{k+1} − p_k‖²/σ² and
// the critical-point residual ‖∇E(x_k)‖² are summable: their running means
// (the ergodic residuals recorded) are O(1/k) ⊂ O(log k / k), the rate of
// the AWCR paper (Shumaylov et al., ICML 2024). θ = 2/σ decouples the dual
// lag from the primal steps (γ = 0): τ_max = 2/L_E, gradient descent's.
// ρ does not enter the descent (only the upper curvature L_R does); it is
// the modulus of the theory of critical points, recorded and checked
// against L_R (a smooth ρ-weakly convex R has ρ <= L_R).
//
// L_R: given by the caller (an upper bound: the guarantee holds) or, if 0,
// estimated from Hessian-vector products at the start (largest |eigenvalue|
// by power iteration, regularisers/hessian.hpp) times a safety factor: an
// estimate, not a bound, and the result says so (lipschitz_estimated).
//
// Distributed and per image as gradient_descent; failures likewise
// (NumericalError for a non-finite or blown-up energy).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "variational/history.hpp"
#include "variational/problem.hpp"

namespace structura::variational {

struct PrimalDualOptions {
  int iterations = 500;              // at most; >= 1
  double operator_norm = 0;          // ‖A‖ if known (> 0); 0: power iteration through the operator
  double regulariser_lipschitz = 0;  // L_R >= Lip(∇R) if known (> 0); 0: estimated at the start
  double weak_convexity = 0;         // ρ >= 0 of R (recorded; must not exceed a given L_R)
  double sigma = 1;                  // σ > 0 (dimensionless for this F); σθ = 2 would be gradient descent
  double extrapolation = 1;          // θ >= 0
  double step_fraction = 0.95;       // τ = fraction · τ_max, in (0, 1)
  double tau = 0;                    // > 0: use this τ instead (no guarantee when >= τ_max)
  double gradient_tolerance = 0;     // per image: stop when ‖∇E(x_k)‖ <= this; 0: never
  double blowup_factor = 1e6;        // > 0, as gradient_descent
  int lipschitz_iterations = 30;     // Hessian power iterations when estimating L_R
  double lipschitz_safety = 2;       // >= 1: the estimate is multiplied by this
  IterationPoll poll{};

  void validate(const std::string& where) const;  // InputError naming where.<field>
};

struct PrimalDualResult {
  torch::Tensor x;                  // (N, 1, H, W)
  // float64, (K+1, N) for the iterates x_0 .. x_K, (K, N) for the steps:
  torch::Tensor energy;             // E(x_k)
  torch::Tensor gradient_norm;      // ‖∇E(x_k)‖, the critical-point residual
  torch::Tensor lyapunov;           // Φ_k (non-increasing when tau_guaranteed)
  torch::Tensor step_residual;      // r_k (K, N)
  torch::Tensor ergodic_residual;   // (1/(k+1)) Σ_{j<=k} r_j (K, N)
  torch::Tensor ergodic_gradient;   // (1/(k+1)) Σ_{j<=k} ‖∇E(x_j)‖² (K+1, N)
  torch::Tensor psnr;               // against the truth; undefined without one
  std::vector<int> iterations;      // per image: updates made
  std::vector<StopReason> stop;     // per image (Iterations or GradientTolerance)
  double tau = 0, sigma = 0, theta = 0, tau_max = 0;
  double operator_norm = 0;         // a (enlarged) used in the steps
  double regulariser_lipschitz = 0; // L_R used
  double weak_convexity = 0;        // ρ as given
  double lyapunov_weight = 0;       // β
  bool lipschitz_estimated = false; // L_R came from the Hessian estimate
  bool tau_guaranteed = false;      // τ < τ_max with a given L_R
};

// start, truth: (N, 1, H, W). InputError naming "start", "truth" or
// "options.<field>". Collective over problem.op().comm().
PrimalDualResult primal_dual(const Problem& problem, const torch::Tensor& start, const PrimalDualOptions& options,
                             const torch::Tensor& truth = {});

}  // namespace structura::variational
