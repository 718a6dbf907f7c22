// One-dimensional periodic evolution equations on PETSc: a DMDA with
// periodic boundary (the grid decomposed over the ranks of a communicator)
// and a TS time stepper, by the method of lines.
//
//   heat      u_t = nu u_xx
//   burgers   u_t + (u^2/2)_x = nu u_xx          (the conservative form)
//
// on [0, length), points x_i = i h, h = length / points. Space (the
// `discretisation`): either central
// differences of order 2 (3-point stencils) or 4 (5-point), the advective
// flux differenced in conservative form (f = u^2/2; for smooth solutions
// the same order as the diffusion), or Fourier pseudo-spectral
// (Spectral: derivatives exact on the trigonometric interpolant by FFTW,
// the flux de-aliased by the 2/3 rule, spectral_1d.hpp; the whole grid on
// one rank, so a communicator of one rank - MPI_COMM_SELF, as a solution
// set's solves - and a dense Jacobian for implicit types). Time: any TS type through PETSc's
// options; by default the classical fourth-order Runge-Kutta (TSRK 4) at the
// fixed step `dt`, ending exactly at t_end (the last step shortened).
// Implicit types (-ts_type cn, beuler, bdf, arkimex ...) get the exact
// Jacobian of the discrete right-hand side, assembled on the DMDA's stencil.
//
// Options the PETSc way (petsc/options.hpp): the TS and every object it
// makes (SNES, KSP, PC) read a private database under `petsc.prefix`; an
// option nothing read, or one PETSc rejects, is an InputError naming
// `petsc.key`. A step size too large for an explicit method shows as a
// diverged TS or a non-finite state: a NumericalError naming `dt_key`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/mpi.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pde {

enum class Equation1d { Heat, Burgers };
enum class Discretisation1d { Differences, Spectral };

struct Periodic1dOptions {
  Equation1d equation = Equation1d::Heat;
  std::int64_t points = 128;  // grid points N (>= 5)
  double length = 1.0;        // period
  double nu = 0.01;           // viscosity / diffusivity (>= 0)
  int order = 2;              // order of the spatial differences: 2 or 4 (Differences only)
  Discretisation1d discretisation = Discretisation1d::Differences;
  double t_end = 1.0;         // > 0
  // Times of the snapshots returned (strictly increasing, >= 0, the last one
  // t_end; 0 is the initial state); empty: t_end alone. The TS steps to each
  // exactly (one TSSolve per time, the step reset to dt: an adaptive TS
  // restarts each segment from dt), no interpolation.
  std::vector<double> output_times;
  // Snapshots by the TS's dense output instead (TSInterpolate, as solve_ivp's
  // t_eval): one TSSolve to t_end, the steps not cut at the output times
  // (fewer, where they are wider than the spacing); needs a TS type with an
  // interpolation formula (rk, bdf, arkimex, theta; not ssp): InputError
  // naming interpolate_key otherwise.
  bool interpolate = false;
  std::string interpolate_key = "interpolate";
  double dt = 1e-3;           // time step (the initial one for an adaptive TS)
  std::string dt_key = "dt";  // what a step-size error names
  // The user's options: the objects are ts, snes, ksp, pc, mat, vec.
  petsc::PetscSettings petsc = default_petsc_settings();

  // InputError naming the field (points, nu, order, t_end, dt, length); a
  // solver also names discretisation for Spectral on more than one rank.
  void validate() const;
  static petsc::PetscSettings default_petsc_settings();
};

struct Periodic1dResult {
  std::vector<double> u;  // the state at t_end, all N values, on every rank
  std::vector<double> times;                   // the output times (t_end alone by default)
  std::vector<std::vector<double>> snapshots;  // the state at each, as u (the last is u)
  std::int64_t steps = 0;  // time steps taken
  double time = 0;         // the time reached (t_end)
  std::string ts_type;     // the TS type that ran (after the user's options)
};

// A solver made once and used for many initial conditions (a data set of
// independent solves): the DMDA, the TS with the user's options and the
// Jacobian are set up by the constructor (about 1 ms, more than 100 RK4
// steps on a small grid), and solve() only resets the time. The same result
// as solve_periodic_1d, bit for bit. Collective on comm, like its solves.
class Periodic1dSolver {
public:
  Periodic1dSolver(const Periodic1dOptions& options, const mpi::Comm& comm);  // InputError as validate()
  ~Periodic1dSolver();
  Periodic1dSolver(const Periodic1dSolver&) = delete;
  Periodic1dSolver& operator=(const Periodic1dSolver&) = delete;

  Periodic1dResult solve(const std::vector<double>& u0);

private:
  struct State;
  std::unique_ptr<State> state_;
};

// Solves from u0 (all N values, the same on every rank of comm) to t_end,
// the grid decomposed over comm (use MPI_COMM_SELF for independent solves
// on each rank). PETSc must be initialised (petsc::PetscSession).
Periodic1dResult solve_periodic_1d(const std::vector<double>& u0, const Periodic1dOptions& options,
                                   const mpi::Comm& comm);

// count >= 2 equally spaced times from t0 to t1, both included (the
// Burgers data set of Wang et al.: 101 on [0, 1]); the last is t1 exactly.
std::vector<double> equally_spaced_times(double t0, double t1, std::int64_t count);

// The grid points x_i = i length / N.
std::vector<double> periodic_grid(std::int64_t points, double length);

}  // namespace structura::pde
