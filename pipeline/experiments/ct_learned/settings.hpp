// The settings of a `ct.learned` run, read once from its config and checked
// as they are read: validation (the kind's check), the stage list, every
// stage and the summary call these, so validation and the run cannot
// disagree. The data settings are read on their own (read_data_settings):
// the data stage of the shared data set sees only its keys (every other key
// at its default), so it must not depend on, or be refused for, the rest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/ct_noise.hpp"
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "experiments/shared/training_params.hpp"
#include "tomography/geometry.hpp"

namespace structura::pipeline::ct_learned {

// What defines the data set: geometry, phantoms, noise, split sizes, seed,
// the FBP filter (the FBPs are stored with the pairs).
struct DataSettings {
  tomography::ImageGeometry image;
  tomography::BeamGeometry beam;  // parallel beam, angles uniform over [0, range)
  double range_radians = 0;        // beam.range_degrees in radians (pi: the full scan; less: limited angle)
  int supersample = 1;
  CtNoise noise;
  std::int64_t train = 1, validation = 1, test = 1;
  std::uint64_t seed = 1;  // experiment.seed: phantoms and noise
  std::string fbp_filter = "ramp";
};

// The awcr-pd method: the AWCR primal-dual iteration (variational/primal_dual.hpp)
// on ||A x - y||^2 + lambda R(x) with the trained IWCNN (lambda: iwcnn.lambda).
struct PrimalDualSettings {
  int iterations = 0;
  double sigma = 1, extrapolation = 1, step_fraction = 0.95;
  double lipschitz = 0;  // L_R if known; 0: estimated at each image's start (Hessian power iteration)
};

struct Settings {
  DataSettings data;
  std::vector<std::string> regularisers;     // training.regularisers, in order
  TrainingSettings training;                 // the shared [training] table (no optimizer: one per regulariser)
  std::vector<RegulariserSettings> learned;  // per regularisers entry
  double tv_lambda = 0;
  int tv_iterations = 0;
  PrimalDualSettings awcr_pd;
  std::vector<std::string> methods;  // reconstruction.methods

  const RegulariserSettings& regulariser(const std::string& name) const;  // InputError if not trained
  bool trains(const std::string& name) const;
};

// Every method (the learned regularisers: learned_regulariser_names()).
const std::vector<std::string>& method_names();

// ConfigError (Config::fail) naming the key of the first inconsistency.
DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// The names the stage list is made of, unchecked: the stage list is also
// asked of the data set's configuration, whose keys outside the data set are
// at their defaults and need not agree with the data keys (the AR critic's
// image size); check() has validated the run's own configuration.
struct StageNames {
  std::vector<std::string> regularisers, methods;
};
StageNames read_stage_names(const Config& c);

// Independent streams keyed from experiment.seed / training.seed.
inline std::uint64_t noise_seed(std::uint64_t seed) { return seed * 16 + 1; }
// Phantom index offsets of the three splits: disjoint index ranges.
struct SplitIndex {
  std::string name;         // "train", "validation", "test"
  std::int64_t count = 0;   // images
  std::uint64_t first = 0;  // global phantom index of its image 0
};
std::vector<SplitIndex> splits(const DataSettings& d);

}  // namespace structura::pipeline::ct_learned
