// The Fourier pseudo-spectral discretisation of the 1-D periodic solver
// (Periodic1dOptions::discretisation = Spectral) and dense output
// (interpolate), run on 1 and 2 ranks (each spectral solve on
// MPI_COMM_SELF). Truths: heat Fourier modes, for which the spectral
// derivative is exact, so that RK4's solution is R(z)^n sin(q x) with the
// RK4 stability polynomial R, to rounding; Cole-Hopf for Burgers, the error
// falling exponentially with N until the time error dominates (and far below
// the order-4 differences at the same N); a new solver per initial
// condition (reuse, bit for bit); a data set computed by one rank alone (1
// vs 2 ranks). Negative controls: a multi-rank communicator, a TS without
// dense output, a wrong viscosity seen by the same error measure.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/exact_solutions.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"
#include "pde/solution_set.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

template <class F>
std::vector<double> sample(std::int64_t n, F f) {
  std::vector<double> u;
  for (double x : periodic_grid(n, 1.0)) u.push_back(f(x));
  return u;
}

double max_error(const std::vector<double>& u, const std::vector<double>& exact) {
  double e = 0;
  for (std::size_t i = 0; i < u.size(); ++i) e = std::max(e, std::abs(u[i] - exact[i]));
  return e;
}

Periodic1dOptions spectral(Equation1d equation, std::int64_t points) {
  Periodic1dOptions o;
  o.equation = equation;
  o.points = points;
  o.discretisation = Discretisation1d::Spectral;
  return o;
}

// Cole-Hopf at nu = 0.02, a = 1.2 (a steep front) to t = 0.2.
constexpr double kNu = 0.02, kA = 1.2, kT = 0.2;

double cole_hopf_error(std::int64_t n, Discretisation1d d, double nu_exact = kNu) {
  Periodic1dOptions o = spectral(Equation1d::Burgers, n);
  o.discretisation = d;
  o.order = 4;
  o.nu = kNu;
  o.t_end = kT;
  o.dt = 1e-4;  // RK4: a time error ~1e-13, below every spatial error here
  const auto r = solve_periodic_1d(sample(n, [](double x) { return burgers_cole_hopf(x, 0, kNu, kA); }), o, self);
  return max_error(r.u, sample(n, [&](double x) { return burgers_cole_hopf(x, kT, nu_exact, kA); }));
}

}  // namespace

TEST_CASE("spectral heat: a Fourier mode evolves by RK4's stability polynomial, to rounding") {
  petsc::PetscSession petsc;
  const double nu = 0.1;
  const std::int64_t n = 32, steps = 200;
  for (const int k : {1, 3, 7, 15}) {  // up to N/2 - 1: every mode the grid resolves
    // Two e-folds of the mode in 200 steps: z = -0.01, whatever k.
    const double q = 2 * std::numbers::pi * k, t = 2 / (nu * q * q), dt = t / double(steps), z = -nu * q * q * dt;
    const double growth = std::pow(1 + z + z * z / 2 + z * z * z / 6 + z * z * z * z / 24, double(steps));
    const auto u0 = sample(n, [&](double x) { return heat_fourier_mode(x, 0, nu, k); });
    const auto discrete = sample(n, [&](double x) { return growth * std::sin(q * x); });
    Periodic1dOptions o = spectral(Equation1d::Heat, n);
    o.nu = nu;
    o.t_end = t;
    o.dt = dt;
    const auto r = solve_periodic_1d(u0, o, self);
    REQUIRE(r.steps == steps);
    const double err = max_error(r.u, discrete);
    CAPTURE(k);
    MESSAGE("heat mode k = " << k << ": max |u - R(z)^n sin(qx)| = " << err << " (amplitude " << growth << ")");
    CHECK(err <= 1e-13);  // the semi-discrete system is exact: rounding only
    // and the exact solution to RK4's time error (|z|^5 / 120 per step)
    CHECK(max_error(r.u, sample(n, [&](double x) { return heat_fourier_mode(x, t, nu, k); })) <=
          2 * double(steps) * std::pow(std::abs(z), 5) / 120 + 1e-13);
    // Negative control: order-2 differences decay the mode at their own rate.
    o.discretisation = Discretisation1d::Differences;
    const double fd = max_error(solve_periodic_1d(u0, o, self).u, discrete);
    CHECK(fd > 1e-4 * double(k));
  }
}

TEST_CASE("spectral Burgers: the Cole-Hopf error falls exponentially with N, then the time error") {
  petsc::PetscSession petsc;
  std::vector<double> errors;
  std::string text;
  const std::vector<std::int64_t> grids = {16, 24, 32, 48, 64, 96};
  for (const std::int64_t n : grids) {
    errors.push_back(cole_hopf_error(n, Discretisation1d::Spectral));
    text += fmt::format(" N={}: {:.2e}", n, errors.back());
  }
  MESSAGE("spectral, max error vs Cole-Hopf:" << text);
  // Exponential: log(error) falls at least linearly in N (each 8 more points
  // at least a factor 4 smaller) while above the rounding / time floor.
  for (std::size_t i = 1; i < errors.size(); ++i) {
    if (errors[i - 1] < 1e-11) break;
    const double per_point = std::log(errors[i - 1] / errors[i]) / double(grids[i] - grids[i - 1]);
    CAPTURE(grids[i]);
    CAPTURE(per_point);
    CHECK(per_point >= std::log(4.0) / 8);
  }
  CHECK(errors.back() <= 1e-11);
  // Order-4 differences at 64 points: orders of magnitude worse.
  const double fd64 = cole_hopf_error(64, Discretisation1d::Differences);
  MESSAGE("order-4 differences at N = 64: " << fd64);
  CHECK(errors[4] * 1e3 < fd64);
  // Negative control: the same measure flags a solution of another viscosity.
  CHECK(cole_hopf_error(64, Discretisation1d::Spectral, 1.05 * kNu) > 1e3 * errors[4]);
}

TEST_CASE("spectral dense output: snapshots between steps to the interpolant's accuracy") {
  petsc::PetscSession petsc;
  Periodic1dOptions o = spectral(Equation1d::Burgers, 64);
  o.nu = kNu;
  o.t_end = kT;
  o.dt = 1e-3;
  o.output_times = equally_spaced_times(0, kT, 21);
  o.interpolate = true;
  o.petsc.options = {"ts_type=rk", "ts_rk_type=5dp", "ts_adapt_type=basic", "ts_rtol=1e-9", "ts_atol=1e-12"};
  const auto u0 = sample(64, [](double x) { return burgers_cole_hopf(x, 0, kNu, kA); });
  const auto r = solve_periodic_1d(u0, o, self);
  REQUIRE(r.snapshots.size() == 21);
  CHECK(r.snapshots.front() == u0);
  double worst = 0;
  for (std::size_t k = 0; k < r.times.size(); ++k)
    worst = std::max(worst, max_error(r.snapshots[k], sample(64, [&](double x) {
                                        return burgers_cole_hopf(x, r.times[k], kNu, kA);
                                      })));
  // The same solve stepping to each output time (restarting from dt each).
  o.interpolate = false;
  const auto stepped = solve_periodic_1d(u0, o, self);
  MESSAGE("5dp, rtol 1e-9, 21 snapshots: dense output max error " << worst << " in " << r.steps
                                                                  << " steps; stepped to each time " << stepped.steps);
  CHECK(worst <= 2e-6);  // measured 7.8e-7: the interpolant's order, the spatial error 3.6e-9
  CHECK(worst > 0);
  CHECK(r.steps < stepped.steps);  // the steps were not cut at the output times
  o.interpolate = true;

  // Negative control: SSP has no interpolation formula.
  o.petsc.options = {"ts_type=ssp"};
  o.interpolate_key = "pde.interpolate";
  CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, o, self), doctest::Contains("pde.interpolate"), InputError);
}

TEST_CASE("a reused spectral solver equals a new solver per initial condition, bit for bit") {
  petsc::PetscSession petsc;
  const std::vector<std::vector<std::string>> methods = {
      {}, {"ts_type=bdf", "ts_adapt_type=basic", "ts_rtol=1e-6", "ts_atol=1e-8"}, {"ts_rk_type=5dp", "ts_adapt_type=basic"}};
  PeriodicGrfOptions g;
  g.modes = 16;
  const std::vector<double> a = periodic_grf(g, 64, 7, 0), b = periodic_grf(g, 64, 7, 1);
  for (std::size_t m = 0; m < methods.size(); ++m) {
    Periodic1dOptions o = spectral(Equation1d::Burgers, 64);
    o.t_end = 0.3;
    o.dt = 2e-3;
    o.output_times = equally_spaced_times(0, o.t_end, 7);
    o.interpolate = m == 2;
    o.petsc.options = methods[m];
    CAPTURE(m);
    const Periodic1dResult fresh_a = solve_periodic_1d(a, o, self);
    const Periodic1dResult fresh_b = solve_periodic_1d(b, o, self);
    Periodic1dSolver solver(o, self);
    const Periodic1dResult ra = solver.solve(a);
    const Periodic1dResult rb = solver.solve(b);
    const Periodic1dResult ra2 = solver.solve(a);
    CHECK(ra.snapshots == fresh_a.snapshots);
    CHECK(rb.snapshots == fresh_b.snapshots);
    CHECK(ra2.snapshots == fresh_a.snapshots);
    CHECK(ra2.steps == fresh_a.steps);
    CHECK(fresh_a.snapshots != fresh_b.snapshots);  // the two fields differ: the checks above can fail
  }
}

TEST_CASE("a spectral data set is the same on every number of ranks") {
  petsc::PetscSession petsc;
  SolutionSetOptions o;
  o.solve = spectral(Equation1d::Burgers, 64);
  o.solve.t_end = 0.2;
  o.solve.dt = 2e-3;
  o.solve.output_times = equally_spaced_times(0, 0.2, 11);
  o.seed = 2021;
  o.samples = 5;
  o.stride = 4;
  o.closed = true;
  const SolutionSetBlock mine = solve_solution_set(o, world);
  const SolutionSetBlock whole = solve_solution_set(o, self);
  const std::size_t per_sample = 11 * 17;
  REQUIRE(whole.values.size() == 5 * per_sample);
  REQUIRE(mine.values.size() == std::size_t(mine.count) * per_sample);
  const std::vector<double> slice(whole.values.begin() + std::ptrdiff_t(mine.first * per_sample),
                                  whole.values.begin() + std::ptrdiff_t((mine.first + mine.count) * per_sample));
  CHECK(mine.values == slice);
  CHECK(world.sum(mine.count) == 5);
}

TEST_CASE("a spectral solve on a communicator of more than one rank is an InputError naming discretisation") {
  petsc::PetscSession petsc;
  Periodic1dOptions o = spectral(Equation1d::Heat, 32);
  const auto u0 = sample(32, [](double x) { return heat_fourier_mode(x, 0, 0.01, 1); });
  if (world.size() > 1) {
    CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, o, world), doctest::Contains("discretisation"), InputError);
  } else {
    CHECK_NOTHROW(solve_periodic_1d(u0, o, world));  // one rank: allowed
  }
}
