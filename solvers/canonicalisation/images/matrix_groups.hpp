// The plane's affine group and its homographies as canonicalisation::LieGroup
// (no libtorch). Elements are 3 x 3 matrices acting on homogeneous
// normalised image coordinates (x, y, 1), x to the right and y down, both
// in [-1, 1] over the image (torch grid_sample's convention); stored row by
// row in an Element of 9 entries.
//
// Bases, scaled as in TIED's ImageAffine / ImageHomography
// (../shared/science/lielac-reference.md §1c), coordinate i multiplies
// scale_i * B_i:
//   affine (6):      E00 E01 E02 E10 E11 E12 (the top two rows),
//                    scales 0.084 (linear part) and 0.421 (translations)
//   homography (8):  sl(3): E00-E22, E01, E02, E10, E11-E22, E12, E20, E21,
//                    scales 0.15 0.35 0.5 0.35 0.15 0.5 0.15 0.15
// (the order of the note's scale list; which traceless diagonal pair TIED
// uses is our reading). exp is the matrix exponential (scaling and
// squaring of a Taylor series, accurate to rounding for any argument).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"

namespace structura::canonicalisation::images {

using Matrix3 = std::array<double, 9>;  // row-major

Matrix3 multiply(const Matrix3& a, const Matrix3& b);
// NumericalError when the matrix is singular to rounding.
Matrix3 invert(const Matrix3& a);
Matrix3 matrix_exponential(const Matrix3& a);
Matrix3 to_matrix(const Element& g);  // InputError unless 9 entries

class MatrixGroup final : public LieGroup {
public:
  // `basis`: unscaled generators; `scales` multiply them. InputError naming
  // `where`.scales[i] for a scale that is not finite and positive, or for
  // counts that disagree.
  MatrixGroup(std::string name, std::vector<Matrix3> basis, std::vector<double> scales, const std::string& where);

  int dimension() const override { return static_cast<int>(basis_.size()); }
  Element identity() const override;
  Element exp(std::span<const double> epsilon) const override;
  Element compose(const Element& a, const Element& b) const override;  // the matrix product a b
  Element inverse(const Element& g) const override;

  // sum_i epsilon_i scale_i B_i
  Matrix3 algebra(std::span<const double> epsilon) const;
  // scale_i B_i
  const std::vector<Matrix3>& scaled_basis() const { return scaled_; }
  const std::string& name() const { return name_; }

private:
  std::string name_;
  std::vector<Matrix3> basis_, scaled_;
};

// TIED's defaults; InputError naming `where`.linear_scale / .translation_scale
// / .scales[i].
MatrixGroup affine_group(double linear_scale = 0.084, double translation_scale = 0.421,
                         const std::string& where = "affine");
std::vector<double> tied_homography_scales();
MatrixGroup homography_group(std::vector<double> scales = tied_homography_scales(),
                             const std::string& where = "homography");

}  // namespace structura::canonicalisation::images
