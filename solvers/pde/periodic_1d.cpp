#include "pde/periodic_1d.hpp"

#include <fmt/format.h>
#include <petscdmda.h>
#include <petscts.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.hpp"
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

Periodic1dResult solve_periodic_1d(const std::vector<double>& u0, const Periodic1dOptions& o, const mpi::Comm& comm) {
  o.validate();
  if (static_cast<std::int64_t>(u0.size()) != o.points)
    throw InputError(fmt::format("initial condition: {} values for {} grid points", u0.size(), o.points));
  for (double v : u0)
    if (!std::isfinite(v)) throw InputError("initial condition: contains NaN or Inf");
  const petsc::PetscOptionsDatabase db(o.petsc);
  petsc::QuietPetscErrors quiet;

  Context ctx;
  ctx.s = stencil(o.order);
  ctx.nu = o.nu;
  ctx.h = o.length / double(o.points);
  ctx.burgers = o.equation == Equation1d::Burgers;
  // Divergence guard: both equations obey a maximum principle, max|u(t)| <=
  // max|u0|; a state beyond twice that has left the equation (an unstable
  // step) and stops the integration at once.
  detail::Guard guard;
  for (double v : u0) guard.bound = std::max(guard.bound, 2 * std::abs(v));

  detail::TsObjects p;
  const auto n = static_cast<PetscInt>(o.points);
  petsc_check(DMDACreate1d(comm.get(), DM_BOUNDARY_PERIODIC, n, 1, ctx.s.width, nullptr, &p.da), "DMDACreate1d");
  petsc::attach_options(reinterpret_cast<PetscObject>(p.da), db);
  petsc_check(DMSetUp(p.da), "DMSetUp (too many ranks for the grid: each needs at least the stencil width)");
  petsc_check(DMCreateGlobalVector(p.da, &p.u), "DMCreateGlobalVector");
  {
    PetscScalar* a;
    PetscInt xs, xm;
    petsc_check(DMDAGetCorners(p.da, &xs, nullptr, nullptr, &xm, nullptr, nullptr), "DMDAGetCorners");
    petsc_check(DMDAVecGetArray(p.da, p.u, &a), "DMDAVecGetArray");
    for (PetscInt i = xs; i < xs + xm; ++i) a[i] = u0[static_cast<std::size_t>(i)];
    petsc_check(DMDAVecRestoreArray(p.da, p.u, &a), "DMDAVecRestoreArray");
  }
  petsc_check(DMCreateMatrix(p.da, &p.j), "DMCreateMatrix");
  petsc::attach_options(reinterpret_cast<PetscObject>(p.j), db);

  petsc_check(TSCreate(comm.get(), &p.ts), "TSCreate");
  petsc_check(TSSetDM(p.ts, p.da), "TSSetDM");
  petsc_check(TSSetProblemType(p.ts, TS_NONLINEAR), "TSSetProblemType");
  petsc_check(TSSetRHSFunction(p.ts, nullptr, rhs, &ctx), "TSSetRHSFunction");
  petsc_check(TSSetRHSJacobian(p.ts, p.j, p.j, jacobian, &ctx), "TSSetRHSJacobian");
  petsc_check(TSSetType(p.ts, TSRK), "TSSetType");
  petsc_check(TSRKSetType(p.ts, TSRK4), "TSRKSetType");
  detail::set_fixed_steps(p.ts, o.dt, o.t_end);
  detail::attach_solvers(p.ts, db);
  petsc::petsc_check_options(TSSetFromOptions(p.ts), "TSSetFromOptions", db);
  detail::install_guard(p.ts, guard);
  const std::vector<double> times = detail::output_times(o.output_times, o.t_end);
  detail::TsTrajectory trajectory = detail::solve_to_times(p, guard, db, o.dt_key, o.dt, times, o.points);
  const detail::TsOutcome& outcome = trajectory.outcome;
  Periodic1dResult out;
  out.u = trajectory.snapshots.back();
  out.times = times;
  out.snapshots = std::move(trajectory.snapshots);
  out.steps = outcome.steps;
  out.time = outcome.time;
  out.ts_type = outcome.type;
  return out;
}

}  // namespace structura::pde
