// The 2-D Allen-Cahn equation on PETSc, periodic on [0, length)^2:
//   u_t = eps^2 Laplacian(u) + u - u^3 + f(x, y, t)
// (f: an optional forcing, for manufactured solutions; 0 by default), on a
// periodic DMDA decomposed over all ranks of a communicator (one large
// solve, 1024^2 and beyond), by IMEX time stepping: the stiff diffusion
// implicit, the reaction (and f) explicit. Space: the 5-point Laplacian
// (order 2). Time: TSARKIMEX (by default its third-order ARKIMEX 3 at the
// fixed step dt; any TS type and -ts_arkimex_type through PETSc options),
// the implicit stages solved as one linear system each (SNES ksponly, the
// exact Jacobian shift I - eps^2 Laplacian, CG + Jacobi to a relative 1e-12 unless
// the options say otherwise). Options, errors and the divergence guard as
// periodic_1d.hpp (the guard: |u| beyond max(2 max|u0|, 2): the reaction's
// stable states are +-1).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/mpi.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pde {

struct AllenCahn2dOptions {
  std::int64_t points = 128;  // N x N grid, x_i = i h, h = length / N
  double length = 1.0;
  double epsilon = 0.01;  // interface width parameter (> 0)
  double t_end = 1.0;
  double dt = 1e-2;
  // Times of the snapshots returned (strictly increasing, >= 0, the last one
  // t_end; 0 is the initial state); empty: t_end alone. The TS steps to each
  // exactly (one TSSolve per time, the step reset to dt: an adaptive TS
  // restarts each segment from dt), no interpolation.
  std::vector<double> output_times;
  std::string dt_key = "dt";
  std::function<double(double x, double y, double t)> forcing;  // empty: none
  petsc::PetscSettings petsc = default_petsc_settings();

  void validate() const;  // InputError naming the field
  static petsc::PetscSettings default_petsc_settings();
};

struct AllenCahn2dResult {
  std::vector<double> u;  // N * N values at t_end, row-major (u[j N + i] at x_i, y_j), on every rank
  std::vector<double> times;                   // the output times (t_end alone by default)
  std::vector<std::vector<double>> snapshots;  // the state at each, as u (the last is u)
  std::int64_t steps = 0;
  double time = 0;
  std::string ts_type;
  std::int64_t linear_iterations = 0;  // KSP iterations of all implicit stages
};

// u0: N * N values, row-major, the same on every rank of comm.
AllenCahn2dResult solve_allen_cahn_2d(const std::vector<double>& u0, const AllenCahn2dOptions& options,
                                      const mpi::Comm& comm);

}  // namespace structura::pde
