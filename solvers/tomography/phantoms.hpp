// Test images for CT: the modified Shepp-Logan phantom and random-ellipse
// phantoms (the usual synthetic training set), plus exact line integrals of
// ellipse phantoms as an independent truth for projectors.
//
// Ellipses are given in the unit square [-1, 1]^2 (x right, y up) and mapped
// to the image's physical extent, x_phys = x * width/2, y_phys = y * height/2.
// Images are nx x ny, row-major, row 0 at the top (geometry.hpp), and are
// rasterised by point sampling: the value of a pixel is the mean over
// supersample^2 points at the centres of a regular sub-grid of the pixel
// (supersample = 1: the pixel centre). A point exactly on an ellipse's
// boundary counts as inside.
#pragma once

#include <cstdint>
#include <vector>

#include "tomography/geometry.hpp"

namespace structura::tomography {

struct Ellipse {
  double intensity;  // added inside the ellipse
  double a, b;       // semi-axes along the ellipse's own x and y
  double x0, y0;     // centre
  double phi;        // rotation, radians, counter-clockwise
};

// Toft's modified Shepp-Logan table (10 ellipses; outside 0, skull 1,
// brain 0.2, features 0.1 .. 0.4): the standard table with higher contrast.
std::vector<Ellipse> modified_shepp_logan_ellipses();

// Sum of the ellipses' intensities at (x, y) in unit-square coordinates.
double ellipses_value(const std::vector<Ellipse>& ellipses, double x, double y);

// Rasterised phantoms, image.pixels() values.
std::vector<double> rasterise(const std::vector<Ellipse>& ellipses, const ImageGeometry& image, int supersample = 1);
std::vector<double> shepp_logan(const ImageGeometry& image, int supersample = 1);

// Random-ellipse phantom number `index` of the set `seed`: a pure function
// of (seed, index) through Philox (core/rng.hpp), so image i is the same
// whatever rank or batch makes it. Recipe (all uniform):
//   count      5 .. 15 ellipses
//   semi-axes  a, b in [0.05, 0.4]; rotation in [0, pi)
//   centre     uniform in the disc of radius 0.9 - max(a, b), so every
//              ellipse lies inside the disc of radius 0.9 (inside the
//              reconstruction circle of a parallel-beam scan)
//   intensity  in [-0.4, 1] (negative ones carve holes)
// The sum is clipped to [0, 1].
std::vector<Ellipse> random_ellipses(std::uint64_t seed, std::uint64_t index);
std::vector<double> random_ellipse_phantom(const ImageGeometry& image, std::uint64_t seed, std::uint64_t index,
                                           int supersample = 1);
// Images first .. first + count - 1, one after another (count x pixels).
std::vector<double> random_ellipse_phantoms(const ImageGeometry& image, std::uint64_t seed, std::uint64_t first,
                                            long count, int supersample = 1);

// Exact line integrals (physical length x intensity) of the unclipped
// ellipse sum along every ray of `beam` (parallel or flat-detector fan, as
// in geometry.hpp): a (angles, detectors) sinogram. Note that the random
// phantoms are clipped, so this is their sinogram only where no clipping
// happens; Shepp-Logan is never clipped.
std::vector<double> ellipses_sinogram(const std::vector<Ellipse>& ellipses, const ImageGeometry& image,
                                      const BeamGeometry& beam);

}  // namespace structura::tomography
