// Ensembles of trajectories of one Hamiltonian system, stored as structure
// of arrays in Kokkos views and advanced by Kokkos kernels. A rank holds a
// contiguous slice of the global ensemble; every function here works on the
// local slice only and never communicates, so the result of trajectory i
// does not depend on how the ensemble is split.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/kokkos.hpp"
#include "hamiltonian/dopri5.hpp"
#include "hamiltonian/integrators.hpp"
#include "hamiltonian/systems.hpp"

namespace structura::hamiltonian {

using System = std::variant<HarmonicOscillator, Pendulum, HenonHeiles, Kepler, FermiPastaUlam, DampedOscillator>;

int dof(const System& s);
std::string_view system_name(const System& s);
bool has_exact_solution(const System& s);

// The local slice [first, first + size()) of a global ensemble.
struct Ensemble {
  SoAView<double> q;  // (trajectory, degree of freedom)
  SoAView<double> p;
  std::int64_t first = 0;

  Ensemble() = default;
  Ensemble(std::int64_t first_index, std::int64_t count, int dof);
  std::int64_t size() const { return static_cast<std::int64_t>(q.extent(0)); }
  int dof() const { return static_cast<int>(q.extent(1)); }
  Ensemble clone() const;
};

// ---- initial conditions ---------------------------------------------------------
// Both samplers draw trajectory i from the counter-based generator keyed by
// (seed, i), so the ensemble is the same for any number of ranks.

// q and p uniform in [q_min, q_max]^n x [p_min, p_max]^n.
struct BoxSampling {
  double q_min = -1, q_max = 1, p_min = -1, p_max = 1;
};

// On the energy shell H = energy of a separable system with T = |p|^2/(2m)
// (an InputError for non-separable systems):
// q uniform in [q_min, q_max]^n conditioned on V(q) < energy (rejection),
// then p of norm sqrt(2 m (energy - V(q))) in a uniformly random direction.
struct ShellSampling {
  double energy = 0.1;
  double q_min = -1, q_max = 1;
  int max_attempts = 100000;
};

using Sampling = std::variant<BoxSampling, ShellSampling>;

// Fills e.q, e.p. Throws InputError when the shell is empty in the box
// (rejection never succeeds for some trajectory).
void sample_initial_conditions(const System& s, const Sampling& sampling, std::uint64_t seed, Ensemble& e);

// ---- time stepping ----------------------------------------------------------------

// `steps` steps of size h with a fixed-step method (not DormandPrince).
// Throws NumericalError if an implicit step fails to converge.
void advance_fixed(const System& s, Method m, Ensemble& e, double h, std::int64_t steps);

// Adaptive Dormand-Prince from t0 to t1. `step_sizes` (one per trajectory,
// 0 = choose) carries each trajectory's step size from call to call. Returns
// the number of accepted steps; throws NumericalError naming the first
// trajectory (global index) that failed.
std::int64_t advance_adaptive(const System& s, Ensemble& e, double t0, double t1,
                              Kokkos::View<double*, MemSpace> step_sizes, const Tolerances& tol);

// The exact flow of `initial` to time t, written into `out`. Throws
// InputError for systems without one and NumericalError for unbound Kepler
// orbits.
void exact_solution(const System& s, const Ensemble& initial, double t, Ensemble& out);

// H of every trajectory.
void energies(const System& s, const Ensemble& e, Kokkos::View<double*, MemSpace> out);

// Global index of the first trajectory holding NaN or Inf, or -1.
std::int64_t first_non_finite(const Ensemble& e);

}  // namespace structura::hamiltonian
