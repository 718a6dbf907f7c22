// The settings of a `lielac.allen_cahn` run, read once from its config and
// checked as they are read: validation (the kind's check), the stage list,
// the stages and the summary all call read_settings. No libtorch, no PETSc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/training_params.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pipeline::lielac_allen_cahn {

struct PdeSettings {
  double epsilon = 0.03;     // u_t = eps^2 Lap u + u - u^3 on [0, 1)^2
  std::int64_t points = 96;  // solve grid per direction
  std::int64_t stride = 2;   // model grid = points / stride
  double t_end = 2.0;        // the model predicts u(., t_end) from u0
  double dt = 0.02;
  petsc::PetscSettings petsc;  // pde.petsc_options
  std::int64_t model_points() const { return points / stride; }
};

// The initial conditions: an elliptical droplet of u = +1 in u = -1,
//   u0 = -tanh(d / (sqrt2 width eps)) + noise,
// d the first-order signed distance to the ellipse (problem.hpp), semi-axes
// a in [semi_major_min, semi_major_max], b in [semi_minor_min,
// semi_minor_max], the major axis at angle + U(-angle_band, angle_band)
// (radians here, degrees in the config), the centre at the domain centre +
// U(-position_band, position_band)^2: the restricted training distribution.
struct FrontSettings {
  double semi_major_min = 0.15, semi_major_max = 0.19;
  double semi_minor_min = 0.07, semi_minor_max = 0.09;
  double angle = 0, angle_band = 0.1745;  // radians
  double position_band = 0.03;
  double width = 1.0;   // the profile's width in units of sqrt2 eps (1: the equilibrium front)
  double noise = 0.02;  // white noise U(-noise, noise) on the solve grid
};

// Out-of-distribution inputs: the test split's fronts moved by a rotation
// about the centre of |angle| in [angle_min, angle_max] (random sign) and a
// translation U(-shift, shift)^2, with fresh noise.
struct OodSettings {
  double angle_min = 0.5236, angle_max = 1.5708;  // radians
  double shift = 0.06;
};

struct ModelSettings {
  std::int64_t modes = 12, width = 24, layers = 4, projection = 64;
  bool grid = true;
};

struct CanonicalisationSettings {
  std::vector<std::int64_t> generators;  // 0 d_x, 1 d_y, 3 rotation
  std::string method;                    // global-retraction, coordinate-descent
  std::string evaluation;                // equivariant, sampled
  std::int64_t restarts = 8, steps = 100, sweeps = 2;
  double learning_rate = 0.05, init_scale = 1.0;
  double translation_scale = 0.1;  // algebra units of d_x, d_y (domain lengths per unit)
};

// What the shared data set "solutions" depends on.
struct DataSettings {
  PdeSettings pde;
  FrontSettings front;
  OodSettings ood;
  std::int64_t train = 256, test = 32, ood_count = 32;  // data.*
  std::uint64_t seed = 0;                               // experiment.seed
};

struct Settings {
  DataSettings data;
  ModelSettings model;
  TrainingSettings training;
  CanonicalisationSettings canonicalisation;
  std::int64_t plot_samples = 3;
};

// ConfigError (Config::fail) naming the key of the first inconsistency.
DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// Generator streams of experiment.seed (data) and training.seed (models).
constexpr std::uint64_t kTrainFronts = 11, kTestFronts = 12;
constexpr std::uint64_t kTrainNoise = 21, kTestNoise = 22, kOodNoise = 23, kOodTransform = 24;
constexpr std::uint64_t kModelInit = 31, kCanonicalisation = 32;

}  // namespace structura::pipeline::lielac_allen_cahn
