#include "pde/ts_support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.hpp"

namespace structura::pde::detail {

using petsc::petsc_check;

petsc::PetscSettings ts_petsc_settings(const std::string& prefix) {
  petsc::PetscSettings s;
  s.key = "petsc_options";
  s.prefix = prefix;
  s.objects = {"ts", "snes", "ksp", "pc", "mat", "vec"};
  return s;
}

void validate_time(double t_end, double dt, const std::string& dt_key) {
  if (!(std::isfinite(t_end) && t_end > 0)) throw InputError(fmt::format("t_end: {} must be finite and > 0", t_end));
  if (!(std::isfinite(dt) && dt > 0)) throw InputError(fmt::format("{}: {} must be finite and > 0", dt_key, dt));
  if (t_end / dt > 1e12)
    throw InputError(fmt::format("{}: {} takes more than 1e12 steps to reach t_end = {}", dt_key, dt, t_end));
}

std::vector<double> output_times(const std::vector<double>& times, double t_end) {
  if (times.empty()) return {t_end};
  for (std::size_t k = 0; k < times.size(); ++k) {
    if (!(std::isfinite(times[k]) && times[k] >= 0))
      throw InputError(fmt::format("output_times: time {} is {}; times must be finite and >= 0", k, times[k]));
    if (k > 0 && !(times[k] > times[k - 1]))
      throw InputError(fmt::format("output_times: time {} ({}) does not exceed time {} ({}); they must increase",
                                   k, times[k], k - 1, times[k - 1]));
  }
  if (times.back() != t_end)
    throw InputError(fmt::format("output_times: the last time {} must be t_end = {}", times.back(), t_end));
  return times;
}

TsObjects::~TsObjects() {
  if (scatter) VecScatterDestroy(&scatter);
  if (all) VecDestroy(&all);
  if (natural) VecDestroy(&natural);
  if (ts) TSDestroy(&ts);
  if (j) MatDestroy(&j);
  if (u) VecDestroy(&u);
  if (da) DMDestroy(&da);
}

void attach_solvers(TS ts, const petsc::PetscOptionsDatabase& db) {
  petsc::attach_options(reinterpret_cast<PetscObject>(ts), db);
  SNES snes;
  KSP ksp;
  PC pc;
  petsc_check(TSGetSNES(ts, &snes), "TSGetSNES");
  petsc::attach_options(reinterpret_cast<PetscObject>(snes), db);
  petsc_check(SNESGetKSP(snes, &ksp), "SNESGetKSP");
  petsc::attach_options(reinterpret_cast<PetscObject>(ksp), db);
  petsc_check(KSPGetPC(ksp, &pc), "KSPGetPC");
  petsc::attach_options(reinterpret_cast<PetscObject>(pc), db);
}

void set_fixed_steps(TS ts, double dt, double t_end) {
  petsc_check(TSSetTimeStep(ts, dt), "TSSetTimeStep");
  petsc_check(TSSetMaxTime(ts, t_end), "TSSetMaxTime");
  petsc_check(TSSetMaxSteps(ts, PETSC_MAX_INT), "TSSetMaxSteps");
  petsc_check(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP), "TSSetExactFinalTime");
  TSAdapt adapt;
  petsc_check(TSGetAdapt(ts, &adapt), "TSGetAdapt");
  petsc_check(TSAdaptSetType(adapt, TSADAPTNONE), "TSAdaptSetType");
}

namespace {

PetscErrorCode guard_monitor(TS ts, PetscInt, PetscReal, Vec u, void* raw) {
  auto* g = static_cast<Guard*>(raw);
  PetscReal norm = 0;
  PetscCall(VecNorm(u, NORM_INFINITY, &norm));
  if (!(norm <= g->bound)) {  // also NaN
    g->largest = norm;
    PetscCall(TSSetConvergedReason(ts, TS_DIVERGED_STEP_REJECTED));
  }
  return 0;
}

}  // namespace

void install_guard(TS ts, Guard& guard) {
  petsc_check(TSMonitorSet(ts, guard_monitor, &guard, nullptr), "TSMonitorSet");
}

TsOutcome solve_checked(TsObjects& p, const Guard& guard, const petsc::PetscOptionsDatabase& db,
                        const std::string& dt_key, double dt) {
  const PetscErrorCode code = TSSolve(p.ts, p.u);
  if (code == PETSC_ERR_NOT_CONVERGED)  // an implicit stage's solver failed: the step is too large for it
    throw NumericalError(fmt::format("the time integration failed: {}; reduce {} (now {})",
                                     petsc::petsc_error_message(code), dt_key, dt));
  petsc::petsc_check_options(code, "TSSolve", db);
  TSConvergedReason reason;
  petsc_check(TSGetConvergedReason(p.ts, &reason), "TSGetConvergedReason");
  PetscInt steps = 0;
  PetscReal time = 0;
  petsc_check(TSGetStepNumber(p.ts, &steps), "TSGetStepNumber");
  petsc_check(TSGetSolveTime(p.ts, &time), "TSGetSolveTime");
  if (guard.largest != 0)
    throw NumericalError(fmt::format("the time integration diverged at t = {} after {} steps: max |u| = {} exceeds {} "
                                     "(the equation bounds it); reduce {} (now {})",
                                     time, steps, guard.largest, guard.bound, dt_key, dt));
  if (reason < 0)
    throw NumericalError(fmt::format("the time integration diverged ({}) at t = {} after {} steps; reduce {} (now {})",
                                     TSConvergedReasons[reason], time, steps, dt_key, dt));
  db.require_all_used();
  TSType type;
  petsc_check(TSGetType(p.ts, &type), "TSGetType");
  return {steps, time, type};
}

namespace {

void make_natural(TsObjects& p) {
  if (p.natural || !p.da) return;  // made once, reused by every snapshot
  petsc_check(DMDACreateNaturalVector(p.da, &p.natural), "DMDACreateNaturalVector");
  petsc_check(VecScatterCreateToAll(p.natural, &p.scatter, &p.all), "VecScatterCreateToAll");
}

// The values of v (a global vector of p's layout) in natural order into out
// (all of them, on every rank); PETSc calls only, for use in a monitor.
PetscErrorCode store_natural(TsObjects& p, Vec v, double* out) {
  const PetscScalar* a;
  PetscInt n;
  Vec from = v;
  if (p.da) {
    PetscCall(DMDAGlobalToNaturalBegin(p.da, v, INSERT_VALUES, p.natural));
    PetscCall(DMDAGlobalToNaturalEnd(p.da, v, INSERT_VALUES, p.natural));
    PetscCall(VecScatterBegin(p.scatter, p.natural, p.all, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(p.scatter, p.natural, p.all, INSERT_VALUES, SCATTER_FORWARD));
    from = p.all;
  }
  PetscCall(VecGetLocalSize(from, &n));
  PetscCall(VecGetArrayRead(from, &a));
  std::copy(a, a + n, out);
  PetscCall(VecRestoreArrayRead(from, &a));
  return 0;
}

void check_finite(const std::vector<double>& values) {
  for (double v : values)
    if (!std::isfinite(v)) throw NumericalError("the state has NaN or Inf values");
}

}  // namespace

std::vector<double> gather_natural(TsObjects& p, std::int64_t count) {
  make_natural(p);
  std::vector<double> out(static_cast<std::size_t>(count));
  petsc_check(store_natural(p, p.u, out.data()), "gathering the state");
  check_finite(out);
  return out;
}

TsTrajectory solve_to_times(TsObjects& p, const Guard& guard, const petsc::PetscOptionsDatabase& db,
                            const std::string& dt_key, double dt, const std::vector<double>& times,
                            std::int64_t count) {
  TsTrajectory out;
  PetscReal now = 0;
  for (double t : times) {  // t_end > 0 is the last: at least one segment is solved
    petsc_check(TSGetTime(p.ts, &now), "TSGetTime");
    if (t > now) {
      petsc_check(TSSetMaxTime(p.ts, t), "TSSetMaxTime");
      // The previous segment's shortened last step must not carry over.
      petsc_check(TSSetTimeStep(p.ts, dt), "TSSetTimeStep");
      out.outcome = solve_checked(p, guard, db, dt_key, dt);
    }
    out.snapshots.push_back(gather_natural(p, count));
  }
  return out;
}

DenseOutput::~DenseOutput() {
  if (work) VecDestroy(&work);
}

namespace {

PetscErrorCode dense_monitor(TS ts, PetscInt, PetscReal t, Vec u, void* raw) {
  auto* d = static_cast<DenseOutput*>(raw);
  if (!d->active) return 0;
  const std::vector<double>& times = *d->times;
  for (; d->next < times.size() && times[d->next] <= t; ++d->next) {
    Vec v = u;
    if (times[d->next] < t) {
      const PetscErrorCode code = TSInterpolate(ts, times[d->next], d->work);
      if (code) {
        d->no_interpolation = true;  // the TS type has no interpolation formula
        return code;
      }
      v = d->work;
    }
    PetscCall(store_natural(*d->p, v, d->snapshots[d->next].data()));
  }
  return 0;
}

}  // namespace

void install_dense_output(TsObjects& p, DenseOutput& dense, const std::vector<double>& times) {
  make_natural(p);
  dense.p = &p;
  dense.times = &times;
  petsc_check(VecDuplicate(p.u, &dense.work), "VecDuplicate");
  petsc_check(TSMonitorSet(p.ts, dense_monitor, &dense, nullptr), "TSMonitorSet");
}

TsTrajectory solve_dense(TsObjects& p, const Guard& guard, DenseOutput& dense, const petsc::PetscOptionsDatabase& db,
                         const std::string& dt_key, double dt, std::int64_t count, const std::string& interpolate_key) {
  const std::vector<double>& times = *dense.times;
  dense.snapshots.assign(times.size(), std::vector<double>(static_cast<std::size_t>(count)));
  dense.next = 0;
  dense.no_interpolation = false;
  dense.active = true;
  TsTrajectory out;
  try {
    petsc_check(TSSetMaxTime(p.ts, times.back()), "TSSetMaxTime");
    petsc_check(TSSetTimeStep(p.ts, dt), "TSSetTimeStep");
    out.outcome = solve_checked(p, guard, db, dt_key, dt);
  } catch (...) {
    dense.active = false;
    if (!dense.no_interpolation) throw;
    TSType type;
    petsc_check(TSGetType(p.ts, &type), "TSGetType");
    throw InputError(fmt::format("{}: the time stepper ({}) has no interpolation formula for dense output; choose one "
                                 "that has (rk, bdf, arkimex, theta) or turn {} off",
                                 interpolate_key, type, interpolate_key));
  }
  dense.active = false;
  // The last output time is the end of the last step; where that step's end
  // rounds below it, the final state is the snapshot.
  for (; dense.next < times.size(); ++dense.next) {
    if (!(std::abs(out.outcome.time - times[dense.next]) <= 1e-12 * std::max(1.0, std::abs(times.back()))))
      throw NumericalError(fmt::format("the time integration stopped at t = {} before the output time {}",
                                       out.outcome.time, times[dense.next]));
    petsc_check(store_natural(p, p.u, dense.snapshots[dense.next].data()), "gathering the state");
  }
  for (const std::vector<double>& s : dense.snapshots) check_finite(s);
  out.snapshots = std::move(dense.snapshots);
  return out;
}

}  // namespace structura::pde::detail
