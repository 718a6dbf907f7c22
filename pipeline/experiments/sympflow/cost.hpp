// Floating-point operation counts that make "a classical step of equal cost
// to one SympFlow map" a deterministic choice (a measured time would make
// the comparison depend on the machine and its load). Counted as multiplies
// plus adds; an activation counts as 20 (tanh, sin, exp are ~10-40 flops).
#pragma once

#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/flow_map_weights.hpp"

namespace structura::pipeline::sympflow {

// One map N(t, x): per layer two MLPs, each differentiated at (c, t) and (c, 0).
double flow_map_flops(const hamiltonian::FlowMapArchitecture& a);
// One Stormer-Verlet step (one force evaluation plus the updates); for a
// non-separable system one implicit-midpoint step with ~3 fixed-point iterations.
double classical_step_flops(const hamiltonian::System& s);
// The classical step of equal cost: the interval divided by the whole number
// of classical steps one map pays for (at least 1).
double equal_cost_step(const hamiltonian::FlowMapArchitecture& a, const hamiltonian::System& s, double interval);

}  // namespace structura::pipeline::sympflow
