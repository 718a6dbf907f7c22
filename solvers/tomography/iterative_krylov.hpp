// Krylov reconstructions through PETSc KSP on the projector's MatShell
// (projector_operator.hpp), distributed as in iterative.hpp: x whole on
// every rank, y this rank's rows; collective over A.comm(). The caller
// must hold a petsc::PetscSession (petsc_operator.hpp) while calling these.
//
// lsqr: KSPLSQR without preconditioner (Paige & Saunders; equal to CGLS in
//   exact arithmetic) on min ‖A x − y‖, stopped by the discrepancy
//   principle, applied in a custom KSP convergence test to LSQR's own
//   residual norm (its recurrence phibar_k, which equals ‖A x_k − y‖ in
//   exact arithmetic and costs nothing; KSP_NORM_UNPRECONDITIONED).
//
// tikhonov: min ‖A x − y‖² + α ‖x‖². PETSc 3.18's KSPLSQR has no damping
//   parameter, so this solves the normal equations (AᵀA + α I) x = Aᵀ y by
//   KSPCG on a second MatShell that applies AᵀA + α I through the first.
//   For α > 0 the system is symmetric positive definite with condition
//   number (‖A‖² + α)/α, so CG's squaring of the condition number (the
//   reason LSQR is preferred for α = 0) is harmless for sensible α; the
//   augmented-system alternative [A; √α I] would need a third vector layout.
//
// PETSc options (petsc/options.hpp): every object of one solve (KSP, PC,
// the MatShells, the Vecs) reads `petsc.options` from a private database
// under `petsc.prefix` after our own settings, so the user's options win
// (e.g. "ksp_max_it=3", "ksp_rtol=1e-8", "ksp_type=cgls",
// "ksp_monitor_true_residual"). LSQR's own settings are rtol = atol = 0:
// the discrepancy principle and max_iterations stop it, PETSc's default
// test (KSPLSQRConvergedDefault; KSPConvergedDefault for another type) runs
// beside it with those tolerances, so it stops only on NaN/Inf or
// divergence unless the user sets ksp_rtol/ksp_atol. An option no object
// read, or one PETSc rejects, is an InputError naming petsc.key.
//
// Finiteness: a solve whose iterate or residual is NaN/Inf, or that PETSc
// ends as diverged (other than at the iteration cap), throws NumericalError;
// nothing non-finite is returned as a result.
#pragma once

#include "tomography/iterative.hpp"
#include "petsc/options.hpp"
#include "tomography/projector.hpp"

namespace structura::tomography {

struct LsqrOptions {
  int max_iterations = 100;   // >= 1
  Discrepancy discrepancy{};  // off (noise_norm = 0): run max_iterations
  petsc::PetscSettings petsc{{}, "petsc_options", "lsqr_"};
  IterationPoll poll{};       // after every iteration (poll.hpp)
};

// x: initial guess in, reconstruction out (every rank). History:
// residual_norms[k] is LSQR's estimate of ‖A x_k − y‖ (k = 0 exact);
// stop_reason "discrepancy", "iterations" or PETSc's KSPConvergedReason
// (e.g. "DIVERGED_BREAKDOWN" when the Krylov space is exhausted, i.e. the
// problem is solved exactly).
IterationHistory lsqr(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const LsqrOptions& options = {});

struct TikhonovOptions {
  double alpha = 0.0;        // > 0
  int max_iterations = 500;  // >= 1
  double rtol = 1e-10;       // CG stops at ‖Aᵀy − (AᵀA + αI) x_k‖ <= rtol ‖Aᵀy‖; in (0, 1)
  petsc::PetscSettings petsc{{}, "petsc_options", "tikhonov_"};
  IterationPoll poll{};      // after every iteration (poll.hpp)
};

// History: residual_norms[k] = ‖Aᵀy − (AᵀA + αI) x_k‖ (normal equations);
// final_residual_norm = ‖A x − y‖ as everywhere.
IterationHistory tikhonov(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                          const Image<double>& x, const TikhonovOptions& options);

}  // namespace structura::tomography
