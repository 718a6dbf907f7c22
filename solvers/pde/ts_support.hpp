// What the PETSc TS solvers of this library share (internal, not
// installed): the objects of one solve, destroyed in reverse order also on
// exceptions; the user's options on the TS and the solvers it makes; the
// divergence guard; the solve with its checks; the state gathered on every
// rank in natural (row-major) order.
#pragma once

#include <petscdmda.h>
#include <petscts.h>

#include <cstdint>
#include <string>
#include <vector>

#include "petsc/options.hpp"

namespace structura::pde::detail {

// The options of a TS solver: key "petsc_options", `prefix`, and the objects
// a time integration makes (ts, snes, ksp, pc, mat, vec).
petsc::PetscSettings ts_petsc_settings(const std::string& prefix);

// InputErrors naming the key: t_end finite and > 0, dt (named dt_key)
// finite and > 0 and at most 1e12 steps to t_end.
void validate_time(double t_end, double dt, const std::string& dt_key);

// The output times of a solve: `times` empty means {t_end}; otherwise they
// must be finite, >= 0, strictly increasing and end at t_end (InputError
// naming "output_times").
std::vector<double> output_times(const std::vector<double>& times, double t_end);

struct TsObjects {
  DM da = nullptr;
  Vec u = nullptr, natural = nullptr, all = nullptr;
  Mat j = nullptr;
  TS ts = nullptr;
  VecScatter scatter = nullptr;
  TsObjects() = default;
  TsObjects(const TsObjects&) = delete;
  TsObjects& operator=(const TsObjects&) = delete;
  ~TsObjects();
};

// The database on the TS and on the SNES, KSP and PC it makes (implicit
// types read them; an explicit type leaves them unused but harmless).
void attach_solvers(TS ts, const petsc::PetscOptionsDatabase& db);

// Steps of dt up to t_end, the last one shortened to end there exactly, no
// step-size adaptation (unless the user's -ts_adapt_type asks for it).
void set_fixed_steps(TS ts, double dt, double t_end);

// Stops the integration once max|u| exceeds `bound` (or is NaN): a state
// the equation's maximum principle (or its stable states) rules out.
struct Guard {
  double bound = 0;
  double largest = 0;  // max|u| at the step that crossed it; 0 while it has not
};
void install_guard(TS ts, Guard& guard);

struct TsOutcome {
  std::int64_t steps = 0;
  double time = 0;
  std::string type;
};

// TSSolve, then: the guard or a diverged TS as a NumericalError naming
// dt_key, every user option read (InputError otherwise).
TsOutcome solve_checked(TsObjects& p, const Guard& guard, const petsc::PetscOptionsDatabase& db,
                        const std::string& dt_key, double dt);

// The global vector p.u on every rank in natural order (count values).
// Without a DMDA (p.da null: a solver whose state lives on one rank, the
// spectral one) the vector's own array.
std::vector<double> gather_natural(TsObjects& p, std::int64_t count);

// The state at each of `times` (from output_times): one TSSolve per output
// time, TSSetMaxTime to it and the step reset to dt, so that every snapshot
// is the time stepper's own state at that time (the last step of each
// segment shortened to end there; no interpolation). A time equal to the
// current one (0 at the start) is the current state. The outcome's steps
// count all segments; every snapshot gathered as gather_natural.
struct TsTrajectory {
  TsOutcome outcome;
  std::vector<std::vector<double>> snapshots;
};
TsTrajectory solve_to_times(TsObjects& p, const Guard& guard, const petsc::PetscOptionsDatabase& db,
                            const std::string& dt_key, double dt, const std::vector<double>& times,
                            std::int64_t count);

// Snapshots by the time stepper's dense output: one TSSolve to the last
// output time, the steps chosen by the TS alone (not cut at the output
// times), and after each step every output time it passed is filled by
// TSInterpolate (the state itself at a step's end). What scipy's solve_ivp
// does with t_eval. The monitor, installed once per solver by
// install_dense_output, stays idle outside solve_dense. A TS type without an
// interpolation formula (ssp) is an InputError naming
// `interpolate_key`.
struct DenseOutput {
  TsObjects* p = nullptr;
  const std::vector<double>* times = nullptr;
  std::vector<std::vector<double>> snapshots;  // preallocated: the monitor only writes
  std::size_t next = 0;
  bool active = false, no_interpolation = false;
  Vec work = nullptr;  // owned: a duplicate of p->u
  DenseOutput() = default;
  DenseOutput(const DenseOutput&) = delete;
  DenseOutput& operator=(const DenseOutput&) = delete;
  ~DenseOutput();
};
void install_dense_output(TsObjects& p, DenseOutput& dense, const std::vector<double>& times);
TsTrajectory solve_dense(TsObjects& p, const Guard& guard, DenseOutput& dense, const petsc::PetscOptionsDatabase& db,
                         const std::string& dt_key, double dt, std::int64_t count, const std::string& interpolate_key);

}  // namespace structura::pde::detail
