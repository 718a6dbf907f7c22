// The settings of a `lielac.pde` run, read once from its config and checked
// as they are read: validation (the kind's check), the stage list, the
// stages and the summary all call read_settings. No libtorch, no PETSc here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/training_params.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pipeline::lielac_pde {

// The models compared (training.variants): the model trained on the
// restricted distribution alone (and canonicalised by LieLAC), trained with
// symmetry data augmentation (LPSDA), and fine-tuned on transformed data.
const std::vector<std::string>& variant_names();

struct PdeSettings {
  std::string equation;  // pde.equation: burgers, heat
  double nu = 0.01;
  std::int64_t points = 128;  // solve grid
  std::int64_t stride = 2;    // model grid = points / stride
  int order = 4;
  bool spectral = false;  // pde.discretisation: spectral, else differences
  double t_end = 0.5;  // the model predicts u(., t_end) from u0
  double dt = 5e-4;
  petsc::PetscSettings petsc;  // pde.petsc_options
  double grf_sigma = 625, grf_tau = 5, grf_gamma = 4;
  std::int64_t model_points() const { return points / stride; }
};

// Out-of-distribution inputs g . u0 for u0 from the training field: g a
// translation by U(-shift, shift) and, for Burgers, a Galilean boost of
// magnitude U(boost_min, boost_max) with a random sign; for heat an
// amplitude factor log-uniform in [amplitude_min, amplitude_max].
struct OodSettings {
  double shift = 0.5;
  double boost_min = 0.5, boost_max = 1.5;
  double amplitude_min = 2, amplitude_max = 5;
};

struct ModelSettings {
  std::int64_t modes = 16, width = 32, layers = 4, projection = 64;
  bool grid = true;
};

struct CanonicalisationSettings {
  std::vector<std::int64_t> generators;  // indices into the equation's generators
  std::string method;                    // global-retraction, coordinate-descent
  std::string energy;                    // typicality, domain
  std::int64_t restarts = 16, steps = 100, sweeps = 2, modes = 8;
  double learning_rate = 0.05, init_scale = 0.5;
};

// What the shared data set "solutions" depends on (pde.*, grf.*, data.*,
// ood.*, experiment.seed): the data stage reads only these.
struct DataSettings {
  PdeSettings pde;
  std::int64_t train = 512, test = 128, ood = 128, fine_tune = 32;  // data.*
  std::uint64_t seed = 0;                                           // experiment.seed
  OodSettings shift;
};

struct Settings {
  DataSettings data;
  ModelSettings model;
  TrainingSettings training;
  std::vector<std::string> variants;
  std::int64_t fine_tune_epochs = 100;
  double fine_tune_learning_rate = 5e-4;
  CanonicalisationSettings canonicalisation;
  std::int64_t landscape_points = 81;
  double landscape_extent = 3;  // along the first generator, in algebra units
  std::int64_t plot_samples = 3;
};

// ConfigError (Config::fail) naming the key of the first inconsistency.
DataSettings read_data_settings(const Config& c);
Settings read_settings(const Config& c);

// Generator streams of experiment.seed (data) and training.seed (models).
constexpr std::uint64_t kTrainField = 11, kTestField = 12, kOodField = 13, kFineTuneField = 14;
constexpr std::uint64_t kOodTransform = 21, kFineTuneTransform = 22, kAugmentTransform = 23;
constexpr std::uint64_t kModelInit = 31, kCanonicalisation = 32;

}  // namespace structura::pipeline::lielac_pde
