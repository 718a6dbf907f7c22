#include "pde/periodic_1d.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <utility>

#include "core/error.hpp"
#include "pde/spectral_1d.hpp"
#include "pde/ts_support.hpp"
#include "petsc/options.hpp"

namespace structura::pde {

using petsc::petsc_check;

namespace {

// Central-difference weights at offsets -2 .. 2 (order 2: the middle three).
struct Stencil {
  std::array<double, 5> second{}, first{};  // times 1/h^2 and 1/h
  int width = 1;
};

Stencil stencil(int order) {
  Stencil s;
  if (order == 2) {
    s.second = {0, 1, -2, 1, 0};
    s.first = {0, -0.5, 0, 0.5, 0};
    s.width = 1;
  } else {
    s.second = {-1.0 / 12, 16.0 / 12, -30.0 / 12, 16.0 / 12, -1.0 / 12};
    s.first = {1.0 / 12, -8.0 / 12, 0, 8.0 / 12, -1.0 / 12};
    s.width = 2;
  }
  return s;
}

struct Context {
  Stencil s;
  double nu = 0, h = 1;
  bool burgers = false;
};

// F(u)_i = nu sum_k D2_k u_{i+k} / h^2 - sum_k D1_k f(u_{i+k}) / h, f = u^2/2.
PetscErrorCode rhs(TS ts, PetscReal, Vec u, Vec f, void* raw) {
  const auto* c = static_cast<const Context*>(raw);
  DM da;
  PetscCall(TSGetDM(ts, &da));
  Vec local;
  PetscCall(DMGetLocalVector(da, &local));
  PetscCall(DMGlobalToLocalBegin(da, u, INSERT_VALUES, local));
  PetscCall(DMGlobalToLocalEnd(da, u, INSERT_VALUES, local));
  const PetscScalar* ul;
  PetscScalar* fl;
  PetscCall(DMDAVecGetArrayRead(da, local, &ul));
  PetscCall(DMDAVecGetArray(da, f, &fl));
  PetscInt xs, xm;
  PetscCall(DMDAGetCorners(da, &xs, nullptr, nullptr, &xm, nullptr, nullptr));
  const double diffusion = c->nu / (c->h * c->h), advection = 1 / c->h;
  for (PetscInt i = xs; i < xs + xm; ++i) {
    double value = 0;
    for (int k = -c->s.width; k <= c->s.width; ++k) {
      const double v = ul[i + k];
      value += diffusion * c->s.second[k + 2] * v;
      if (c->burgers) value -= advection * c->s.first[k + 2] * 0.5 * v * v;
    }
    fl[i] = value;
  }
  PetscCall(DMDAVecRestoreArray(da, f, &fl));
  PetscCall(DMDAVecRestoreArrayRead(da, local, &ul));
  PetscCall(DMRestoreLocalVector(da, &local));
  return 0;
}

// dF_i/du_{i+k} = nu D2_k / h^2 - D1_k u_{i+k} / h: the exact Jacobian, for
// implicit steppers.
PetscErrorCode jacobian(TS ts, PetscReal, Vec u, Mat, Mat P, void* raw) {
  const auto* c = static_cast<const Context*>(raw);
  DM da;
  PetscCall(TSGetDM(ts, &da));
  Vec local;
  PetscCall(DMGetLocalVector(da, &local));
  PetscCall(DMGlobalToLocalBegin(da, u, INSERT_VALUES, local));
  PetscCall(DMGlobalToLocalEnd(da, u, INSERT_VALUES, local));
  const PetscScalar* ul;
  PetscCall(DMDAVecGetArrayRead(da, local, &ul));
  PetscInt xs, xm;
  PetscCall(DMDAGetCorners(da, &xs, nullptr, nullptr, &xm, nullptr, nullptr));
  const double diffusion = c->nu / (c->h * c->h), advection = 1 / c->h;
  for (PetscInt i = xs; i < xs + xm; ++i) {
    MatStencil row{};
    row.i = i;
    std::array<MatStencil, 5> cols{};
    std::array<PetscScalar, 5> values{};
    PetscInt n = 0;
    for (int k = -c->s.width; k <= c->s.width; ++k) {
      cols[n].i = i + k;  // periodic: the DMDA wraps ghost indices
      values[n] = diffusion * c->s.second[k + 2] - (c->burgers ? advection * c->s.first[k + 2] * ul[i + k] : 0.0);
      ++n;
    }
    PetscCall(MatSetValuesStencil(P, 1, &row, n, cols.data(), values.data(), INSERT_VALUES));
  }
  PetscCall(DMDAVecRestoreArrayRead(da, local, &ul));
  PetscCall(DMRestoreLocalVector(da, &local));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  return 0;
}

// The spectral right-hand side on the vector's plain array (one rank: no
// ghost exchange, no DMDA).
PetscErrorCode spectral_rhs(TS, PetscReal, Vec u, Vec f, void* raw) {
  auto* r = static_cast<detail::FourierRhs1d*>(raw);
  const PetscScalar* a;
  PetscScalar* b;
  PetscCall(VecGetArrayRead(u, &a));
  PetscCall(VecGetArrayWrite(f, &b));
  r->rhs(a, b);
  PetscCall(VecRestoreArrayWrite(f, &b));
  PetscCall(VecRestoreArrayRead(u, &a));
  return 0;
}

// Its exact Jacobian, dense (every point couples to every other).
PetscErrorCode spectral_jacobian(TS, PetscReal, Vec u, Mat, Mat P, void* raw) {
  auto* r = static_cast<detail::FourierRhs1d*>(raw);
  const PetscScalar* a;
  PetscScalar* m;
  PetscCall(VecGetArrayRead(u, &a));
  PetscCall(MatDenseGetArrayWrite(P, &m));
  try {
    r->jacobian(a, m);
  } catch (...) {  // the first call allocates the N x N spectral matrices
    PetscCall(MatDenseRestoreArrayWrite(P, &m));
    PetscCall(VecRestoreArrayRead(u, &a));
    return PETSC_ERR_MEM;
  }
  PetscCall(MatDenseRestoreArrayWrite(P, &m));
  PetscCall(VecRestoreArrayRead(u, &a));
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  return 0;
}

}  // namespace

petsc::PetscSettings Periodic1dOptions::default_petsc_settings() { return detail::ts_petsc_settings("pde_"); }

void Periodic1dOptions::validate() const {
  if (points < 5) throw InputError(fmt::format("points: {} grid points; at least 5 are needed", points));
  if (points > std::numeric_limits<PetscInt>::max())
    throw InputError(fmt::format("points: {} exceeds PETSc's index range", points));
  if (!(std::isfinite(length) && length > 0)) throw InputError(fmt::format("length: {} must be finite and > 0", length));
  if (!(std::isfinite(nu) && nu >= 0)) throw InputError(fmt::format("nu: {} must be finite and >= 0", nu));
  if (order != 2 && order != 4) throw InputError(fmt::format("order: {}; the spatial differences are of order 2 or 4", order));
  detail::validate_time(t_end, dt, dt_key);
  detail::output_times(output_times, t_end);
}

std::vector<double> equally_spaced_times(double t0, double t1, std::int64_t count) {
  if (count < 2) throw InputError(fmt::format("output times: {} requested; at least 2 (both ends)", count));
  if (!(std::isfinite(t0) && std::isfinite(t1) && t1 > t0))
    throw InputError(fmt::format("output times: the interval [{}, {}] must be finite and non-empty", t0, t1));
  std::vector<double> t(static_cast<std::size_t>(count));
  for (std::int64_t k = 0; k < count; ++k) t[static_cast<std::size_t>(k)] = t0 + (t1 - t0) * double(k) / double(count - 1);
  t.back() = t1;
  return t;
}

std::vector<double> periodic_grid(std::int64_t points, double length) {
  std::vector<double> x(static_cast<std::size_t>(points));
  for (std::int64_t i = 0; i < points; ++i) x[static_cast<std::size_t>(i)] = length * double(i) / double(points);
  return x;
}

// Everything a solve needs that does not depend on the initial condition,
// made once: the DMDA (differences) or the FFTW plans (spectral), the state
// vector, the Jacobian, the TS with the user's options read, and the
// callbacks' contexts and guard (their addresses are registered with PETSc,
// so they live here, on the heap).
struct Periodic1dSolver::State {
  Periodic1dOptions options;
  petsc::PetscOptionsDatabase db;
  Context ctx;
  std::unique_ptr<detail::FourierRhs1d> fourier;
  detail::Guard guard;
  detail::TsObjects p;
  std::vector<double> times;
  detail::DenseOutput dense;

  State(const Periodic1dOptions& o, const mpi::Comm& comm) : options(o), db(o.petsc) {
    petsc::QuietPetscErrors quiet;
    times = detail::output_times(o.output_times, o.t_end);
    const auto n = static_cast<PetscInt>(o.points);
    const bool spectral = o.discretisation == Discretisation1d::Spectral;
    if (spectral) {
      if (comm.size() != 1)
        throw InputError(fmt::format("discretisation: spectral solves hold the whole grid on one rank; this "
                                     "communicator has {} (use MPI_COMM_SELF, one solve per rank, as a solution set does)",
                                     comm.size()));
      fourier = std::make_unique<detail::FourierRhs1d>(o.points, o.length, o.nu, o.equation == Equation1d::Burgers);
      petsc_check(VecCreateSeq(PETSC_COMM_SELF, n, &p.u), "VecCreateSeq");
      petsc_check(MatCreateSeqDense(PETSC_COMM_SELF, n, n, nullptr, &p.j), "MatCreateSeqDense");
    } else {
      ctx.s = stencil(o.order);
      ctx.nu = o.nu;
      ctx.h = o.length / double(o.points);
      ctx.burgers = o.equation == Equation1d::Burgers;
      petsc_check(DMDACreate1d(comm.get(), DM_BOUNDARY_PERIODIC, n, 1, ctx.s.width, nullptr, &p.da), "DMDACreate1d");
      petsc::attach_options(reinterpret_cast<PetscObject>(p.da), db);
      petsc_check(DMSetUp(p.da), "DMSetUp (too many ranks for the grid: each needs at least the stencil width)");
      petsc_check(DMCreateGlobalVector(p.da, &p.u), "DMCreateGlobalVector");
      petsc_check(DMCreateMatrix(p.da, &p.j), "DMCreateMatrix");
    }
    petsc::attach_options(reinterpret_cast<PetscObject>(p.j), db);

    petsc_check(TSCreate(comm.get(), &p.ts), "TSCreate");
    if (p.da) petsc_check(TSSetDM(p.ts, p.da), "TSSetDM");
    petsc_check(TSSetProblemType(p.ts, TS_NONLINEAR), "TSSetProblemType");
    if (spectral) {
      petsc_check(TSSetRHSFunction(p.ts, nullptr, spectral_rhs, fourier.get()), "TSSetRHSFunction");
      petsc_check(TSSetRHSJacobian(p.ts, p.j, p.j, spectral_jacobian, fourier.get()), "TSSetRHSJacobian");
    } else {
      petsc_check(TSSetRHSFunction(p.ts, nullptr, rhs, &ctx), "TSSetRHSFunction");
      petsc_check(TSSetRHSJacobian(p.ts, p.j, p.j, jacobian, &ctx), "TSSetRHSJacobian");
    }
    petsc_check(TSSetType(p.ts, TSRK), "TSSetType");
    petsc_check(TSRKSetType(p.ts, TSRK4), "TSRKSetType");
    detail::set_fixed_steps(p.ts, o.dt, o.t_end);
    detail::attach_solvers(p.ts, db);
    if (spectral) {  // a dense Jacobian: a direct solve by default (the user's options may change it)
      SNES snes;
      KSP ksp;
      PC pc;
      petsc_check(TSGetSNES(p.ts, &snes), "TSGetSNES");
      petsc_check(SNESGetKSP(snes, &ksp), "SNESGetKSP");
      petsc_check(KSPSetType(ksp, KSPPREONLY), "KSPSetType");
      petsc_check(KSPGetPC(ksp, &pc), "KSPGetPC");
      petsc_check(PCSetType(pc, PCLU), "PCSetType");
    }
    petsc::petsc_check_options(TSSetFromOptions(p.ts), "TSSetFromOptions", db);
    detail::install_guard(p.ts, guard);
    if (o.interpolate) detail::install_dense_output(p, dense, times);
  }
};

Periodic1dSolver::Periodic1dSolver(const Periodic1dOptions& options, const mpi::Comm& comm) {
  options.validate();
  state_ = std::make_unique<State>(options, comm);
}

Periodic1dSolver::~Periodic1dSolver() = default;

Periodic1dResult Periodic1dSolver::solve(const std::vector<double>& u0) {
  State& st = *state_;
  const Periodic1dOptions& o = st.options;
  if (static_cast<std::int64_t>(u0.size()) != o.points)
    throw InputError(fmt::format("initial condition: {} values for {} grid points", u0.size(), o.points));
  for (double v : u0)
    if (!std::isfinite(v)) throw InputError("initial condition: contains NaN or Inf");
  petsc::QuietPetscErrors quiet;
  // Divergence guard: both equations obey a maximum principle, max|u(t)| <=
  // max|u0|; a state beyond twice that has left the equation (an unstable
  // step) and stops the integration at once.
  st.guard = {};
  for (double v : u0) st.guard.bound = std::max(st.guard.bound, 2 * std::abs(v));
  if (st.p.da) {
    PetscScalar* a;
    PetscInt xs, xm;
    petsc_check(DMDAGetCorners(st.p.da, &xs, nullptr, nullptr, &xm, nullptr, nullptr), "DMDAGetCorners");
    petsc_check(DMDAVecGetArray(st.p.da, st.p.u, &a), "DMDAVecGetArray");
    for (PetscInt i = xs; i < xs + xm; ++i) a[i] = u0[static_cast<std::size_t>(i)];
    petsc_check(DMDAVecRestoreArray(st.p.da, st.p.u, &a), "DMDAVecRestoreArray");
  } else {  // the whole grid on this rank
    PetscScalar* a;
    petsc_check(VecGetArrayWrite(st.p.u, &a), "VecGetArrayWrite");
    std::copy(u0.begin(), u0.end(), a);
    petsc_check(VecRestoreArrayWrite(st.p.u, &a), "VecRestoreArrayWrite");
  }
  // Back to t = 0 at step 0 (TSSetStepNumber also makes multistep methods
  // restart): a reused solver gives the same result as a new one (tested).
  petsc_check(TSSetTime(st.p.ts, 0.0), "TSSetTime");
  petsc_check(TSSetStepNumber(st.p.ts, 0), "TSSetStepNumber");
  detail::TsTrajectory trajectory =
      o.interpolate ? detail::solve_dense(st.p, st.guard, st.dense, st.db, o.dt_key, o.dt, o.points, o.interpolate_key)
                    : detail::solve_to_times(st.p, st.guard, st.db, o.dt_key, o.dt, st.times, o.points);
  const detail::TsOutcome& outcome = trajectory.outcome;
  Periodic1dResult out;
  out.u = trajectory.snapshots.back();
  out.times = st.times;
  out.snapshots = std::move(trajectory.snapshots);
  out.steps = outcome.steps;
  out.time = outcome.time;
  out.ts_type = outcome.type;
  return out;
}

Periodic1dResult solve_periodic_1d(const std::vector<double>& u0, const Periodic1dOptions& o, const mpi::Comm& comm) {
  Periodic1dSolver solver(o, comm);
  return solver.solve(u0);
}

}  // namespace structura::pde
