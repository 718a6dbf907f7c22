// The `ct.classical` configuration turned into CT library objects once, so
// every stage builds the same geometry from the same keys, and the small
// helpers through which stages share data in result.h5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/h5.hpp"
#include "core/partition.hpp"
#include "tomography/geometry.hpp"
#include "tomography/projector.hpp"

namespace structura::pipeline::ct_run {

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
  std::string noise_kind;
  double noise_level = 0, photons = 0;
  std::uint64_t seed = 1;
  std::vector<std::string> methods;
  double tau = 0;  // discrepancy principle; 0: off
};

Settings read_settings(const Config& c);

// The fan-beam source distance: beam.source_origin, or 2 x extent when 0.
double source_origin(const Config& c);

// Noise draws get their own stream, apart from the phantoms' (experiment.seed).
inline std::uint64_t noise_seed(std::uint64_t seed) { return seed * 16 + 1; }

// All phantoms (P, n, n) from /fields/truth, on every rank (collective).
std::vector<double> read_truth(h5::File& file, const Settings& s);

// Rows `angles` of sinogram `which` ("clean" / "noisy") of phantom p, as a
// device view (angles.count, detectors) (collective: every rank reads its own).
tomography::Sinogram<double> read_rows(h5::File& file, const std::string& which, std::int64_t p, Range angles,
                                       int detectors);

// Host <-> device copies of one n x n image.
tomography::Image<double> to_device(const double* pixels, int rows, int cols);
void to_host(const tomography::Image<const double>& image, double* pixels);

}  // namespace structura::pipeline::ct_run
