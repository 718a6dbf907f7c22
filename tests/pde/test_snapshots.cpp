// Snapshots of the PETSc solvers at a list of output times
// (Periodic1dOptions::output_times, AllenCahn2dOptions::output_times), on 1
// and 2 ranks. Truths: the exact solution of the semi-discrete heat system
// for one Fourier mode at every output time (the time stepper's error
// alone); a trajectory through [t1, t2] against two separate solves (the
// step dt a power of two, so that both take the same steps: equal bit for
// bit); bad output times rejected by name.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/allen_cahn_2d.hpp"
#include "pde/periodic_1d.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double e = 0;
  for (std::size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

}  // namespace

TEST_CASE("heat: 101 snapshots on [0, 1] equal the exact Fourier mode at each time") {
  petsc::PetscSession petsc;
  const double nu = 0.01;
  const int k = 2;
  const std::int64_t n = 64;
  const double h = 1.0 / double(n), q = 2 * std::numbers::pi * k;
  // The semi-discrete system's decay rate of this mode (3-point scheme).
  const double rate = nu * 4 / (h * h) * std::pow(std::sin(q * h / 2), 2);
  Periodic1dOptions o;
  o.points = n;
  o.nu = nu;
  o.dt = 3e-3;  // not a divisor of the output spacing 0.01: every segment ends on a shortened step
  o.output_times = equally_spaced_times(0, 1, 101);
  std::vector<double> u0;
  for (double x : periodic_grid(n, 1)) u0.push_back(std::sin(q * x));
  const Periodic1dResult r = solve_periodic_1d(u0, o, world);
  REQUIRE(r.snapshots.size() == 101);
  CHECK(r.times == o.output_times);
  CHECK(r.snapshots.front() == u0);  // t = 0: the initial state itself
  CHECK(r.snapshots.back() == r.u);
  CHECK(r.time == doctest::Approx(1.0).epsilon(1e-14));
  double worst = 0;
  for (std::size_t s = 0; s < r.times.size(); ++s) {
    std::vector<double> exact;
    for (double v : u0) exact.push_back(std::exp(-rate * r.times[s]) * v);
    worst = std::max(worst, max_difference(r.snapshots[s], exact));
  }
  MESSAGE("heat snapshots: max error over 101 times " << worst);
  // RK4 at rate * dt ~ 1e-4: a local error ~ (rate dt)^5 / 120 per step;
  // far below 1e-10. An interpolated or off-time snapshot (an error of one
  // step, dt * rate ~ 1.5e-4) would fail.
  CHECK(worst < 1e-10);
}

TEST_CASE("a trajectory through [t1, t2] equals two separate solves") {
  petsc::PetscSession petsc;
  for (const Equation1d equation : {Equation1d::Heat, Equation1d::Burgers}) {
    Periodic1dOptions o;
    o.equation = equation;
    o.points = 128;
    o.dt = 1.0 / 1024;  // a power of two: t1 and t2 are reached by whole steps
    std::vector<double> u0;
    for (double x : periodic_grid(o.points, 1)) u0.push_back(std::sin(2 * std::numbers::pi * x) + 0.5);
    o.output_times = {0.25, 0.5};
    o.t_end = 0.5;
    const Periodic1dResult both = solve_periodic_1d(u0, o, world);
    Periodic1dOptions single = o;
    single.output_times = {};
    single.t_end = 0.25;
    const Periodic1dResult first = solve_periodic_1d(u0, single, world);
    single.t_end = 0.5;
    const Periodic1dResult second = solve_periodic_1d(u0, single, world);
    CHECK(both.snapshots[0] == first.u);
    CHECK(both.snapshots[1] == second.u);
    CHECK(both.steps == second.steps);
    // Restarting from the snapshot at t1 (the equation is autonomous).
    single.t_end = 0.25;
    const Periodic1dResult restarted = solve_periodic_1d(first.u, single, world);
    CHECK(max_difference(restarted.u, both.snapshots[1]) == 0);
  }
}

TEST_CASE("Allen-Cahn 2-D: snapshots equal separate solves") {
  petsc::PetscSession petsc;
  AllenCahn2dOptions o;
  o.points = 32;
  o.epsilon = 0.05;
  o.dt = 1.0 / 64;
  std::vector<double> u0;
  for (std::int64_t j = 0; j < o.points; ++j)
    for (std::int64_t i = 0; i < o.points; ++i)
      u0.push_back(0.8 * std::sin(2 * std::numbers::pi * double(i) / double(o.points)) *
                   std::cos(2 * std::numbers::pi * double(j) / double(o.points)));
  o.t_end = 0.5;
  o.output_times = {0, 0.25, 0.5};
  const AllenCahn2dResult r = solve_allen_cahn_2d(u0, o, world);
  REQUIRE(r.snapshots.size() == 3);
  CHECK(r.snapshots[0] == u0);
  AllenCahn2dOptions single = o;
  single.output_times = {};
  single.t_end = 0.25;
  CHECK(max_difference(solve_allen_cahn_2d(u0, single, world).u, r.snapshots[1]) == 0);
  CHECK(r.u == r.snapshots[2]);
}

TEST_CASE("bad output times are InputErrors naming output_times") {
  petsc::PetscSession petsc;
  Periodic1dOptions o;
  o.points = 16;
  const std::vector<double> u0(16, 0.0);
  for (const std::vector<double>& times :
       {std::vector<double>{0.5, 0.25, 1.0}, std::vector<double>{0.5}, std::vector<double>{-0.1, 1.0},
        std::vector<double>{0.5, 0.5, 1.0}, std::vector<double>{std::nan(""), 1.0}}) {
    o.output_times = times;
    CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, o, world), doctest::Contains("output_times"), InputError);
  }
  CHECK_THROWS_AS(equally_spaced_times(0, 1, 1), InputError);
}
