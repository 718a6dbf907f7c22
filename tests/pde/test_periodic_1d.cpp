// The 1-D periodic heat and Burgers solvers on PETSc (pde/periodic_1d.hpp),
// run on 1 and 2 ranks. Truths: exact solutions (heat: a Fourier mode, and
// for the time order the exact solution of the semi-discrete system, whose
// eigenvalue for that mode is known in closed form; Burgers: Cole-Hopf), so
// that the measured orders of convergence in space and time are asserted
// against the orders of the schemes; one rank holding the whole grid.
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
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

double max_error(const std::vector<double>& u, const std::vector<double>& exact) {
  double e = 0;
  for (std::size_t i = 0; i < u.size(); ++i) e = std::max(e, std::abs(u[i] - exact[i]));
  return e;
}

// log2 of successive error ratios (grids or steps halved).
std::vector<double> orders(const std::vector<double>& errors) {
  std::vector<double> out;
  for (std::size_t i = 1; i < errors.size(); ++i) out.push_back(std::log2(errors[i - 1] / errors[i]));
  return out;
}

template <class F>
std::vector<double> sample(std::int64_t n, F f) {
  std::vector<double> u;
  for (double x : periodic_grid(n, 1.0)) u.push_back(f(x));
  return u;
}

void check_orders(const std::vector<double>& errors, double expected, const std::string& what) {
  const std::vector<double> p = orders(errors);
  std::string text;
  for (double e : errors) text += fmt::format(" {:.3e}", e);
  MESSAGE(what << ": errors" << text);
  for (double order : p) {
    CAPTURE(what);
    CAPTURE(order);
    CHECK(std::abs(order - expected) <= 0.15);
  }
}

}  // namespace

TEST_CASE("heat: the measured orders in space are 2 and 4 against a Fourier mode") {
  petsc::PetscSession petsc;
  const double nu = 0.1, t = 0.5;
  for (const int order : {2, 4}) {
    std::vector<double> errors;
    for (const std::int64_t n : order == 2 ? std::vector<std::int64_t>{16, 32, 64, 128}
                                           : std::vector<std::int64_t>{8, 16, 32, 64}) {
      Periodic1dOptions o;
      o.points = n;
      o.nu = nu;
      o.order = order;
      o.t_end = t;
      const double h = 1.0 / double(n);
      o.dt = 0.1 * h * h / nu;  // RK4: time error far below the space error
      const auto r = solve_periodic_1d(sample(n, [&](double x) { return heat_fourier_mode(x, 0, nu, 1); }), o, world);
      CHECK(r.time == doctest::Approx(t).epsilon(1e-14));
      errors.push_back(max_error(r.u, sample(n, [&](double x) { return heat_fourier_mode(x, t, nu, 1); })));
    }
    check_orders(errors, order, "heat, space order " + std::to_string(order));
  }
}

TEST_CASE("heat: RK4, Crank-Nicolson and backward Euler show orders 4, 2 and 1 in time") {
  petsc::PetscSession petsc;
  const double nu = 0.01, t = 0.5;
  const int k = 3;
  const std::int64_t n = 32;
  const double h = 1.0 / double(n), q = 2 * std::numbers::pi * k;
  // The semi-discrete solution of the 3-point scheme for this mode: exact in
  // time, so the error below is the time stepper's alone.
  const double rate = nu * 4 / (h * h) * std::pow(std::sin(q * h / 2), 2);
  const std::vector<double> exact = sample(n, [&](double x) { return std::exp(-rate * t) * std::sin(q * x); });
  struct Case {
    std::vector<std::string> options;
    std::vector<double> steps;
    double order;
  };
  for (const Case& c : {Case{{}, {0.05, 0.025, 0.0125}, 4.0},
                        Case{{"ts_type=cn"}, {0.1, 0.05, 0.025, 0.0125}, 2.0},
                        Case{{"ts_type=beuler"}, {0.05, 0.025, 0.0125, 0.00625}, 1.0}}) {
    std::vector<double> errors;
    std::string type;
    for (double dt : c.steps) {
      Periodic1dOptions o;
      o.points = n;
      o.nu = nu;
      o.t_end = t;
      o.dt = dt;
      o.petsc.options = c.options;
      o.petsc.options.push_back("snes_rtol=1e-14");
      if (c.options.empty()) o.petsc.options.clear();  // RK4 reads no SNES option: it would be refused as unused
      const auto r = solve_periodic_1d(sample(n, [&](double x) { return std::sin(q * x); }), o, world);
      CHECK(r.steps == static_cast<std::int64_t>(std::lround(t / dt)));
      type = r.ts_type;
      errors.push_back(max_error(r.u, exact));
    }
    check_orders(errors, c.order, "heat in time, TS " + type);
  }
}

TEST_CASE("Burgers: the measured orders in space are 2 and 4 against the Cole-Hopf solution") {
  petsc::PetscSession petsc;
  const double nu = 0.01, a = 1.2, t = 0.5, u_max = 0.7;
  for (const int order : {2, 4}) {
    std::vector<double> errors;
    for (const std::int64_t n : order == 2 ? std::vector<std::int64_t>{64, 128, 256, 512}
                                           : std::vector<std::int64_t>{64, 128, 256, 512}) {
      Periodic1dOptions o;
      o.equation = Equation1d::Burgers;
      o.points = n;
      o.nu = nu;
      o.order = order;
      o.t_end = t;
      const double h = 1.0 / double(n);
      o.dt = std::min(0.1 * h * h / nu, 0.1 * h / u_max);
      const auto r = solve_periodic_1d(sample(n, [&](double x) { return burgers_cole_hopf(x, 0, nu, a); }), o, world);
      errors.push_back(max_error(r.u, sample(n, [&](double x) { return burgers_cole_hopf(x, t, nu, a); })));
    }
    check_orders(errors, order, "Burgers, space order " + std::to_string(order));
  }
}

TEST_CASE("one solve decomposed over the ranks equals one rank holding the whole grid") {
  petsc::PetscSession petsc;
  for (const std::string type : {"rk", "cn"}) {
    Periodic1dOptions o;
    o.equation = Equation1d::Burgers;
    o.points = 96;
    o.order = 4;
    o.t_end = 0.3;
    o.dt = 2e-3;
    if (type == "cn") o.petsc.options = {"ts_type=cn", "ksp_type=preonly", "pc_type=redundant", "snes_rtol=1e-14"};
    const std::vector<double> u0 = sample(o.points, [&](double x) { return burgers_cole_hopf(x, 0, o.nu, 1.2); });
    const auto all = solve_periodic_1d(u0, o, world);
    const auto one = solve_periodic_1d(u0, o, self);
    CAPTURE(type);
    CHECK(max_error(all.u, one.u) <= 1e-13);
    CHECK(all.steps == one.steps);
  }
}

TEST_CASE("bad input: PETSc options and settings are InputErrors naming the key; an unstable step a NumericalError") {
  petsc::PetscSession petsc;
  Periodic1dOptions o;
  o.points = 32;
  o.t_end = 0.1;
  const std::vector<double> u0 = sample(32, [](double x) { return std::sin(2 * std::numbers::pi * x); });
  auto refused = [&](std::vector<std::string> options, const std::string& text) {
    Periodic1dOptions b = o;
    b.petsc.options = std::move(options);
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, b, world), doctest::Contains(text.c_str()), InputError);
  };
  refused({"ts_type=nonsense"}, "petsc_options");
  refused({"ts_monitr"}, "petsc_options");      // misspelt: nothing reads it
  refused({"ts_adapt_type=nonsense"}, "petsc_options");
  refused({"log_view"}, "must start with ts_"); // a global option, never read by these objects

  Periodic1dOptions bad = o;
  bad.order = 3;
  CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, bad, world), doctest::Contains("order"), InputError);
  bad = o;
  bad.dt = -1;
  bad.dt_key = "heat.dt";
  CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, bad, world), doctest::Contains("heat.dt"), InputError);
  CHECK_THROWS_AS(solve_periodic_1d(std::vector<double>(31, 0.0), o, world), InputError);

  // Explicit Euler far beyond its stability limit (dt nu / h^2 = 0.5 is the limit).
  Periodic1dOptions unstable = o;
  unstable.nu = 1;
  unstable.t_end = 5;  // 128 steps: rounding noise in the highest mode grows 159x per step to Inf
  unstable.dt = 40.0 / (32.0 * 32.0);
  unstable.dt_key = "heat.dt";
  unstable.petsc.options = {"ts_type=euler"};
  CHECK_THROWS_WITH_AS(solve_periodic_1d(u0, unstable, world), doctest::Contains("reduce heat.dt"), NumericalError);
}
