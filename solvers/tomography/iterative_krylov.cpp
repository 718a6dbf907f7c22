#include "tomography/iterative_krylov.hpp"

#include <fmt/format.h>
#include <petscksp.h>

#include <cmath>
#include <exception>
#include <memory>
#include <vector>

#include "core/collective_require.hpp"
#include "core/error.hpp"
#include "tomography/iterative_kernels.hpp"
#include "tomography/projector_operator.hpp"

namespace structura::tomography {

namespace {

// PETSc objects destroyed on every exit path, including exceptions.
struct VecHolder {
  Vec v = nullptr;
  ~VecHolder() {
    if (v != nullptr) VecDestroy(&v);
  }
};
struct KspHolder {
  KSP k = nullptr;
  ~KspHolder() {
    if (k != nullptr) KSPDestroy(&k);
  }
};
struct MatHolder {
  Mat m = nullptr;
  ~MatHolder() {
    if (m != nullptr) MatDestroy(&m);
  }
};

void require_petsc(const char* where) {
  PetscBool initialised = PETSC_FALSE;
  petsc::petsc_check(PetscInitialized(&initialised), "PetscInitialized");
  if (!initialised) throw Error(fmt::format("{}: PETSc is not initialised (hold a petsc::PetscSession)", where));
}

// This rank's rows of y into the sinogram Vec (the same rows, same order).
void copy_rows_in(const Sinogram<const double>& y, Vec b) {
  PetscInt n = 0;
  petsc::petsc_check(VecGetLocalSize(b, &n), "VecGetLocalSize");
  if (static_cast<std::size_t>(n) != y.size()) throw Error("krylov: sinogram Vec layout differs from the slice");
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace{}, y);
  PetscScalar* a = nullptr;
  petsc::petsc_check(VecGetArray(b, &a), "VecGetArray");
  for (PetscInt i = 0; i < n; ++i) a[i] = host.data()[i];
  petsc::petsc_check(VecRestoreArray(b, &a), "VecRestoreArray");
}

// The whole image x (every rank) into this rank's block of the image Vec.
void copy_image_in(const Image<const double>& x, Vec v) {
  PetscInt lo = 0, hi = 0;
  petsc::petsc_check(VecGetOwnershipRange(v, &lo, &hi), "VecGetOwnershipRange");
  auto host = Kokkos::create_mirror_view_and_copy(HostSpace{}, x);
  PetscScalar* a = nullptr;
  petsc::petsc_check(VecGetArray(v, &a), "VecGetArray");
  for (PetscInt i = lo; i < hi; ++i) a[i - lo] = host.data()[i];
  petsc::petsc_check(VecRestoreArray(v, &a), "VecRestoreArray");
}

// The distributed image Vec gathered into x on every rank.
void copy_image_out(Vec v, const Image<double>& x) {
  VecScatter to_all = nullptr;
  VecHolder full;
  petsc::petsc_check(VecScatterCreateToAll(v, &to_all, &full.v), "VecScatterCreateToAll");
  petsc::petsc_check(VecScatterBegin(to_all, v, full.v, INSERT_VALUES, SCATTER_FORWARD), "VecScatterBegin");
  petsc::petsc_check(VecScatterEnd(to_all, v, full.v, INSERT_VALUES, SCATTER_FORWARD), "VecScatterEnd");
  VecScatterDestroy(&to_all);
  auto host = Kokkos::create_mirror_view(x);
  const PetscScalar* a = nullptr;
  petsc::petsc_check(VecGetArrayRead(full.v, &a), "VecGetArrayRead");
  for (std::size_t i = 0; i < host.size(); ++i) host.data()[i] = a[i];
  petsc::petsc_check(VecRestoreArrayRead(full.v, &a), "VecRestoreArrayRead");
  Kokkos::deep_copy(x, host);
}

struct Monitor {
  std::vector<double>* norms = nullptr;
};

PetscErrorCode record_norm(KSP, PetscInt, PetscReal rnorm, void* ctx) {
  static_cast<Monitor*>(ctx)->norms->push_back(static_cast<double>(rnorm));
  return 0;
}

// The caller's poll (poll.hpp), called from a KSP convergence test. An
// exception must not unwind through PETSc's C frames: it is kept here, the
// solve ends with a "diverged" reason, and the exception is thrown again
// once KSPSolve has returned (rethrow). Iteration 0 (the initial residual)
// is not an iteration done, so it is not polled.
struct PollInTest {
  const IterationPoll& poll;
  std::exception_ptr stopped{};

  void check(PetscInt iteration, KSPConvergedReason* reason) {
    if (!poll || iteration == 0 || *reason != KSP_CONVERGED_ITERATING) return;
    try {
      poll(static_cast<int>(iteration));
    } catch (...) {
      stopped = std::current_exception();
      *reason = KSP_DIVERGED_BREAKDOWN;  // any reason ends the solve; this one is never reported
    }
  }
  void rethrow() const {
    if (stopped) std::rethrow_exception(stopped);
  }
};

// The discrepancy principle as a KSP convergence test, beside PETSc's own
// default test for the solver's type with the KSP's tolerances. LSQR ends
// the solve itself with KSP_DIVERGED_ITS at max_it. Our tolerances are
// rtol = atol = 0, so the default test stops only on NaN/Inf or divergence
// (dtol), not for reasons unrelated to the noise that would end the
// semi-convergent iteration early, unless the user's options set
// ksp_rtol / ksp_atol. The default test's context is our own:
// KSPSetConvergenceTest destroys the one the type installed.
struct DiscrepancyTest {
  bool enabled;
  double threshold;
  PollInTest poll;
  bool lsqr_default = true;  // KSPLSQRConvergedDefault (needs a KSPLSQR), else KSPConvergedDefault
  void* default_context = nullptr;
  bool reached = false;
};

PetscErrorCode discrepancy_test(KSP ksp, PetscInt n, PetscReal rnorm, KSPConvergedReason* reason, void* ctx) {
  auto* test = static_cast<DiscrepancyTest*>(ctx);
  *reason = KSP_CONVERGED_ITERATING;
  if (test->enabled && rnorm <= test->threshold) {
    *reason = KSP_CONVERGED_ATOL;
    test->reached = true;
    return 0;
  }
  if (test->lsqr_default)
    PetscCall(KSPLSQRConvergedDefault(ksp, n, rnorm, reason, test->default_context));
  else
    PetscCall(KSPConvergedDefault(ksp, n, rnorm, reason, test->default_context));
  test->poll.check(n, reason);
  return 0;
}

PetscErrorCode destroy_discrepancy_test(void* ctx) {
  auto* test = static_cast<DiscrepancyTest*>(ctx);
  if (test->default_context != nullptr) PetscCall(KSPConvergedDefaultDestroy(test->default_context));
  test->default_context = nullptr;
  return 0;
}

// PETSc's default test (rtol, atol, divergence) followed by the poll.
// Declared before the KSP that uses it, so that it outlives it.
struct DefaultTest {
  explicit DefaultTest(const IterationPoll& p) : poll{p} {
    petsc::petsc_check(KSPConvergedDefaultCreate(&defaults), "KSPConvergedDefaultCreate");
  }
  DefaultTest(const DefaultTest&) = delete;
  DefaultTest& operator=(const DefaultTest&) = delete;
  ~DefaultTest() { KSPConvergedDefaultDestroy(defaults); }
  void* defaults = nullptr;  // KSPConvergedDefault's own context
  PollInTest poll;
};

PetscErrorCode default_test(KSP ksp, PetscInt iteration, PetscReal rnorm, KSPConvergedReason* reason, void* ctx) {
  auto* test = static_cast<DefaultTest*>(ctx);
  PetscCall(KSPConvergedDefault(ksp, iteration, rnorm, reason, test->defaults));
  test->poll.check(iteration, reason);
  return 0;
}

// A KSP of `type` on `op` with our settings, reading the private options
// database under its prefix (the PC, made by KSPGetPC after the database is
// attached, inherits both). KSPSetFromOptions comes later, after the
// caller's own settings, so that the user's options win.
KSP make_ksp(Mat op, KSPType type, int max_iterations, double rtol, const petsc::PetscOptionsDatabase& options) {
  KSP ksp = nullptr;
  petsc::petsc_check(KSPCreate(PetscObjectComm(reinterpret_cast<PetscObject>(op)), &ksp), "KSPCreate");
  petsc::attach_options(reinterpret_cast<PetscObject>(ksp), options);
  petsc::petsc_check(KSPSetOptionsPrefix(ksp, options.settings().prefix.c_str()), "KSPSetOptionsPrefix");
  petsc::petsc_check(KSPSetOperators(ksp, op, op), "KSPSetOperators");
  petsc::petsc_check(KSPSetType(ksp, type), "KSPSetType");
  PC pc = nullptr;
  petsc::petsc_check(KSPGetPC(ksp, &pc), "KSPGetPC");
  petsc::petsc_check(PCSetType(pc, PCNONE), "PCSetType");
  petsc::petsc_check(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED), "KSPSetNormType");
  petsc::petsc_check(KSPSetInitialGuessNonzero(ksp, PETSC_TRUE), "KSPSetInitialGuessNonzero");
  petsc::petsc_check(KSPSetTolerances(ksp, rtol, 0.0, PETSC_DEFAULT, max_iterations), "KSPSetTolerances");
  return ksp;
}

// The user's options, then our monitor (after them: ksp_monitor_cancel must
// not remove the history we record).
void read_options(KSP ksp, const petsc::PetscOptionsDatabase& options, std::vector<double>* norms, Monitor& monitor) {
  petsc::petsc_check_options(KSPSetFromOptions(ksp), "KSPSetFromOptions", options);
  monitor.norms = norms;
  petsc::petsc_check(KSPMonitorSet(ksp, record_norm, &monitor, nullptr), "KSPMonitorSet");
}

// After the solve: options nobody read are the user's mistake; a diverged
// solve (other than at the iteration cap, or LSQR's breakdown, which means
// the Krylov space is exhausted, i.e. solved exactly) and a non-finite
// iterate or residual are numerical failures, reported rather than returned.
void check_solve(const char* where, KSP ksp, const petsc::PetscOptionsDatabase& options, const IterationHistory& h,
                 const Image<const double>& x, bool breakdown_is_exact) {
  options.require_all_used();
  KSPConvergedReason reason = KSP_CONVERGED_ITERATING;
  petsc::petsc_check(KSPGetConvergedReason(ksp, &reason), "KSPGetConvergedReason");
  const bool allowed =
      reason >= 0 || reason == KSP_DIVERGED_ITS || (breakdown_is_exact && reason == KSP_DIVERGED_BREAKDOWN);
  if (!allowed)
    throw NumericalError(fmt::format("{}: PETSc's KSP diverged ({}) after {} iterations", where,
                                     KSPConvergedReasons[reason], h.iterations));
  for (std::size_t k = 0; k < h.residual_norms.size(); ++k)
    if (!std::isfinite(h.residual_norms[k]))
      throw NumericalError(fmt::format("{}: the residual norm is {} at iteration {}", where, h.residual_norms[k], k));
  if (!std::isfinite(h.final_residual_norm) || !all_finite(x))
    throw NumericalError(fmt::format("{}: the reconstruction has non-finite pixels after {} iterations ({})", where,
                                     h.iterations, h.stop_reason));
}

std::string reason_name(KSP ksp) {
  KSPConvergedReason reason = KSP_CONVERGED_ITERATING;
  petsc::petsc_check(KSPGetConvergedReason(ksp, &reason), "KSPGetConvergedReason");
  return KSPConvergedReasons[reason];
}

// AᵀA + α I on the image layout, applied through the projector shell.
struct NormalOperator {
  Mat A;
  Vec sinogram;  // work vector in A's range layout
  double alpha;
};

PetscErrorCode normal_mult(Mat N, Vec x, Vec out) {
  NormalOperator* op = nullptr;
  PetscCall(MatShellGetContext(N, &op));
  PetscCall(MatMult(op->A, x, op->sinogram));
  PetscCall(MatMultTranspose(op->A, op->sinogram, out));
  PetscCall(VecAXPY(out, op->alpha, x));
  return 0;
}

}  // namespace

IterationHistory lsqr(const DistributedProjector<double>& A, const Sinogram<const double>& y, const Image<double>& x,
                      const LsqrOptions& options) {
  require_on_every_rank(A.comm(), [&] {
    require(options.max_iterations >= 1,
            fmt::format("lsqr: max_iterations must be >= 1, got {}", options.max_iterations));
    options.discrepancy.validate("lsqr: discrepancy");
    detail::require_shapes("lsqr", A, y, x);
  });
  require_petsc("lsqr");

  petsc::QuietPetscErrors quiet;  // PETSc's messages go into our exceptions instead of tracebacks on stderr
  // Declared first, destroyed last: every object below reads it.
  const auto options_db = std::make_shared<const petsc::PetscOptionsDatabase>(options.petsc);
  auto op = make_projector_operator(A, options_db);
  VecHolder b{op->create_sinogram()}, v{op->create_image()};
  copy_rows_in(y, b.v);
  copy_image_in(x, v.v);

  IterationHistory history;
  // The contexts the KSP calls back into, declared before it: KSPDestroy
  // calls the test's destroy, so they must outlive it.
  Monitor monitor;
  DiscrepancyTest test{options.discrepancy.enabled(), options.discrepancy.threshold(), {options.poll}};
  KspHolder ksp{make_ksp(op->mat(), KSPLSQR, options.max_iterations, 0.0, *options_db)};
  read_options(ksp.k, *options_db, &history.residual_norms, monitor);
  PetscBool is_lsqr = PETSC_FALSE;
  petsc::petsc_check(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ksp.k), KSPLSQR, &is_lsqr),
              "PetscObjectTypeCompare");
  test.lsqr_default = is_lsqr == PETSC_TRUE;
  petsc::petsc_check(KSPConvergedDefaultCreate(&test.default_context), "KSPConvergedDefaultCreate");
  petsc::petsc_check(KSPSetConvergenceTest(ksp.k, discrepancy_test, &test, destroy_discrepancy_test), "KSPSetConvergenceTest");
  petsc::petsc_check_options(KSPSolve(ksp.k, b.v, v.v), "KSPSolve (LSQR)", *options_db);
  test.poll.rethrow();

  PetscInt its = 0;
  petsc::petsc_check(KSPGetIterationNumber(ksp.k, &its), "KSPGetIterationNumber");
  history.iterations = static_cast<int>(its);
  history.discrepancy_reached = test.reached;
  history.stop_reason = test.reached ? "discrepancy" : reason_name(ksp.k);
  if (history.stop_reason == "DIVERGED_ITS") history.stop_reason = "iterations";
  copy_image_out(v.v, x);
  history.final_residual_norm = residual_norm(A, y, x);
  check_solve("lsqr", ksp.k, *options_db, history, x, true);
  return history;
}

IterationHistory tikhonov(const DistributedProjector<double>& A, const Sinogram<const double>& y,
                          const Image<double>& x, const TikhonovOptions& options) {
  require_on_every_rank(A.comm(), [&] {
    require(std::isfinite(options.alpha) && options.alpha > 0,
            fmt::format("tikhonov: alpha must be > 0, got {}", options.alpha));
    require(options.max_iterations >= 1,
            fmt::format("tikhonov: max_iterations must be >= 1, got {}", options.max_iterations));
    require(options.rtol > 0 && options.rtol < 1,
            fmt::format("tikhonov: rtol must be in (0, 1), got {}", options.rtol));
    detail::require_shapes("tikhonov", A, y, x);
  });
  require_petsc("tikhonov");

  petsc::QuietPetscErrors quiet;
  const auto options_db = std::make_shared<const petsc::PetscOptionsDatabase>(options.petsc);
  auto op = make_projector_operator(A, options_db);
  VecHolder b{op->create_sinogram()}, v{op->create_image()}, rhs{op->create_image()}, work{op->create_sinogram()};
  copy_rows_in(y, b.v);
  copy_image_in(x, v.v);
  petsc::petsc_check(MatMultTranspose(op->mat(), b.v, rhs.v), "MatMultTranspose (Aᵀy)");

  NormalOperator normal{op->mat(), work.v, options.alpha};
  PetscInt n_local = 0, n = 0;
  petsc::petsc_check(VecGetLocalSize(v.v, &n_local), "VecGetLocalSize");
  petsc::petsc_check(VecGetSize(v.v, &n), "VecGetSize");
  MatHolder N;
  petsc::petsc_check(
      MatCreateShell(PetscObjectComm(reinterpret_cast<PetscObject>(op->mat())), n_local, n_local, n, n, &normal, &N.m),
      "MatCreateShell (AᵀA + αI)");
  petsc::attach_options(reinterpret_cast<PetscObject>(N.m), *options_db);
  petsc::petsc_check(MatShellSetOperation(N.m, MATOP_MULT, reinterpret_cast<void (*)(void)>(&normal_mult)),
              "MatShellSetOperation(MULT)");
  petsc::petsc_check(MatSetOption(N.m, MAT_SYMMETRIC, PETSC_TRUE), "MatSetOption(SYMMETRIC)");
  petsc::petsc_check(MatSetOption(N.m, MAT_SPD, PETSC_TRUE), "MatSetOption(SPD)");
  petsc::petsc_check_options(MatSetFromOptions(N.m), "MatSetFromOptions (AᵀA + αI)", *options_db);

  IterationHistory history;
  Monitor monitor;  // outlives the KSP
  DefaultTest test(options.poll);
  KspHolder ksp{make_ksp(N.m, KSPCG, options.max_iterations, options.rtol, *options_db)};
  read_options(ksp.k, *options_db, &history.residual_norms, monitor);
  petsc::petsc_check(KSPSetConvergenceTest(ksp.k, default_test, &test, nullptr), "KSPSetConvergenceTest");
  petsc::petsc_check_options(KSPSolve(ksp.k, rhs.v, v.v), "KSPSolve (CG, Tikhonov)", *options_db);
  test.poll.rethrow();

  PetscInt its = 0;
  petsc::petsc_check(KSPGetIterationNumber(ksp.k, &its), "KSPGetIterationNumber");
  history.iterations = static_cast<int>(its);
  history.stop_reason = reason_name(ksp.k);
  if (history.stop_reason == "DIVERGED_ITS") history.stop_reason = "iterations";
  copy_image_out(v.v, x);
  history.final_residual_norm = residual_norm(A, y, x);
  check_solve("tikhonov", ksp.k, *options_db, history, x, false);
  return history;
}

}  // namespace structura::tomography
