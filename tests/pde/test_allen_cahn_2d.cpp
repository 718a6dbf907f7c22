// 2-D Allen-Cahn by IMEX on PETSc (pde/allen_cahn_2d.hpp), on 1 and 2
// ranks. Truths: a manufactured solution u* = cos(t) sin(2 pi x) cos(2 pi y)
// (its forcing f = u*_t - eps^2 Laplacian u* - u* + u*^3 in closed form) for
// the order in space; a run at a 16x smaller step for the order in time;
// one rank holding the whole grid for the decomposed solve.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/allen_cahn_2d.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};
constexpr double kPi = std::numbers::pi;

double manufactured(double x, double y, double t) { return std::cos(t) * std::sin(2 * kPi * x) * std::cos(2 * kPi * y); }

AllenCahn2dOptions manufactured_problem(std::int64_t n, double dt) {
  AllenCahn2dOptions o;
  o.points = n;
  o.epsilon = 0.1;
  o.t_end = 0.5;
  o.dt = dt;
  const double e2 = o.epsilon * o.epsilon;
  o.forcing = [e2](double x, double y, double t) {
    const double u = manufactured(x, y, t);
    const double ut = -std::sin(t) * std::sin(2 * kPi * x) * std::cos(2 * kPi * y);
    return ut + e2 * 8 * kPi * kPi * u - u + u * u * u;  // -Laplacian u = 8 pi^2 u
  };
  return o;
}

std::vector<double> grid_values(std::int64_t n, double t) {
  std::vector<double> u;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) u.push_back(manufactured(double(i) / double(n), double(j) / double(n), t));
  return u;
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double e = 0;
  for (std::size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

}  // namespace

TEST_CASE("the 5-point Laplacian gives order 2 in space against a manufactured solution") {
  petsc::PetscSession petsc;
  std::vector<double> errors;
  for (const std::int64_t n : {12, 24, 48}) {
    const auto r = solve_allen_cahn_2d(grid_values(n, 0), manufactured_problem(n, 2e-3), world);
    errors.push_back(max_difference(r.u, grid_values(n, 0.5)));
  }
  MESSAGE(fmt::format("errors {:.3e} {:.3e} {:.3e}", errors[0], errors[1], errors[2]));
  for (std::size_t i = 1; i < errors.size(); ++i) CHECK(std::abs(std::log2(errors[i - 1] / errors[i]) - 2) <= 0.15);
}

TEST_CASE("ARKIMEX 3 converges at order 3 in time; ARKIMEX 2 (ts_arkimex_type=2c) at order 2") {
  petsc::PetscSession petsc;
  const std::int64_t n = 24;
  for (const auto& [type, order] : std::vector<std::pair<std::string, double>>{{"3", 3.0}, {"2c", 2.0}}) {
    auto run = [&, type = type](double dt) {
      AllenCahn2dOptions o = manufactured_problem(n, dt);
      o.petsc.options = {"ts_arkimex_type=" + type};
      return solve_allen_cahn_2d(grid_values(n, 0), o, world).u;
    };
    const std::vector<double> reference = run(0.1 / 64);
    std::vector<double> errors;
    for (const double dt : {0.1, 0.05, 0.025}) errors.push_back(max_difference(run(dt), reference));
    MESSAGE(fmt::format("ARKIMEX {}: errors {:.3e} {:.3e} {:.3e}", type, errors[0], errors[1], errors[2]));
    for (std::size_t i = 1; i < errors.size(); ++i) {
      CAPTURE(type);
      CHECK(std::abs(std::log2(errors[i - 1] / errors[i]) - order) <= 0.3);
    }
  }
}

TEST_CASE("one 2-D solve decomposed over the ranks equals one rank holding the whole grid") {
  petsc::PetscSession petsc;
  AllenCahn2dOptions o;
  o.points = 40;
  o.epsilon = 0.02;
  o.t_end = 0.4;
  o.dt = 0.02;
  std::vector<double> u0 = grid_values(o.points, 0);
  const auto all = solve_allen_cahn_2d(u0, o, world);
  const auto one = solve_allen_cahn_2d(u0, o, self);
  CHECK(all.steps == 20);
  CHECK(max_difference(all.u, one.u) <= 1e-10);  // CG to 1e-12 per stage, in another order of sums
  MESSAGE("max difference to one rank: " << max_difference(all.u, one.u) << ", CG iterations " << all.linear_iterations);
}

TEST_CASE("bad input: an unstable explicit reaction step is stopped naming the key; options name theirs") {
  petsc::PetscSession petsc;
  AllenCahn2dOptions o;
  o.points = 16;
  o.t_end = 40;
  o.dt = 4;  // u + dt (u - u^3) overshoots the stable states and grows
  o.dt_key = "allen_cahn.dt";
  CHECK_THROWS_WITH_AS(solve_allen_cahn_2d(grid_values(16, 0), o, world), doctest::Contains("reduce allen_cahn.dt"),
                       NumericalError);
  o.dt = 0.1;
  o.t_end = 0.2;
  o.petsc.options = {"ts_arkimex_type=nonsense"};
  CHECK_THROWS_WITH_AS(solve_allen_cahn_2d(grid_values(16, 0), o, world), doctest::Contains("petsc_options"),
                       InputError);
  o.petsc.options = {};
  CHECK_THROWS_AS(solve_allen_cahn_2d(std::vector<double>(10, 0.0), o, world), InputError);
}
