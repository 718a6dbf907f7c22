// The `ct.classical` configuration turned into CT library objects once, so
// every stage builds the same geometry from the same keys, and checked as it
// is read: validation (the kind's check), the stage list, every stage and the
// summary call read_settings, so validation and the run cannot disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/ct_noise.hpp"
#include "tomography/geometry.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pipeline::ct_classical {

// Every method's own keys (fbp.*, sirt.*, lsqr.*, tikhonov.*, tv.*).
struct MethodSettings {
  std::string fbp_filter;
  int sirt_iterations = 0;
  double sirt_relaxation = 1;
  bool sirt_nonnegative = true;
  int lsqr_max_iterations = 0;
  petsc::PetscSettings lsqr_petsc;
  double tikhonov_alpha = 0;
  int tikhonov_iterations = 0;
  petsc::PetscSettings tikhonov_petsc;
  double tv_lambda = 0;
  int tv_iterations = 0;
};

struct Settings {
  tomography::ImageGeometry image;
  tomography::BeamGeometry beam;
  // The span the angles cover (full scan: pi parallel, 2 pi fan; a fan short
  // scan, pi + 2 gamma_max <= range < 2 pi, is FBP with Parker weights). The
  // angles are uniform_angles(beam.angles, range_radians): n angles spaced by
  // range / n from 0, the endpoint excluded, the convention of parker.hpp.
  double range_radians = 0;
  // FBP takes its range from the geometry (angle_range 0): parallel range >=
  // pi; fan always, as fan_scan() tells a full turn from a short scan by the
  // angles themselves.
  bool full_scan = true;
  std::string phantom_kind;
  std::int64_t phantoms = 1;
  int supersample = 1;
  CtNoise noise;
  std::uint64_t seed = 1;
  std::vector<std::string> methods;
  double tau = 0;  // discrepancy principle; 0: off
  MethodSettings method;
};

// Reads and checks the keys; ConfigError (Config::fail) naming the key of the
// first inconsistency.
Settings read_settings(const Config& c);

// Noise draws get their own stream, apart from the phantoms' (experiment.seed).
inline std::uint64_t noise_seed(std::uint64_t seed) { return seed * 16 + 1; }

}  // namespace structura::pipeline::ct_classical
