// A Periodic1dSolver used for many initial conditions (pde/periodic_1d.hpp),
// on 1 and 2 ranks. Truth: a new solver per initial condition
// (solve_periodic_1d). Solving A, then B, then A again with one solver must
// give, bit for bit, what fresh solvers give - for the explicit default, an
// adaptive multistep method (BDF: its history must restart) and an
// implicit one-step method; and a diverged solve must not poison the next.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};

Periodic1dOptions burgers(const std::vector<std::string>& petsc_options) {
  Periodic1dOptions o;
  o.equation = Equation1d::Burgers;
  o.points = 64;
  o.order = 4;
  o.t_end = 0.3;
  o.dt = 2e-3;
  o.output_times = equally_spaced_times(0, o.t_end, 7);
  o.petsc.options = petsc_options;
  return o;
}

std::vector<double> field(std::uint64_t index) {
  PeriodicGrfOptions g;
  g.modes = 16;
  return periodic_grf(g, 64, 7, index);
}

}  // namespace

TEST_CASE("a reused solver equals a new solver per initial condition, bit for bit") {
  petsc::PetscSession petsc;
  const std::vector<std::vector<std::string>> methods = {
      {}, {"ts_type=bdf", "ts_adapt_type=basic", "ts_rtol=1e-6", "ts_atol=1e-8"}, {"ts_type=cn"}};
  for (const auto& m : methods) {
    const Periodic1dOptions o = burgers(m);
    CAPTURE(o.petsc.options.size());
    const std::vector<double> a = field(0), b = field(1);
    const Periodic1dResult fresh_a = solve_periodic_1d(a, o, world);
    const Periodic1dResult fresh_b = solve_periodic_1d(b, o, world);
    Periodic1dSolver solver(o, world);
    const Periodic1dResult ra = solver.solve(a);
    const Periodic1dResult rb = solver.solve(b);
    const Periodic1dResult ra2 = solver.solve(a);
    CHECK(ra.snapshots == fresh_a.snapshots);
    CHECK(rb.snapshots == fresh_b.snapshots);
    CHECK(ra2.snapshots == fresh_a.snapshots);
    CHECK(ra2.steps == fresh_a.steps);
    CHECK(rb.ts_type == fresh_b.ts_type);
    CHECK(fresh_a.snapshots != fresh_b.snapshots);  // the two fields differ: the check above can fail
  }
}

TEST_CASE("a diverged solve is an error and the solver goes on with the next initial condition") {
  petsc::PetscSession petsc;
  Periodic1dOptions o = burgers({"ts_type=euler"});
  o.dt = 0.05;  // far beyond explicit Euler's diffusion limit h^2 / (2 nu) ~ 1e-2 (order 4: less)
  o.dt_key = "burgers.dt";
  Periodic1dSolver solver(o, world);
  std::vector<double> big = field(0);
  for (double& v : big) v *= 40;
  CHECK_THROWS_AS(solver.solve(big), NumericalError);
  // The guard's bound follows each initial condition: a small field that the
  // same step integrates stably is not flagged by the first one's failure.
  std::vector<double> tiny(64, 0.0);
  const Periodic1dResult r = solver.solve(tiny);
  CHECK(r.u == tiny);
  CHECK_THROWS_WITH_AS(solver.solve(std::vector<double>(63, 0.0)), doctest::Contains("63 values"), InputError);
}
