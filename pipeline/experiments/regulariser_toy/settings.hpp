// The settings of a `regulariser.toy` run, read once from its config and
// checked as they are read: validation (the kind's check), the stage list,
// the stages and the summary all call read_settings. No libtorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::regulariser_toy {

// The three critics of the AWCR paper's figure 1, by their names in
// training.regularisers: convex (input-convex MLP), plain (unconstrained
// MLP, the AR critic), weakly-convex (ICNN of a smooth map + |x|^2 term).
const std::vector<std::string>& regulariser_names();

struct Settings {
  std::string curve;  // data.curve: circle, spiral
  double noise;       // data.noise: standard deviation of the noisy copies
  std::int64_t layers, width, smooth_layers, smooth_width;  // model.*
  double leaky_slope;
  std::vector<std::string> regularisers;  // training.regularisers, in order
  TrainingSettings training;              // the shared [training] table (one step per epoch)
  bool two_sided_penalty;                 // training.penalty
  double penalty_weight;
  std::int64_t resolution;  // evaluation.resolution: grid points per axis
  double extent;            // evaluation.extent: the grid spans [-extent, extent]^2
  double band;              // evaluation.band: the band d <= band * noise, in noise levels
  std::int64_t convexity_pairs;
};

// ConfigError (Config::fail) naming the key of the first inconsistency.
Settings read_settings(const Config& c);

// Generator streams of the training seed.
constexpr std::uint64_t kTrainingSamples = 1, kInterpolation = 2, kModelInit = 3, kConvexityPairs = 4;

}  // namespace structura::pipeline::regulariser_toy
