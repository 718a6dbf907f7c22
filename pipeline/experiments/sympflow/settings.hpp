// The settings of a `sympflow` run, read once from its config and checked as
// they are read: validation (the kind's check), the stage list, the stages
// (data.cpp, train.cpp, evaluate.cpp) and the summary call read_settings, so
// validation and the run cannot disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/training_params.hpp"
#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/flow_map_weights.hpp"

namespace structura::pipeline::sympflow {

// How a variant is trained.
struct Variant {
  std::string name;
  bool baseline = false;    // the MLP baseline instead of SympFlow
  bool supervised = false;  // on trajectory data instead of collocation points
};
Variant parse_variant(const std::string& name);  // InputError naming training.variants
const std::vector<std::string>& variant_names();

struct Box {
  double q_min, q_max, p_min, p_max;
};

struct Settings {
  hamiltonian::System system;
  std::string system_name;  // system.name
  int dof;
  hamiltonian::FlowMapArchitecture architecture;
  int baseline_width, baseline_depth;
  std::vector<std::string> variants;
  Box box;        // where initial conditions and collocation points are drawn
  double t_min;   // collocation times are uniform in [t_min, t_max]
  double t_max;   // the training interval; rollouts compose maps of this length
  std::uint64_t seed;  // experiment.seed: data, evaluation
  TrainingSettings training;  // the shared [training] table (optimizer, schedule, checks, seed, torch)
  std::int64_t epochs, batch, validation_points, validate_every;  // training.epochs, batch, validate_every
  double mixed_switch;  // fraction of the epochs trained on matching before the residual
  double matching_weight, energy_weight;
  // Supervised data: trajectories x times in [0, t_max), noise, minibatch.
  std::int64_t data_trajectories, data_times, data_validation_trajectories, data_batch;
  double data_noise;
  // Evaluation.
  std::int64_t eval_trajectories;
  double eval_max_energy;  // infinity: no bound
  std::vector<double> eval_times;
  double verlet_dt;  // 0: chosen for equal cost
  std::int64_t poincare_orbits;
  double poincare_energy, poincare_t_end, poincare_resolution;
  std::int64_t phase_trajectories;
  double phase_t_end, phase_resolution;
  double rtol, atol;
};
// Reads and checks the keys; ConfigError (Config::fail) naming the key of the
// first inconsistency.
Settings read_settings(const Config& c);

// The supervised data (stage data) are a shared data set (kind.hpp,
// DataSet): they depend on these keys only, so a sweep over the training or
// evaluation settings makes them once. read_data_settings reads and checks
// only them (the fields of the system, the box, t_max, seed, data.* but
// data.batch, rtol and atol; the others stay unset): the data set's own
// configuration has every other key at its default, which need not make a
// valid run (evaluation.times against training.t_max, say).
const std::vector<std::string>& data_set_keys();
Settings read_data_settings(const Config& c);

// Independent generator keys derived from experiment.seed, one per purpose.
enum class Purpose : std::uint64_t { Training = 0, Data = 1, DataValidation = 2, DataNoise = 3, Evaluation = 4, Poincare = 5 };
inline std::uint64_t derived_seed(std::uint64_t seed, Purpose p) { return seed * 16 + static_cast<std::uint64_t>(p); }

// Initial conditions of e (global indices e.first...) uniform in the box,
// conditioned on H < max_energy (and, for Henon-Heiles, inside the
// potential well) by rejection; draw a of trajectory i is keyed
// (key, a, i), so the result does not depend on the decomposition. Throws
// InputError naming evaluation.max_energy when rejection keeps failing.
void sample_below_energy(const Settings& s, std::uint64_t key, hamiltonian::Ensemble& e);

// Training steps per pass over the supervised data.
std::int64_t steps_per_epoch(const Settings& s, const Variant& v);

// Uniform draws in the box for sample `item` of stream `stream` (first 2n
// doubles of `out`), keyed so that any rank split gives the same points.
void draw_in_box(const Box& box, int dof, std::uint64_t seed, std::uint64_t stream, std::uint64_t item, double* out);

}  // namespace structura::pipeline::sympflow
