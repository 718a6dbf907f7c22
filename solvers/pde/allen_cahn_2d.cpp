#include "pde/allen_cahn_2d.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.hpp"
#include "pde/ts_support.hpp"
#include "petsc/options.hpp"

namespace structura::pde {

using petsc::petsc_check;

namespace {

struct Context {
  const AllenCahn2dOptions* o = nullptr;
  double h = 1, diffusion = 0;  // eps^2 / h^2
};

// The implicit part: F(t, u, u_t) = u_t - eps^2 Laplacian(u).
PetscErrorCode implicit_part(TS ts, PetscReal, Vec u, Vec ut, Vec f, void* raw) {
  const auto* c = static_cast<const Context*>(raw);
  DM da;
  PetscCall(TSGetDM(ts, &da));
  Vec local;
  PetscCall(DMGetLocalVector(da, &local));
  PetscCall(DMGlobalToLocalBegin(da, u, INSERT_VALUES, local));
  PetscCall(DMGlobalToLocalEnd(da, u, INSERT_VALUES, local));
  const PetscScalar **a, **at;
  PetscScalar** fa;
  PetscCall(DMDAVecGetArrayRead(da, local, &a));
  PetscCall(DMDAVecGetArrayRead(da, ut, &at));
  PetscCall(DMDAVecGetArray(da, f, &fa));
  PetscInt xs, ys, xm, ym;
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i)
      fa[j][i] =
          at[j][i] - c->diffusion * (a[j][i + 1] + a[j][i - 1] + a[j + 1][i] + a[j - 1][i] - 4 * a[j][i]);
  PetscCall(DMDAVecRestoreArray(da, f, &fa));
  PetscCall(DMDAVecRestoreArrayRead(da, ut, &at));
  PetscCall(DMDAVecRestoreArrayRead(da, local, &a));
  PetscCall(DMRestoreLocalVector(da, &local));
  return 0;
}

// dF/du + shift dF/du_t = shift I - eps^2 Laplacian: linear, exact.
PetscErrorCode implicit_jacobian(TS ts, PetscReal, Vec, Vec, PetscReal shift, Mat, Mat P, void* raw) {
  const auto* c = static_cast<const Context*>(raw);
  DM da;
  PetscCall(TSGetDM(ts, &da));
  PetscInt xs, ys, xm, ym;
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      MatStencil row{};
      row.i = i;
      row.j = j;
      MatStencil cols[5]{};
      const PetscInt di[5] = {0, 1, -1, 0, 0}, dj[5] = {0, 0, 0, 1, -1};
      PetscScalar values[5];
      for (int k = 0; k < 5; ++k) {
        cols[k].i = i + di[k];  // periodic: the DMDA wraps ghost indices
        cols[k].j = j + dj[k];
        values[k] = k == 0 ? shift + 4 * c->diffusion : -c->diffusion;
      }
      PetscCall(MatSetValuesStencil(P, 1, &row, 5, cols, values, INSERT_VALUES));
    }
  PetscCall(MatAssemblyBegin(P, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(P, MAT_FINAL_ASSEMBLY));
  return 0;
}

// The explicit part: G(t, u) = u - u^3 + f(x, y, t).
PetscErrorCode explicit_part(TS ts, PetscReal t, Vec u, Vec g, void* raw) {
  const auto* c = static_cast<const Context*>(raw);
  DM da;
  PetscCall(TSGetDM(ts, &da));
  const PetscScalar** a;
  PetscScalar** ga;
  PetscCall(DMDAVecGetArrayRead(da, u, &a));
  PetscCall(DMDAVecGetArray(da, g, &ga));
  PetscInt xs, ys, xm, ym;
  PetscCall(DMDAGetCorners(da, &xs, &ys, nullptr, &xm, &ym, nullptr));
  for (PetscInt j = ys; j < ys + ym; ++j)
    for (PetscInt i = xs; i < xs + xm; ++i) {
      const double v = a[j][i];
      ga[j][i] = v - v * v * v + (c->o->forcing ? c->o->forcing(double(i) * c->h, double(j) * c->h, t) : 0.0);
    }
  PetscCall(DMDAVecRestoreArray(da, g, &ga));
  PetscCall(DMDAVecRestoreArrayRead(da, u, &a));
  return 0;
}

}  // namespace

petsc::PetscSettings AllenCahn2dOptions::default_petsc_settings() { return detail::ts_petsc_settings("ac_"); }

void AllenCahn2dOptions::validate() const {
  if (points < 3) throw InputError(fmt::format("points: {} per side; at least 3 are needed", points));
  if (points * points > std::numeric_limits<PetscInt>::max())
    throw InputError(fmt::format("points: {}^2 exceeds PETSc's index range", points));
  if (!(std::isfinite(length) && length > 0)) throw InputError(fmt::format("length: {} must be finite and > 0", length));
  if (!(std::isfinite(epsilon) && epsilon > 0))
    throw InputError(fmt::format("epsilon: {} must be finite and > 0", epsilon));
  detail::validate_time(t_end, dt, dt_key);
  detail::output_times(output_times, t_end);
}

AllenCahn2dResult solve_allen_cahn_2d(const std::vector<double>& u0, const AllenCahn2dOptions& o,
                                      const mpi::Comm& comm) {
  o.validate();
  const std::int64_t count = o.points * o.points;
  if (static_cast<std::int64_t>(u0.size()) != count)
    throw InputError(fmt::format("initial condition: {} values for a {}^2 grid", u0.size(), o.points));
  detail::Guard guard;
  guard.bound = 2;  // the reaction's stable states are +-1
  for (double v : u0) {
    if (!std::isfinite(v)) throw InputError("initial condition: contains NaN or Inf");
    guard.bound = std::max(guard.bound, 2 * std::abs(v));
  }
  if (o.forcing) guard.bound = std::numeric_limits<double>::max();  // a forced solution has no such bound
  const petsc::PetscOptionsDatabase db(o.petsc);
  petsc::QuietPetscErrors quiet;

  Context ctx;
  ctx.o = &o;
  ctx.h = o.length / double(o.points);
  ctx.diffusion = o.epsilon * o.epsilon / (ctx.h * ctx.h);

  detail::TsObjects p;
  const auto n = static_cast<PetscInt>(o.points);
  petsc_check(DMDACreate2d(comm.get(), DM_BOUNDARY_PERIODIC, DM_BOUNDARY_PERIODIC, DMDA_STENCIL_STAR, n, n,
                           PETSC_DECIDE, PETSC_DECIDE, 1, 1, nullptr, nullptr, &p.da),
              "DMDACreate2d");
  petsc::attach_options(reinterpret_cast<PetscObject>(p.da), db);
  petsc_check(DMSetUp(p.da), "DMSetUp (too many ranks for the grid)");
  petsc_check(DMCreateGlobalVector(p.da, &p.u), "DMCreateGlobalVector");
  {
    PetscScalar** a;
    PetscInt xs, ys, xm, ym;
    petsc_check(DMDAGetCorners(p.da, &xs, &ys, nullptr, &xm, &ym, nullptr), "DMDAGetCorners");
    petsc_check(DMDAVecGetArray(p.da, p.u, &a), "DMDAVecGetArray");
    for (PetscInt j = ys; j < ys + ym; ++j)
      for (PetscInt i = xs; i < xs + xm; ++i) a[j][i] = u0[static_cast<std::size_t>(j * n + i)];
    petsc_check(DMDAVecRestoreArray(p.da, p.u, &a), "DMDAVecRestoreArray");
  }
  petsc_check(DMCreateMatrix(p.da, &p.j), "DMCreateMatrix");
  petsc::attach_options(reinterpret_cast<PetscObject>(p.j), db);

  petsc_check(TSCreate(comm.get(), &p.ts), "TSCreate");
  petsc_check(TSSetDM(p.ts, p.da), "TSSetDM");
  petsc_check(TSSetProblemType(p.ts, TS_NONLINEAR), "TSSetProblemType");
  petsc_check(TSSetIFunction(p.ts, nullptr, implicit_part, &ctx), "TSSetIFunction");
  petsc_check(TSSetIJacobian(p.ts, p.j, p.j, implicit_jacobian, &ctx), "TSSetIJacobian");
  petsc_check(TSSetRHSFunction(p.ts, nullptr, explicit_part, &ctx), "TSSetRHSFunction");
  petsc_check(TSSetType(p.ts, TSARKIMEX), "TSSetType");
  petsc_check(TSARKIMEXSetType(p.ts, TSARKIMEX3), "TSARKIMEXSetType");
  detail::set_fixed_steps(p.ts, o.dt, o.t_end);
  detail::attach_solvers(p.ts, db);
  // The implicit stages are linear: one Krylov solve each, CG (the matrix is
  // symmetric positive definite) to a tight tolerance, so that the result
  // does not depend on the decomposition beyond rounding. Preconditioner:
  // Jacobi (the diagonal of I - a eps^2 Laplacian is constant, so CG's
  // iterations do not depend on the rank count), not PETSc's default block
  // Jacobi + ILU(0), whose blocks follow the ranks: measured at 1024^2 with
  // dt eps^2 / h^2 = 0.1 (tests/benchmarks/pde), ILU took 120 iterations on
  // 1 rank and 180 on 2 and was 1.5x slower than Jacobi on 1 rank. For much
  // stiffer stages (dt eps^2 / h^2 >> 1) pass pc_type=mg or gamg.
  SNES snes;
  KSP ksp;
  petsc_check(TSGetSNES(p.ts, &snes), "TSGetSNES");
  petsc_check(SNESSetType(snes, SNESKSPONLY), "SNESSetType");
  petsc_check(SNESGetKSP(snes, &ksp), "SNESGetKSP");
  petsc_check(KSPSetType(ksp, KSPCG), "KSPSetType");
  petsc_check(KSPSetTolerances(ksp, 1e-12, 1e-50, PETSC_DEFAULT, 10000), "KSPSetTolerances");
  PC pc;
  petsc_check(KSPGetPC(ksp, &pc), "KSPGetPC");
  petsc_check(PCSetType(pc, PCJACOBI), "PCSetType");
  petsc::petsc_check_options(TSSetFromOptions(p.ts), "TSSetFromOptions", db);
  detail::install_guard(p.ts, guard);
  const std::vector<double> times = detail::output_times(o.output_times, o.t_end);
  detail::TsTrajectory trajectory = detail::solve_to_times(p, guard, db, o.dt_key, o.dt, times, count);
  const detail::TsOutcome& outcome = trajectory.outcome;
  PetscInt linear = 0;
  petsc_check(TSGetKSPIterations(p.ts, &linear), "TSGetKSPIterations");
  AllenCahn2dResult out;
  out.u = trajectory.snapshots.back();
  out.times = times;
  out.snapshots = std::move(trajectory.snapshots);
  out.steps = outcome.steps;
  out.time = outcome.time;
  out.ts_type = outcome.type;
  out.linear_iterations = linear;
  return out;
}

}  // namespace structura::pde
