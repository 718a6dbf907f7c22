#include "canonicalisation/images/matrix_groups.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::canonicalisation::images {

Matrix3 multiply(const Matrix3& a, const Matrix3& b) {
  Matrix3 c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      double s = 0;
      for (int k = 0; k < 3; ++k) s += a[3 * i + k] * b[3 * k + j];
      c[3 * i + j] = s;
    }
  return c;
}

Matrix3 invert(const Matrix3& m) {
  // Adjugate over determinant: exact enough for the well-conditioned
  // elements of these groups (near-singular ones are refused).
  const double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
  const double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
  double norm = 0;
  for (double v : m) norm = std::max(norm, std::abs(v));
  if (!std::isfinite(det) || std::abs(det) <= 1e-14 * norm * norm * norm)
    throw NumericalError(fmt::format("canonicalisation: a 3 x 3 group element is singular (det {})", det));
  const Matrix3 adj = {c00, m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                       c01, m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                       c02, m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
  Matrix3 inv{};
  for (int i = 0; i < 9; ++i) inv[i] = adj[i] / det;
  return inv;
}

Matrix3 matrix_exponential(const Matrix3& a) {
  // Scale to a norm <= 1/2, sum the Taylor series to rounding (at most ~20
  // terms), square back.
  double norm = 0;
  for (int i = 0; i < 3; ++i)
    norm = std::max(norm, std::abs(a[3 * i]) + std::abs(a[3 * i + 1]) + std::abs(a[3 * i + 2]));
  if (!std::isfinite(norm)) throw NumericalError("canonicalisation: matrix exponential of a non-finite matrix");
  int squarings = 0;
  while (norm > 0.5) {
    norm *= 0.5;
    ++squarings;
  }
  const double s = std::ldexp(1.0, -squarings);
  Matrix3 x{};
  for (int i = 0; i < 9; ++i) x[i] = a[i] * s;
  Matrix3 result = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  Matrix3 term = result;
  for (int k = 1; k <= 30; ++k) {
    term = multiply(term, x);
    double largest = 0;
    for (int i = 0; i < 9; ++i) {
      term[i] /= k;
      result[i] += term[i];
      largest = std::max(largest, std::abs(term[i]));
    }
    if (largest < 1e-18) break;
  }
  for (int q = 0; q < squarings; ++q) result = multiply(result, result);
  return result;
}

Matrix3 to_matrix(const Element& g) {
  if (g.size() != 9)
    throw InputError(fmt::format("canonicalisation: a 3 x 3 group element has 9 entries, not {}", g.size()));
  Matrix3 m;
  for (int i = 0; i < 9; ++i) m[i] = g[i];
  return m;
}

namespace {

Element to_element(const Matrix3& m) { return Element(m.begin(), m.end()); }

Matrix3 unit(int i, int j) {
  Matrix3 m{};
  m[3 * i + j] = 1;
  return m;
}

Matrix3 difference(const Matrix3& a, const Matrix3& b) {
  Matrix3 m;
  for (int i = 0; i < 9; ++i) m[i] = a[i] - b[i];
  return m;
}

}  // namespace

MatrixGroup::MatrixGroup(std::string name, std::vector<Matrix3> basis, std::vector<double> scales,
                         const std::string& where)
    : name_(std::move(name)), basis_(std::move(basis)) {
  if (scales.size() != basis_.size())
    throw InputError(fmt::format("{}.scales: {} scales for {} generators", where, scales.size(), basis_.size()));
  for (std::size_t i = 0; i < scales.size(); ++i) {
    if (!std::isfinite(scales[i]) || scales[i] <= 0)
      throw InputError(fmt::format("{}.scales[{}]: must be finite and positive, got {}", where, i, scales[i]));
    Matrix3 m = basis_[i];
    for (double& v : m) v *= scales[i];
    scaled_.push_back(m);
  }
}

Element MatrixGroup::identity() const { return {1, 0, 0, 0, 1, 0, 0, 0, 1}; }

Matrix3 MatrixGroup::algebra(std::span<const double> epsilon) const {
  if (epsilon.size() != scaled_.size())
    throw InputError(
        fmt::format("{}: {} algebra coordinates for {} generators", name_, epsilon.size(), scaled_.size()));
  Matrix3 a{};
  for (std::size_t i = 0; i < scaled_.size(); ++i)
    for (int j = 0; j < 9; ++j) a[j] += epsilon[i] * scaled_[i][j];
  return a;
}

Element MatrixGroup::exp(std::span<const double> epsilon) const {
  return to_element(matrix_exponential(algebra(epsilon)));
}

Element MatrixGroup::compose(const Element& a, const Element& b) const {
  return to_element(multiply(to_matrix(a), to_matrix(b)));
}

Element MatrixGroup::inverse(const Element& g) const { return to_element(invert(to_matrix(g))); }

MatrixGroup affine_group(double linear_scale, double translation_scale, const std::string& where) {
  if (!std::isfinite(linear_scale) || linear_scale <= 0)
    throw InputError(fmt::format("{}.linear_scale: must be finite and positive, got {}", where, linear_scale));
  if (!std::isfinite(translation_scale) || translation_scale <= 0)
    throw InputError(
        fmt::format("{}.translation_scale: must be finite and positive, got {}", where, translation_scale));
  return MatrixGroup("affine", {unit(0, 0), unit(0, 1), unit(0, 2), unit(1, 0), unit(1, 1), unit(1, 2)},
                     {linear_scale, linear_scale, translation_scale, linear_scale, linear_scale, translation_scale},
                     where);
}

std::vector<double> tied_homography_scales() { return {0.15, 0.35, 0.5, 0.35, 0.15, 0.5, 0.15, 0.15}; }

MatrixGroup homography_group(std::vector<double> scales, const std::string& where) {
  return MatrixGroup("homography",
                     {difference(unit(0, 0), unit(2, 2)), unit(0, 1), unit(0, 2), unit(1, 0),
                      difference(unit(1, 1), unit(2, 2)), unit(1, 2), unit(2, 0), unit(2, 1)},
                     std::move(scales), where);
}

}  // namespace structura::canonicalisation::images
