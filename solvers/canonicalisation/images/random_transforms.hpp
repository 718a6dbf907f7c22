// Random test-set transforms in the spirit of affNIST and homNIST: element
// `index` of a set is a pure function of (seed, index), so a transformed
// test set is the same whatever ranks or batches draw it (no libtorch).
//
// Affine (affNIST's ranges by default: rotation within +-20 degrees, shear
// within +-0.2, scales in [0.8, 1.2] per axis, plus a translation):
//   T = Translate(t) . Rotate(theta) . Shear(s) . Scale(sx, sy)
// Homography: T = A . P with A as above and P = [[1,0,0],[0,1,0],[p0,p1,1]],
// |p_i| <= perspective, divided by cbrt(det) so that det T = 1 (an element
// of SL(3), the group that homography_group's algebra generates).
// Each parameter is uniform in its range. Used on images through
// act(u, T) (warp.hpp): the content of u is moved by T.
#pragma once

#include <cstdint>
#include <string>

#include "canonicalisation/lie_algebra_descent.hpp"

namespace structura::canonicalisation::images {

struct AffineTransformOptions {
  double rotation_degrees = 20;  // |theta| <= this
  double shear = 0.2;            // |s| <= this
  double scale_min = 0.8, scale_max = 1.2;
  double translation = 0.1;  // |t_x|, |t_y| <= this, normalised coordinates (the image is 2 wide)

  // InputError naming `where`.<field>.
  void validate(const std::string& where = "affine_transform") const;
};

struct HomographyTransformOptions {
  AffineTransformOptions affine = {};
  double perspective = 0.15;  // |p_0|, |p_1| <= this

  void validate(const std::string& where = "homography_transform") const;
};

Element random_affine(std::uint64_t seed, std::uint64_t index, const AffineTransformOptions& options = {});
Element random_homography(std::uint64_t seed, std::uint64_t index, const HomographyTransformOptions& options = {});

}  // namespace structura::canonicalisation::images
