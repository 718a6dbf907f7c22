// Classical iterative CT reconstructions in float64 on the distributed
// Joseph projector (projector.hpp): every rank holds the whole image x and
// the sinogram rows y of its own angles (A.angles()); A x is local, Aᵀ is a
// collective sum, and every norm of a sinogram quantity is summed over the
// ranks, so all ranks take the same decisions and the result equals the
// one-rank result to rounding. All functions here are collective over
// A.comm(); an argument or option refused on one rank is an InputError on
// every rank (collective_require.hpp).
//
//   landweber   x ← x − ω Aᵀ(A x − y)                        (0 < ω < 2/‖A‖²)
//   sirt        x ← x − ω C Aᵀ R (A x − y)                   (0 < ω < 2)
//               R = 1/(A 1) per ray, C = 1/(Aᵀ 1) per pixel (0 where the
//               sum is 0: rays that miss the image, pixels no ray crosses)
// both optionally projected onto x ≥ 0 after every step, both stopped
// early by the discrepancy principle. LSQR and Tikhonov (PETSc KSP) are in
// iterative_krylov.hpp, total variation by PDHG in tv_pdhg.hpp.
#pragma once

#include <string>
#include <vector>

#include "tomography/poll.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography {

// Morozov's discrepancy principle: stop at the first iterate x_k with
// ‖A x_k − y‖ ≤ tau δ, δ the norm of the noise over the whole sinogram
// (the caller knows or estimates it). Semi-convergent methods fit the
// noise after that point.
struct Discrepancy {
  double noise_norm = 0.0;  // δ >= 0; 0 switches the rule off
  double tau = 1.01;        // >= 1
  bool enabled() const { return noise_norm > 0; }
  double threshold() const { return tau * noise_norm; }
  // InputError naming "<where>.noise_norm" / "<where>.tau".
  void validate(const std::string& where) const;
};

struct IterationHistory {
  // ‖A x_k − y‖ for k = 0 (the initial x) .. iterations (Landweber, SIRT:
  // computed exactly; LSQR: LSQR's own estimate, equal in exact arithmetic;
  // Tikhonov-CG: the residual of the normal equations instead).
  std::vector<double> residual_norms;
  int iterations = 0;                // updates of x made
  bool discrepancy_reached = false;  // stopped by the discrepancy principle
  std::string stop_reason;           // "discrepancy", "iterations", or PETSc's reason
  double final_residual_norm = 0.0;  // ‖A x − y‖ of the returned x, computed exactly
};

struct LandweberOptions {
  int iterations = 100;  // at most; >= 1
  double step = 0.0;     // ω; 0 chooses 1/‖A‖² (operator_norm); else 0 < ω
  bool nonnegative = false;
  Discrepancy discrepancy{};
  IterationPoll poll{};  // after every update of x (poll.hpp)
};

struct SirtOptions {
  int iterations = 100;     // at most; >= 1
  double relaxation = 1.0;  // ω in (0, 2)
  bool nonnegative = false;
  Discrepancy discrepancy{};
  IterationPoll poll{};  // after every update of x (poll.hpp)
};

// x: the initial guess on entry (e.g. zeros from A.make_image()), the
// reconstruction on return, identical on every rank. y: this rank's rows.
// InputError naming the option ("iterations", "step", "relaxation",
// "discrepancy.tau", ...) or the argument ("y", "x") on bad input.
IterationHistory landweber(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                           const Image<double>& x, const LandweberOptions& options = {});
IterationHistory sirt(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const SirtOptions& options = {});

// Whether every pixel of x is finite (no NaN or Inf); local, as x is whole on
// every rank. Every reconstruction is checked with it before it is returned
// or stored: a non-finite image is a NumericalError, never a result.
bool all_finite(const Image<const double>& x);

// ‖A x − y‖ over all ranks (collective).
double residual_norm(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                     const Image<const double>& x);

}  // namespace structura::tomography
