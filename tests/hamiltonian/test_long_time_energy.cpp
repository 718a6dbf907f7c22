// Long-time energy behaviour over 10^6 steps: Stormer-Verlet's energy error
// stays bounded while RK4's grows. Compared by the growth exponent k of the
// running maximum of the relative energy error, err(t) ~ t^k: bounded means
// k near 0, drift means k near 1. Slopes, not a fixed time or value.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/stats.hpp"
#include "hamiltonian/ensemble.hpp"

using namespace structura;
using namespace structura::hamiltonian;

namespace {

double growth_exponent(const System& sys, Method m, const Sampling& sampling, double h) {
  const long total_steps = 1'000'000;
  Ensemble e(0, 8, dof(sys));
  sample_initial_conditions(sys, sampling, 2024, e);
  Kokkos::View<double*, MemSpace> energy("energy", e.size());
  energies(sys, e, energy);
  // A real copy: on a host backend a mirror would alias `energy`.
  Kokkos::View<double*, HostSpace> h0("h0", e.size());
  Kokkos::deep_copy(h0, energy);
  std::vector<double> t, worst;
  double running = 0;
  long done = 0;
  // Sample the running maximum at log-spaced times from 10^3 to 10^6 steps.
  for (double target = 1000; done < total_steps; target *= 1.4) {
    const long next = std::min<long>(total_steps, static_cast<long>(target));
    advance_fixed(sys, m, e, h, next - done);
    done = next;
    energies(sys, e, energy);
    auto hn = Kokkos::create_mirror_view_and_copy(HostSpace(), energy);
    for (int i = 0; i < e.size(); ++i) running = std::max(running, std::fabs(hn(i) - h0(i)) / std::fabs(h0(i)));
    t.push_back(done * h);
    worst.push_back(running);
  }
  return log_log_slope(t, worst);
}

}  // namespace

TEST_CASE("Verlet's energy error is bounded over 10^6 steps while RK4's drifts") {
  SUBCASE("harmonic oscillator") {
    const Sampling box = BoxSampling{-1, 1, -1, 1};
    const double verlet = growth_exponent(HarmonicOscillator{}, Method::StormerVerlet, box, 0.1);
    const double rk4 = growth_exponent(HarmonicOscillator{}, Method::RK4, box, 0.1);
    MESSAGE("growth exponents: verlet ", verlet, ", rk4 ", rk4);
    CHECK(std::fabs(verlet) < 0.05);
    CHECK(rk4 > 0.8);
    CHECK(rk4 > verlet + 0.7);
  }
  SUBCASE("Henon-Heiles") {
    const Sampling shell = ShellSampling{0.1, -0.5, 0.5, 100000};
    const double verlet = growth_exponent(HenonHeiles{}, Method::StormerVerlet, shell, 0.1);
    const double rk4 = growth_exponent(HenonHeiles{}, Method::RK4, shell, 0.1);
    MESSAGE("growth exponents: verlet ", verlet, ", rk4 ", rk4);
    CHECK(std::fabs(verlet) < 0.1);
    CHECK(rk4 > 0.8);
    CHECK(rk4 > verlet + 0.7);
  }
}
