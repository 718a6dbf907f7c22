// Reading and checking the `ct.classical` keys into geometries (see
// settings.hpp): the one place that calls Config::get_* for this kind.
#include "experiments/ct_classical/settings.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "experiments/ct_classical/petsc.hpp"
#include "tomography/coverage.hpp"
#include "tomography/parker.hpp"

namespace structura::pipeline::ct_classical {

using namespace tomography;

namespace {

// The fan-beam source distance: beam.source_origin, or 2 x extent when 0.
double source_origin(const Config& c) {
  const double so = c.get_float("beam.source_origin");
  return so > 0 ? so : 2.0 * c.get_float("image.extent");
}

// The checks across keys, in the order validation reports them.
void check(const Config& c, const Settings& s, double degrees) {
  if (s.methods.empty()) c.fail("reconstruction.methods", "needs at least one method");
  for (std::size_t i = 0; i < s.methods.size(); ++i)
    for (std::size_t j = i + 1; j < s.methods.size(); ++j)
      if (s.methods[i] == s.methods[j])
        c.fail("reconstruction.methods", fmt::format("lists \"{}\" twice", s.methods[i]));
  if (s.beam.kind == BeamKind::Fan) {
    const double half_diagonal = s.image.width / std::sqrt(2.0);
    if (s.beam.source_origin <= half_diagonal)
      c.fail("beam.source_origin", fmt::format("must exceed half the image diagonal, {:g}", half_diagonal));
    if (degrees != 0 && degrees != 360) {
      // A short scan: FBP's Parker weights need pi + 2 gamma_max of the
      // detector these settings build (parker.hpp). Compared without slack so
      // that fan_scan(), which allows rounding below the minimum, accepts it.
      const double minimum = short_scan_minimum(s.beam);
      if (s.range_radians < minimum) {
        const double shown = minimum * 180 / std::numbers::pi;  // rounded up: the value shown passes
        c.fail("beam.range_degrees",
               fmt::format("a fan-beam short scan needs at least pi + 2 gamma_max = {:.4f} degrees for this geometry "
                           "(fan half-angle gamma_max = {:.4f} degrees), got {:g}; 360 is the full scan",
                           std::ceil(shown * 1e4) / 1e4, (shown - 180) / 2, degrees));
      }
    }
  }
  if (!some_ray_crosses_image(s.image, s.beam))
    c.fail("beam.spacing",
           fmt::format("no ray crosses the image: {} detectors {:g} apart (offsets up to {:g}) miss the {:g} x {:g} "
                       "image at every angle; use a smaller spacing (0: just covering the image)",
                       s.beam.detectors, s.beam.detector_spacing,
                       (s.beam.detectors - 1) / 2.0 * s.beam.detector_spacing, s.image.width, s.image.height));
  for (const petsc::PetscSettings* p : {&s.method.lsqr_petsc, &s.method.tikhonov_petsc}) check_petsc_settings(c, *p);
  if (s.tau != 0 && s.tau < 1) c.fail("discrepancy.tau", fmt::format("must be 0 (off) or >= 1, got {:g}", s.tau));
  if (s.method.sirt_relaxation >= 2) c.fail("sirt.relaxation", "must be below 2");
}

}  // namespace

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
  s.noise = read_ct_noise(c);
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  s.methods = c.get_strings("reconstruction.methods");
  s.tau = c.get_float("discrepancy.tau");
  MethodSettings& m = s.method;
  m.fbp_filter = c.get_string("fbp.filter");
  m.sirt_iterations = static_cast<int>(c.get_int("sirt.iterations"));
  m.sirt_relaxation = c.get_float("sirt.relaxation");
  m.sirt_nonnegative = c.get_bool("sirt.nonnegative");
  m.lsqr_max_iterations = static_cast<int>(c.get_int("lsqr.max_iterations"));
  m.lsqr_petsc = petsc_settings("lsqr", c.get_strings(petsc_options_key("lsqr")));
  m.tikhonov_alpha = c.get_float("tikhonov.alpha");
  m.tikhonov_iterations = static_cast<int>(c.get_int("tikhonov.iterations"));
  m.tikhonov_petsc = petsc_settings("tikhonov", c.get_strings(petsc_options_key("tikhonov")));
  m.tv_lambda = c.get_float("tv.lambda");
  m.tv_iterations = static_cast<int>(c.get_int("tv.iterations"));
  check(c, s, degrees);
  return s;
}

}  // namespace structura::pipeline::ct_classical
