#include "tomography/coverage.hpp"

#include <algorithm>
#include <cmath>

namespace structura::tomography {

namespace {

// The line through q with unit normal n (n·p = n·q) crosses the open
// rectangle [-a, a] x [-b, b] iff its distance from the centre is below the
// rectangle's support in direction n.
bool crosses(double nx, double ny, double qx, double qy, double a, double b) {
  return std::abs(nx * qx + ny * qy) < a * std::abs(nx) + b * std::abs(ny);
}

}  // namespace

bool some_ray_crosses_image(const ImageGeometry& image, const BeamGeometry& beam) {
  const double a = image.width / 2, b = image.height / 2, radius = std::hypot(a, b);
  const double centre = (beam.detectors - 1) / 2.0, h = beam.detector_spacing;
  const bool fan = beam.kind == BeamKind::Fan;
  const double so = beam.source_origin, sd = beam.source_origin + beam.origin_detector;
  // Detector offsets s whose ray may come within `radius` of the centre:
  // parallel |s| < radius; fan: the ray's distance so |s| / hypot(sd, s) < radius.
  double s_max = radius;
  if (fan) s_max = so > radius ? radius * sd / std::sqrt(so * so - radius * radius) : HUGE_VAL;
  if (!(h > 0)) return true;  // not this function's business (BeamGeometry::validate)
  const double lo = std::max(0.0, std::ceil((-s_max - beam.detector_offset) / h + centre));
  const double hi = std::min(beam.detectors - 1.0, std::floor((s_max - beam.detector_offset) / h + centre));
  for (double theta : beam.angles) {
    const double c = std::cos(theta), s = std::sin(theta);
    for (double u = lo; u <= hi; ++u) {
      const double offset = (u - centre) * h + beam.detector_offset;
      if (!fan) {
        if (crosses(c, s, offset * c, offset * s, a, b)) return true;  // x cos + y sin = offset
        continue;
      }
      // Source S = so (c, s); detector point P = -od (c, s) + offset (-s, c).
      const double sx = so * c, sy = so * s;
      const double px = -beam.origin_detector * c - offset * s, py = -beam.origin_detector * s + offset * c;
      const double dx = px - sx, dy = py - sy, length = std::hypot(dx, dy);
      if (crosses(-dy / length, dx / length, sx, sy, a, b)) return true;
    }
  }
  return false;
}

}  // namespace structura::tomography
