// some_ray_crosses_image against geometries whose answer is known by hand:
// a 2 x 2 image (half-width 1, half-diagonal √2) and rays at given offsets.
#include <doctest/doctest.h>

#include <cmath>

#include "tomography/coverage.hpp"

using namespace structura::tomography;

namespace {

constexpr double kPi = 3.14159265358979323846;

ImageGeometry square() { return ImageGeometry{16, 16, 2.0, 2.0}; }

// Two detectors at offsets ±s (spacing 2 s).
BeamGeometry pair(double s, std::vector<double> angles) {
  BeamGeometry b;
  b.angles = std::move(angles);
  b.detectors = 2;
  b.detector_spacing = 2 * s;
  return b;
}

}  // namespace

TEST_CASE("parallel beam: offsets beyond the square's support at every angle miss it") {
  CHECK(some_ray_crosses_image(square(), pair(0.5, {0.0})));
  CHECK(!some_ray_crosses_image(square(), pair(5.0, uniform_angles(180, kPi))));  // beyond √2: never
  // 1.2 lies between the half-width 1 and the half-diagonal √2: the rays
  // miss at 0 and 90 degrees and cut the corners near 45 degrees, where the
  // support is √2.
  CHECK(!some_ray_crosses_image(square(), pair(1.2, {0.0, kPi / 2})));
  CHECK(some_ray_crosses_image(square(), pair(1.2, {0.0, kPi / 4})));
  // A ray exactly along an edge has no length inside: not a crossing.
  CHECK(!some_ray_crosses_image(square(), pair(1.0, {0.0})));
  BeamGeometry wide = pair(5.0, {0.0});  // 128 detectors 10 apart, as `beam.spacing=10`
  wide.detectors = 128;
  wide.detector_spacing = 10;
  CHECK(!some_ray_crosses_image(square(), wide));
  wide.detectors = 129;  // an odd count has a detector at the centre
  CHECK(some_ray_crosses_image(square(), wide));
}

TEST_CASE("fan beam: a ray's distance from the centre is so s / hypot(sd, s)") {
  BeamGeometry b = pair(5.0, uniform_angles(90, 2 * kPi));
  b.kind = BeamKind::Fan;
  b.source_origin = 4;
  b.origin_detector = 4;  // sd = 8: offset 5 passes at 4 * 5 / hypot(8, 5) = 2.12 > √2
  CHECK(!some_ray_crosses_image(square(), b));
  b.detector_spacing = 2 * 1.5;  // offset 1.5: 4 * 1.5 / hypot(8, 1.5) = 0.74 < 1
  CHECK(some_ray_crosses_image(square(), b));
  // One detector at offset 2.6: its ray passes the centre at
  // 4 * 2.6 / hypot(8, 2.6) = 1.236, between 1 and √2, with its normal at
  // theta - 90 - atan(2.6 / 8) degrees: it misses when that normal is along an
  // axis (support 1) and cuts a corner when it is diagonal (support √2).
  b.detectors = 1;
  b.detector_offset = 2.6;
  const double tilt = std::atan(2.6 / 8);
  b.angles = {tilt};
  CHECK(!some_ray_crosses_image(square(), b));
  b.angles = {tilt + kPi / 4};
  CHECK(some_ray_crosses_image(square(), b));
  b.angles = {tilt, tilt + kPi / 2, tilt + kPi, tilt + 3 * kPi / 2};
  CHECK(!some_ray_crosses_image(square(), b));
}
