#include "pde/ts_support.hpp"

#include <fmt/format.h>

#include <cmath>

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

std::vector<double> gather_natural(TsObjects& p, std::int64_t count) {
  if (!p.natural) {  // made once, reused by every snapshot
    petsc_check(DMDACreateNaturalVector(p.da, &p.natural), "DMDACreateNaturalVector");
    petsc_check(VecScatterCreateToAll(p.natural, &p.scatter, &p.all), "VecScatterCreateToAll");
  }
  petsc_check(DMDAGlobalToNaturalBegin(p.da, p.u, INSERT_VALUES, p.natural), "DMDAGlobalToNaturalBegin");
  petsc_check(DMDAGlobalToNaturalEnd(p.da, p.u, INSERT_VALUES, p.natural), "DMDAGlobalToNaturalEnd");
  petsc_check(VecScatterBegin(p.scatter, p.natural, p.all, INSERT_VALUES, SCATTER_FORWARD), "VecScatterBegin");
  petsc_check(VecScatterEnd(p.scatter, p.natural, p.all, INSERT_VALUES, SCATTER_FORWARD), "VecScatterEnd");
  const PetscScalar* a;
  petsc_check(VecGetArrayRead(p.all, &a), "VecGetArrayRead");
  std::vector<double> out(a, a + count);
  petsc_check(VecRestoreArrayRead(p.all, &a), "VecRestoreArrayRead");
  for (double v : out)
    if (!std::isfinite(v)) throw NumericalError("the state has NaN or Inf values");
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

}  // namespace structura::pde::detail
