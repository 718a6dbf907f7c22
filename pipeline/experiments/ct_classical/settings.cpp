// Reading the `ct.classical` keys into geometries (see settings.hpp): the
// one place that calls Config::get_* for this kind.
#include "experiments/ct_classical/settings.hpp"

#include "experiments/ct_classical/petsc.hpp"

#include <cmath>
#include <numbers>

namespace structura::pipeline::ct_classical {

using namespace tomography;

double source_origin(const Config& c) {
  const double so = c.get_float("beam.source_origin");
  return so > 0 ? so : 2.0 * c.get_float("image.extent");
}

Settings read_settings(const Config& c) {
  Settings s;
  const int n = static_cast<int>(c.get_int("image.size"));
  const double extent = c.get_float("image.extent");
  s.image = ImageGeometry{n, n, extent, extent};

  const bool fan = c.get_string("beam.kind") == "fan";
  const double degrees = c.get_float("beam.range_degrees");
  s.full_scan = degrees == 0 || fan || degrees >= 180;  // fan: FBP reads full / short from the angles
  const double full = fan ? 2 * std::numbers::pi : std::numbers::pi;
  s.range_radians = degrees == 0 ? full : degrees * std::numbers::pi / 180;
  const std::int64_t det = c.get_int("beam.detectors");
  s.beam.kind = fan ? BeamKind::Fan : BeamKind::Parallel;
  s.beam.angles = uniform_angles(static_cast<int>(c.get_int("beam.angles")), s.range_radians);
  s.beam.detectors = det > 0 ? static_cast<int>(det) : n;
  const double spacing = c.get_float("beam.spacing");
  if (spacing > 0) {
    s.beam.detector_spacing = spacing;
  } else if (!fan) {
    s.beam.detector_spacing = extent / s.beam.detectors;
  } else {
    // The flat detector must catch every ray through the image's bounding
    // circle (radius R): the tangent rays from the source hit it at
    // +-D_sd R / sqrt(SO^2 - R^2), D_sd the source-detector distance.
    const double so = source_origin(c), od = c.get_float("beam.origin_detector");
    const double r = extent / std::sqrt(2.0);
    s.beam.detector_spacing = 2 * (so + od) * r / std::sqrt(so * so - r * r) / s.beam.detectors;
  }
  if (fan) {
    s.beam.source_origin = source_origin(c);
    s.beam.origin_detector = c.get_float("beam.origin_detector");
  }

  s.phantom_kind = c.get_string("phantoms.kind");
  s.phantoms = c.get_int("phantoms.count");
  s.supersample = static_cast<int>(c.get_int("phantoms.supersample"));
  s.noise_kind = c.get_string("noise.kind");
  s.noise_level = c.get_float("noise.level");
  s.photons = c.get_float("noise.photons");
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  s.methods = c.get_strings("reconstruction.methods");
  s.tau = c.get_float("discrepancy.tau");
  MethodSettings& m = s.method;
  m.fbp_filter = c.get_string("fbp.filter");
  m.sirt_iterations = static_cast<int>(c.get_int("sirt.iterations"));
  m.sirt_relaxation = c.get_float("sirt.relaxation");
  m.sirt_nonnegative = c.get_bool("sirt.nonnegative");
  m.lsqr_max_iterations = static_cast<int>(c.get_int("lsqr.max_iterations"));
  m.lsqr_petsc = petsc_settings(c, "lsqr");
  m.tikhonov_alpha = c.get_float("tikhonov.alpha");
  m.tikhonov_iterations = static_cast<int>(c.get_int("tikhonov.iterations"));
  m.tikhonov_petsc = petsc_settings(c, "tikhonov");
  m.tv_lambda = c.get_float("tv.lambda");
  m.tv_iterations = static_cast<int>(c.get_int("tv.iterations"));
  return s;
}

}  // namespace structura::pipeline::ct_classical
