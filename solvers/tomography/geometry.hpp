// CT acquisition geometries in physical units. The image is an nx x ny grid
// of square-or-rectangular pixels covering [-width/2, width/2] x
// [-height/2, height/2] (centred at the origin, x to the right, y up); it is
// stored row-major with row 0 at the TOP (largest y), like an image file and
// scikit-image: pixel (row r, column c) has centre
//   x = -width/2 + (c + 1/2) dx,   y = height/2 - (r + 1/2) dy.
// A sinogram is (angles, detectors), row-major. Angles are in radians.
//
// Parallel beam: at angle theta the rays have direction d = (-sin theta, cos theta)
// and detector coordinate s = x cos theta + y sin theta; detector u has
// centre s_u = (u - (n_det - 1)/2) * detector_spacing + detector_offset.
// Fan beam (flat detector): the source is at distance source_origin from
// the origin at angle theta, S = source_origin (cos theta, sin theta); the
// flat detector is perpendicular to the central ray at distance
// origin_detector on the other side; detector u at signed offset s_u (as
// above) along (-sin theta, cos theta); the ray joins S to that detector point.
#pragma once

#include <string>
#include <vector>

namespace structura::tomography {

struct ImageGeometry {
  int nx = 256, ny = 256;             // columns, rows
  double width = 2.0, height = 2.0;   // physical extent
  double dx() const { return width / nx; }
  double dy() const { return height / ny; }
  long pixels() const { return static_cast<long>(nx) * ny; }
  void validate(const std::string& where) const;  // InputError naming where.nx etc.
};

enum class BeamKind { Parallel, Fan };

struct BeamGeometry {
  BeamKind kind = BeamKind::Parallel;
  std::vector<double> angles;        // radians, any order, need not be uniform
  int detectors = 256;
  double detector_spacing = 2.0 / 256;
  double detector_offset = 0.0;
  double source_origin = 0.0;        // fan beam only, > image radius
  double origin_detector = 0.0;      // fan beam only, >= 0
  long size() const { return static_cast<long>(angles.size()) * detectors; }
  void validate(const ImageGeometry& image, const std::string& where) const;
};

// Angle sets: `count` angles uniformly in [first, first + range) (endpoint
// excluded; range = pi is the full parallel-beam set, 2 pi the full fan-beam
// set). Sparse view = few angles over the full range; limited angle = a
// range below pi.
std::vector<double> uniform_angles(int count, double range, double first = 0.0);

}  // namespace structura::tomography
