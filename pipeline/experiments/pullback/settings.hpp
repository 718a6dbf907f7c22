// The settings of a `pullback` run, read once from its config and checked
// as they are read: validation (the kind's check), the stage list, the
// stages and the summary all call read_settings. No libtorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "datasets/manifold_data.hpp"
#include "experiments/shared/training_params.hpp"

namespace structura::pipeline::pullback {

// The paper's four flows, by their names in training.methods:
//   standard               ψ fixed (a = 1), no regulariser   (Standard NF)
//   anisotropic            ψ learned, no regulariser         (Anisotropic NF)
//   isometric              ψ fixed, the isometry regulariser  (Isometric NF)
//   anisotropic-isometric  ψ learned and the regulariser      (the paper's method)
const std::vector<std::string>& method_names();
bool learns_variances(const std::string& method);
bool regularised(const std::string& method);

struct DataSettings {
  datasets::ManifoldSettings manifold;
  std::uint64_t seed = 0;        // experiment.seed
  std::int64_t samples = 0;      // data.samples (the reference's count when 0)
  datasets::SplitRanges split;   // train / validation / test rows
  int ambient = 2, intrinsic = 1;
  bool planar = true;            // a 2-D set with a known φ (geodesic error, contours)
};

struct Settings {
  DataSettings data;
  std::int64_t layers, hidden, blocks;  // flow.*
  std::string isometry;                 // loss.isometry: full, pairs, length
  double isometry_weight, volume_weight;
  std::int64_t directions;
  std::vector<std::string> methods;  // training.methods, in order
  TrainingSettings training;
  std::int64_t pairs, points;  // evaluation.pairs, evaluation.points
  double epsilon, variation_noise;
  std::int64_t resolution;  // evaluation.resolution (2-D sets: density grid per axis)
  double extent;            // the grid spans [-extent, extent]^2 around the data's centre

  // Optimizer steps per epoch: ceil(train rows / batch).
  std::int64_t steps_per_epoch() const;
};

// ConfigError (Config::fail) naming the key of the first inconsistency.
DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// Generator streams of the training seed.
constexpr std::uint64_t kMinibatches = 1, kModelInit = 2, kPairs = 3, kVariation = 4, kRaeOrder = 5,
                        kValidationDirections = 6, kDirections = 7;

}  // namespace structura::pipeline::pullback
