// Isotropic total-variation reconstruction with non-negativity by PDHG
// (Chambolle & Pock 2011), distributed as in iterative.hpp (x whole on every
// rank, y and the data dual p this rank's rows; collective over A.comm()):
//
//   min_x  P(x) = ½‖A x − y‖² + λ TV(x)   subject to 0 <= x <= U
//
// TV(x) = Σ_pixels |∇x|₂ with forward differences scaled by the pixel size,
// (∇x)_c = (x[r][c+1] − x[r][c]) / dx, (∇x)_r = (x[r+1][c] − x[r][c]) / dy,
// zero in the last column / row (Neumann boundary); U = upper_bound, +inf by
// default (then the constraint is x >= 0 only).
//
// Splitting: K = [A; μ∇], F(Kx) = ½‖Ax − y‖² + (λ/μ)‖μ∇x‖₂,₁, G = ι_[0,U].
// The scale μ (default ‖A‖/‖∇‖) changes nothing in the problem but
// balances the blocks: unscaled, ‖∇‖ ~ 2√2/dx dwarfs ‖A‖ and the data part
// converges like Landweber with a tiny step. Per iteration, with x̄ the
// extrapolated point (A x̄ = 2 A x_k − A x_{k−1}, so one forward and one
// adjoint projection per iteration):
//   p ← (p + σ(A x̄ − y)) / (1 + σ)          prox of σF₁*, F₁* = ½‖p‖² + ⟨p, y⟩
//   q ← q + σμ∇x̄ projected pointwise onto |q_ij|₂ <= λ/μ   (prox of σF₂*)
//   x⁺ ← clip(x − τ(Aᵀp − μ div q), 0, U),  x̄ ← 2x⁺ − x
// with τσ‖K‖² < 1, ‖K‖² <= ‖A‖² + μ²‖∇‖² and ‖∇‖² <= 4/dx² + 4/dy²
// (= 8/dx² for square pixels); ‖A‖ from operator_norm, enlarged by 1 %
// because power iteration converges from below. τ = γ s, σ = s/γ with
// s² = 0.99/‖K‖² and γ = step_ratio. (μ q is the dual of the unscaled
// problem; the objectives below are those of the unscaled problem.)
//
// Duality gap. The dual of the problem is
//   D(p, q) = −½‖p‖² − ⟨p, y⟩ − ι{|q_ij| <= λ/μ} − G*(w),  w = −Aᵀp + μ div q,
// G*(w) = sup_{0<=x<=B} ⟨w, x⟩ = B Σ max(w_i, 0). With B = +inf, D is −inf
// at every dual iterate that is not exactly feasible (w <= 0), useless as a
// certificate. We therefore evaluate G* with a finite box B that provably
// contains the minimiser, which keeps P(x) − D(p, q) >= P(x) − P* >= 0 a
// rigorous bound on the suboptimality:
//   * B = U when upper_bound is finite (the box is the constraint itself);
//   * otherwise B = (‖y‖ + √(2 P_best)) / ‖A 1‖ + √2 max(dx, dy) P_best / λ,
//     P_best = min_j P(x_j) >= P*: the minimiser x* >= 0 has
//     min x* ‖A 1‖ <= ‖A x*‖ <= ‖y‖ + √(2P*) (A >= 0 entrywise) and
//     max x* − min x* <= √2 max(dx, dy) TV(x*) <= √2 max(dx, dy) P*/λ (a
//     monotone pixel path uses each pixel's gradient at most once, once per
//     direction). This bound is loose (it can be hundreds of times max x*),
//     so the gap then converges more slowly than with a tight U; with
//     λ = 0 and U = +inf there is no bound and the gap is reported as +inf.
// q is always feasible (it is projected), x always in [0, U], so P and D
// need no other clipping. At a saddle point w <= 0 (optimality of x*), so
// the gap tends to 0 as the iterates converge.
#pragma once

#include <Kokkos_Core.hpp>

#include <limits>
#include <vector>

#include "tomography/poll.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography {

// (2, ny, nx): component 0 the column (x) difference, 1 the row difference.
using GradientField = Kokkos::View<double***, Kokkos::LayoutRight, MemSpace>;

struct TvPdhgOptions {
  // λ >= 0. TV is in image units per length (differences / dx), so λ's
  // scale depends on the grid and the noise: 3e-5 .. 4e-5 was best for
  // Shepp-Logan 32² .. 64² on [-1, 1]² with 1 % noise (test_iterative).
  double lambda = 3e-5;
  int iterations = 500;                                          // at most; >= 1
  double upper_bound = std::numeric_limits<double>::infinity();  // U > 0
  double operator_norm = 0;                                      // ‖A‖ if known (> 0); 0: power iteration
  double gradient_scale = 0;                                     // μ > 0; 0: ‖A‖/‖∇‖
  // γ (τ = γ s, σ = s/γ); > 0. 3 closed the gap fastest among 0.1 .. 100
  // on Shepp-Logan 32² and 64² (values ~1, λ ~ 3e-5); 1 to 10 are close.
  double step_ratio = 3.0;
  // Stop when gap <= gap_tolerance * max(P(x), tiny); 0: never.
  double gap_tolerance = 0.0;
  IterationPoll poll{};  // after every iteration (poll.hpp)
};

struct TvPdhgHistory {
  // Per iteration k = 0 .. iterations−1, after the k-th update:
  std::vector<double> primal;          // P(x_{k+1})
  std::vector<double> dual;            // D(p_{k+1}, q_{k+1}) (box B as above)
  std::vector<double> gap;             // primal − dual, >= 0 up to rounding
  std::vector<double> residual_norms;  // ‖A x_{k+1} − y‖
  int iterations = 0;
  double tau = 0, sigma = 0;
  double gradient_scale = 0;  // μ used
  double k_norm_bound = 0;    // the bound on ‖K‖ used for the steps
};

// x: the initial guess on entry (clipped to [0, U] first), the
// reconstruction on return (every rank). InputError naming "lambda",
// "iterations", "upper_bound", "step_ratio", "operator_norm",
// "gap_tolerance", "gradient_scale", "y" or "x".
TvPdhgHistory tv_pdhg(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const TvPdhgOptions& options = {});

// The pieces, exposed for tests: ∇ (into g, (2, ny, nx)), div = −∇ᵀ, TV.
void gradient(const Image<const double>& x, double dx, double dy, const GradientField& g);
void divergence(const GradientField& q, double dx, double dy, const Image<double>& out);
double total_variation(const Image<const double>& x, double dx, double dy);

}  // namespace structura::tomography
