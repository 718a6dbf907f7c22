// The peers the Hamiltonian ensemble kernel is measured against, on the
// Henon-Heiles system (2 degrees of freedom, unit mass):
//   plain   a hand-written structure-of-arrays loop, the same drift-kick-drift
//           arithmetic as hamiltonian/integrators.hpp (what a careful user
//           would write without any library);
//   tiled   the same loop advancing 16 trajectories in lock-step, as the
//           Kokkos kernel does on CPUs (what an expert would write);
//   odeint  Boost.Odeint's velocity_verlet stepper (kick-drift-kick, force
//           reused across steps) on std::array<double, 2>, one trajectory at
//           a time.
// Each function advances every trajectory of the state in place.
#pragma once

#include <cstddef>
#include <vector>

namespace structura::bench {

// Structure of arrays: trajectory i is (q0[i], q1[i], p0[i], p1[i]).
struct PlainState {
  std::vector<double> q0, q1, p0, p1;

  std::size_t size() const { return q0.size(); }
};

void plain_verlet(PlainState& s, double lambda, double h, long steps);
void plain_triple_jump4(PlainState& s, double lambda, double h, long steps);
void tiled_verlet(PlainState& s, double lambda, double h, long steps);
void tiled_triple_jump4(PlainState& s, double lambda, double h, long steps);

// One velocity_verlet step of size h per step: 1 force evaluation per step.
void odeint_verlet(PlainState& s, double lambda, double h, long steps);
// Yoshida's triple jump built from odeint: velocity_verlet steps of w1 h,
// w0 h, w1 h per step (4th order, 3 force evaluations per step, KDK form).
void odeint_triple_jump4(PlainState& s, double lambda, double h, long steps);

}  // namespace structura::bench
