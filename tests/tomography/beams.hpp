// Geometries and error capture shared by the CT tests.
#pragma once

#include <numbers>
#include <string>

#include "core/error.hpp"
#include "tomography/geometry.hpp"

namespace structura::tomography::testing {

// Parallel beam over [0, pi).
inline BeamGeometry parallel_beam(int angles, int detectors, double spacing, double offset = 0.0) {
  BeamGeometry b;
  b.angles = uniform_angles(angles, std::numbers::pi);
  b.detectors = detectors;
  b.detector_spacing = spacing;
  b.detector_offset = offset;
  return b;
}

// Flat-detector fan beam over a full turn starting at first_angle.
inline BeamGeometry fan_beam(int angles, int detectors, double spacing, double source_origin, double origin_detector,
                             double first_angle = 0.0) {
  BeamGeometry b;
  b.kind = BeamKind::Fan;
  b.angles = uniform_angles(angles, 2 * std::numbers::pi, first_angle);
  b.detectors = detectors;
  b.detector_spacing = spacing;
  b.source_origin = source_origin;
  b.origin_detector = origin_detector;
  return b;
}

// The message of the InputError f throws, or a marker when it throws
// something else or nothing.
template <class F>
std::string thrown_input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (...) {
    return "<other exception>";
  }
  return "<no exception>";
}

}  // namespace structura::tomography::testing
