// The settings of a `hamiltonian.ensemble` run, read once from its config and
// checked as they are read: `structura validate` (the kind's check), the stage
// list, every stage and the summary call read_settings, so validation and the
// run cannot disagree. Light: linked into the pipeline library, no stage code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/hamiltonian_system.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

struct Settings {
  hamiltonian::System system;
  std::string system_name;  // system.name, as written to /metrics
  // Initial conditions: box (q, p uniform) or shell (H = energy, q in the box).
  std::int64_t trajectories = 0;
  std::string sampling;
  double energy = 0, q_min = 0, q_max = 0, p_min = 0, p_max = 0;
  std::int64_t seed = 0;  // experiment.seed
  std::vector<std::string> methods;
  double dt = 0, t_end = 0;
  std::int64_t steps = 0;         // t_end / dt, a whole number
  std::int64_t output_every = 0;  // steps per frame; divides steps
  std::string reference;          // "exact", "dopri5" or "none" ("auto" resolved)
  double rtol = 0, atol = 0;      // dopri5 reference
  int deflate = 0;                // output.deflate of /timeseries
  bool states = true;             // output.states: positions and momenta of every frame
};

// Reads and checks the keys; ConfigError (Config::fail) naming the key of the
// first inconsistency.
Settings read_settings(const Config& c);

}  // namespace structura::pipeline::hamiltonian_ensemble
