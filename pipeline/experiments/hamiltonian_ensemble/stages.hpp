// Stage bodies of `hamiltonian.ensemble` (see kind.cpp); each reads its
// Settings once (settings.hpp).
#pragma once

#include <string>

#include "config/config.hpp"
#include "experiments/hamiltonian_ensemble/settings.hpp"
#include "hamiltonian/ensemble.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline::hamiltonian_ensemble {

// Sizes shared by every stage.
struct Layout {
  std::int64_t trajectories;  // N
  int dof;                    // n
  std::int64_t steps;         // total steps
  std::int64_t every;         // steps per frame
  std::int64_t frames;        // T = steps / every + 1
  double dt;
  Range local;  // this rank's trajectories
};
Layout layout(const Settings& s, const StageContext& ctx);
// This rank's rows [local.begin, local.end) of a [N, n] dataset ([N] with n = 1).
std::vector<double> read_rows(const h5::Dataset& d, const Range& local, int n);

hamiltonian::Method parse_method(const std::string& name);

void initial(StageContext& ctx);
void reference(StageContext& ctx);
void integrate(StageContext& ctx, const std::string& method);
void metrics(StageContext& ctx);
std::string summary(const Config& c, const std::string& result_file);

}  // namespace structura::pipeline::hamiltonian_ensemble
