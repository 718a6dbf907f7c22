// The settings of a `deblur.learned` run, read once from its config and
// checked as they are read: validation (the kind's check), the stage list,
// every stage and the summary call these. The data settings are read on
// their own (read_data_settings): the data stage of the shared data set
// sees only its keys (every other key at its default).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/learned_regularisers/regulariser_params.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::deblur_learned {

// What defines the data set: the photographs, patch size, blur, noise,
// split sizes and seed.
struct DataSettings {
  std::int64_t size = 64;                       // n: patches n x n
  std::vector<std::string> train_photographs;   // photographs.train: the train and validation patches
  std::vector<std::string> test_photographs;    // photographs.test: the test patches (held out)
  double blur_sigma = 1.5;                      // pixels
  double noise_sigma = 0.01;                    // absolute, in the images' units ([0, 1] intensities)
  std::int64_t train = 1, validation = 1, test = 1;
  std::uint64_t seed = 1;                       // experiment.seed: patches and noise
};

// The tv method: gradient descent (Armijo) on ||K x - y||^2 + lambda TV_eps(x).
struct TvSettings {
  double lambda = 0, eps = 0;
  int iterations = 0;
};

struct Settings {
  DataSettings data;
  std::vector<std::string> regularisers;     // training.regularisers, in order
  TrainingSettings training;                 // the shared [training] table (no optimizer: one per regulariser)
  std::vector<RegulariserSettings> learned;  // per regularisers entry
  TvSettings tv;
  std::vector<std::string> methods;  // reconstruction.methods

  const RegulariserSettings& regulariser(const std::string& name) const { return find_settings(learned, name); }
};

// The learned regularisers this kind trains (ar, acr), every method, and
// the photographs it may cut patches from (the natural photographs among
// scikit-image's samples: solvers/imaging/natural_images.hpp, which checks
// the name again when it reads the file).
const std::vector<std::string>& regulariser_names();
const std::vector<std::string>& method_names();
const std::vector<std::string>& photograph_names();

// ConfigError (Config::fail) naming the key of the first inconsistency.
DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// The names the stage list is made of, unchecked (see ct_learned/settings.hpp).
struct StageNames {
  std::vector<std::string> regularisers, methods;
};
StageNames read_stage_names(const Config& c);

// Independent streams keyed from experiment.seed.
inline std::uint64_t noise_seed(std::uint64_t seed) { return seed * 16 + 1; }
constexpr std::uint64_t kPatchStream = 3;
// Patch index offsets of the three splits: disjoint index ranges (train and
// validation cut from photographs.train, test from photographs.test).
struct SplitIndex {
  std::string name;         // "train", "validation", "test"
  std::int64_t count = 0;   // patches
  std::uint64_t first = 0;  // global patch index of its patch 0
};
std::vector<SplitIndex> splits(const DataSettings& d);
std::int64_t split_count(const DataSettings& d, const std::string& split);

}  // namespace structura::pipeline::deblur_learned
