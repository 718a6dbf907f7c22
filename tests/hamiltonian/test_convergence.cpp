// Measured convergence orders of the fixed-step methods against exact flows
// (harmonic oscillator; Kepler with eccentricity 0.5 over one period).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/stats.hpp"
#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/exact.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace {

// Error at time T of one trajectory after T/h steps, in the max norm.
double final_error(const System& sys, Method m, const std::vector<double>& x0, double T, long steps) {
  const int n = dof(sys);
  Ensemble e(0, 1, n);
  auto hq = Kokkos::create_mirror_view(e.q);
  auto hp = Kokkos::create_mirror_view(e.p);
  for (int d = 0; d < n; ++d) {
    hq(0, d) = x0[d];
    hp(0, d) = x0[n + d];
  }
  Kokkos::deep_copy(e.q, hq);
  Kokkos::deep_copy(e.p, hp);
  Ensemble exact(0, 1, n);
  exact_solution(sys, e, T, exact);
  advance_fixed(sys, m, e, T / steps, steps);
  auto aq = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
  auto ap = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
  auto bq = Kokkos::create_mirror_view_and_copy(HostSpace(), exact.q);
  auto bp = Kokkos::create_mirror_view_and_copy(HostSpace(), exact.p);
  double err = 0;
  for (int d = 0; d < n; ++d) err = std::max({err, std::fabs(aq(0, d) - bq(0, d)), std::fabs(ap(0, d) - bp(0, d))});
  return err;
}

double measured_order(const System& sys, Method m, const std::vector<double>& x0, double T, long n0) {
  std::vector<double> h, err;
  for (long steps = n0; steps <= 16 * n0; steps *= 2) {
    h.push_back(T / steps);
    err.push_back(final_error(sys, m, x0, T, steps));
  }
  return log_log_slope(h, err);
}

struct Case {
  Method method;
  int order;
  long n0;  // coarsest step count: inside the asymptotic range, above round-off at 16 n0
};

const Case cases[] = {
    {Method::SymplecticEuler, 1, 400}, {Method::StormerVerlet, 2, 200}, {Method::TripleJump4, 4, 100},
    {Method::ImplicitMidpoint, 2, 200}, {Method::RK4, 4, 100},
};

}  // namespace

TEST_CASE("convergence orders on the harmonic oscillator") {
  HarmonicOscillator sho;
  sho.stiffness = 2.0;
  sho.mass_ = 0.5;
  for (const auto& c : cases) {
    const double order = measured_order(sho, c.method, {0.8, 0.3}, 10.0, c.n0);
    MESSAGE(info(c.method).name, ": measured order ", order);
    CHECK(std::fabs(order - c.order) <= 0.15);
  }
}

TEST_CASE("convergence orders on the Kepler problem (e = 0.5)") {
  const double e = 0.5;
  const std::vector<double> x0 = {1 - e, 0.0, 0.0, std::sqrt((1 + e) / (1 - e))};
  // Not a whole period: there symplectic Euler's O(h) conjugacy error cancels
  // and it would show order 2.
  const double T = 5.0;
  for (const auto& c : cases) {
    const double order = measured_order(Kepler{}, c.method, x0, T, 4 * c.n0);
    MESSAGE(info(c.method).name, ": measured order ", order);
    CHECK(std::fabs(order - c.order) <= 0.15);
  }
}

TEST_CASE("the exact Kepler flow returns to the start after one period and conserves H") {
  const double e = 0.5;
  const std::vector<double> x0 = {1 - e, 0.0, 0.0, std::sqrt((1 + e) / (1 - e))};
  Kepler k;
  double q[2], p[2];
  REQUIRE(exact_flow(k, x0.data(), x0.data() + 2, 2 * M_PI, q, p));
  CHECK(q[0] == doctest::Approx(x0[0]).epsilon(1e-12));
  CHECK(std::fabs(q[1]) < 1e-12);
  REQUIRE(exact_flow(k, x0.data(), x0.data() + 2, 1.2345, q, p));
  CHECK(k.energy(q, p) == doctest::Approx(k.energy(x0.data(), x0.data() + 2)).epsilon(1e-13));
}

TEST_CASE("adaptive Dormand-Prince meets its tolerance against the exact flow") {
  const double e = 0.5;
  const std::vector<double> x0 = {1 - e, 0.0, 0.0, std::sqrt((1 + e) / (1 - e))};
  Ensemble ens(0, 1, 2);
  auto hq = Kokkos::create_mirror_view(ens.q);
  auto hp = Kokkos::create_mirror_view(ens.p);
  hq(0, 0) = x0[0];
  hq(0, 1) = x0[1];
  hp(0, 0) = x0[2];
  hp(0, 1) = x0[3];
  Kokkos::deep_copy(ens.q, hq);
  Kokkos::deep_copy(ens.p, hp);
  Ensemble exact(0, 1, 2);
  exact_solution(Kepler{}, ens, 10.0, exact);
  Kokkos::View<double*, MemSpace> h("h", 1);
  Tolerances tol;
  tol.rtol = tol.atol = 1e-11;
  const auto steps = advance_adaptive(Kepler{}, ens, 0.0, 10.0, h, tol);
  CHECK(steps > 0);
  auto aq = Kokkos::create_mirror_view_and_copy(HostSpace(), ens.q);
  auto bq = Kokkos::create_mirror_view_and_copy(HostSpace(), exact.q);
  CHECK(std::fabs(aq(0, 0) - bq(0, 0)) < 1e-8);
  CHECK(std::fabs(aq(0, 1) - bq(0, 1)) < 1e-8);
}

TEST_CASE("implicit midpoint converges with order 2 on a non-separable Hamiltonian") {
  // Reference: the same system with a 64 times smaller step (RK4, 4th order).
  const DampedOscillator sys{1.0, 0.3, 2.0};
  const std::vector<double> x0 = {0.5, 0.5, 0.2, -0.2};  // physical limit q1 = q2, pi1 = -pi2
  auto solve = [&](Method m, long steps) {
    Ensemble e(0, 1, 2);
    auto hq = Kokkos::create_mirror_view(e.q);
    auto hp = Kokkos::create_mirror_view(e.p);
    for (int d = 0; d < 2; ++d) {
      hq(0, d) = x0[d];
      hp(0, d) = x0[2 + d];
    }
    Kokkos::deep_copy(e.q, hq);
    Kokkos::deep_copy(e.p, hp);
    advance_fixed(sys, m, e, 5.0 / steps, steps);
    return std::vector<double>{Kokkos::create_mirror_view_and_copy(HostSpace(), e.q)(0, 0),
                               Kokkos::create_mirror_view_and_copy(HostSpace(), e.p)(0, 0)};
  };
  const auto ref = solve(Method::RK4, 20000);
  std::vector<double> h, err;
  for (long steps = 100; steps <= 1600; steps *= 2) {
    const auto x = solve(Method::ImplicitMidpoint, steps);
    h.push_back(5.0 / steps);
    err.push_back(std::max(std::fabs(x[0] - ref[0]), std::fabs(x[1] - ref[1])));
  }
  const double order = log_log_slope(h, err);
  MESSAGE("implicit midpoint, damped oscillator: measured order ", order);
  CHECK(std::fabs(order - 2.0) <= 0.15);
  // On the physical limit the first coordinate follows the damped oscillator
  // x(t) = exp(-g t)(a cos(w t) + b sin(w t)), g = lambda/2m, w = sqrt(k/m - g^2).
  const double g = 0.15, w = std::sqrt(2.0 - g * g), a = 0.5, b = (0.2 + g * a) / w;
  CHECK(ref[0] == doctest::Approx(std::exp(-g * 5.0) * (a * std::cos(w * 5.0) + b * std::sin(w * 5.0))).epsilon(1e-9));
}
