// The peers the Hamiltonian ensemble kernel is measured against, on the
// Henon-Heiles system (2 degrees of freedom, unit mass), each written the way
// its users write it when speed matters:
//   plain   a loop as a performance engineer writes it: trajectories in a
//           structure of arrays, taken in chunks of C that stay in L1 (every
//           step applied to the whole chunk before the next step), the inner
//           loop over the chunk's trajectories free of dependencies so that
//           GCC vectorises it (-O3 -march=native); the same drift-kick-drift
//           arithmetic as hamiltonian/integrators.hpp. One thread, like the
//           kernel under Kokkos Serial.
//   odeint  Boost.Odeint's own symplectic steppers (velocity_verlet,
//           symplectic_rkn_sb3a_mclachlan, symplectic_rkn_sb3a_m4_mclachlan)
//           through integrate_n_steps, in the two ways its users write an
//           ensemble: one trajectory at a time on std::array<double, 2>
//           (the tutorial's way), or a chunk of C trajectories as one state
//           std::array<double, 2 C> whose force loop and odeint's array
//           algebra vectorise (odeint's ensemble idiom).
// Each function advances every trajectory of the state in place.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace structura::bench {

// Structure of arrays: trajectory i is (q0[i], q1[i], p0[i], p1[i]).
struct PlainState {
  std::vector<double> q0, q1, p0, p1;

  std::size_t size() const { return q0.size(); }
};

// Chunk sizes (trajectories) the benchmark tries; it reports the fastest, so
// that the peer is at its best on the machine at hand.
inline constexpr int plain_chunk_sizes[] = {8, 16, 32, 64, 128, 256, 512};
inline constexpr int odeint_chunk_sizes[] = {8, 16, 32, 64, 128};

void plain_verlet(PlainState& s, double lambda, double h, long steps, int chunk);
void plain_triple_jump4(PlainState& s, double lambda, double h, long steps, int chunk);

enum class OdeintStepper { VelocityVerlet, McLachlan, McLachlanM4 };

struct OdeintStepperInfo {
  OdeintStepper stepper;
  std::string_view name;
  int order;
  int force_evaluations;  // per step, as odeint computes them (a stage with b = 0 still evaluates)
};

inline constexpr OdeintStepperInfo odeint_steppers[] = {
    {OdeintStepper::VelocityVerlet, "velocity_verlet", 2, 1},
    {OdeintStepper::McLachlan, "symplectic_rkn_sb3a_mclachlan", 4, 6},
    {OdeintStepper::McLachlanM4, "symplectic_rkn_sb3a_m4_mclachlan", 4, 5},
};

// One trajectory at a time: q, p as std::array<double, 2>, a fresh stepper
// per trajectory (velocity_verlet caches one trajectory's acceleration).
void odeint_per_trajectory(PlainState& s, OdeintStepper stepper, double lambda, double h, long steps);
// Chunks of `chunk` trajectories (one of odeint_chunk_sizes), each one odeint
// state; the same arithmetic per trajectory as odeint_per_trajectory.
void odeint_ensemble(PlainState& s, OdeintStepper stepper, double lambda, double h, long steps, int chunk);
// Largest |H - H(start)| over the trajectories of s and over the states
// after every one of `steps` steps (untimed: the accuracy side of the
// comparison).
double odeint_max_energy_error(const PlainState& s, OdeintStepper stepper, double lambda, double h, long steps);

}  // namespace structura::bench
