#include "canonicalisation/images/random_transforms.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "canonicalisation/images/matrix_groups.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::canonicalisation::images {

namespace {

void require_range(double value, double lo, double hi, const std::string& field) {
  if (!std::isfinite(value) || value < lo || value > hi)
    throw InputError(fmt::format("{}: must lie in [{}, {}], got {}", field, lo, hi, value));
}

// Streams of CounterRng: one per kind, so an affine and a homography set of
// the same seed are not built from the same numbers.
constexpr std::uint64_t kAffineStream = 0x61666e697374ULL;  // "afnist"
constexpr std::uint64_t kHomographyStream = 0x686f6d6e6973ULL;

Matrix3 affine_from(const Uniform4& a, const Uniform4& b, const AffineTransformOptions& o) {
  auto in = [](double u, double lo, double hi) { return lo + (hi - lo) * u; };
  const double theta = in(a.u[0], -1, 1) * o.rotation_degrees * std::numbers::pi / 180;
  const double shear = in(a.u[1], -o.shear, o.shear);
  const double sx = in(a.u[2], o.scale_min, o.scale_max), sy = in(a.u[3], o.scale_min, o.scale_max);
  const double tx = in(b.u[0], -o.translation, o.translation), ty = in(b.u[1], -o.translation, o.translation);
  const double c = std::cos(theta), s = std::sin(theta);
  const Matrix3 rotate = {c, -s, 0, s, c, 0, 0, 0, 1};
  const Matrix3 shear_m = {1, shear, 0, 0, 1, 0, 0, 0, 1};
  const Matrix3 scale = {sx, 0, 0, 0, sy, 0, 0, 0, 1};
  const Matrix3 translate = {1, 0, tx, 0, 1, ty, 0, 0, 1};
  return multiply(translate, multiply(rotate, multiply(shear_m, scale)));
}

}  // namespace

void AffineTransformOptions::validate(const std::string& where) const {
  require_range(rotation_degrees, 0, 180, where + ".rotation_degrees");
  require_range(shear, 0, 10, where + ".shear");
  require_range(scale_min, 1e-3, 1e3, where + ".scale_min");
  require_range(scale_max, 1e-3, 1e3, where + ".scale_max");
  if (scale_max < scale_min)
    throw InputError(fmt::format("{}.scale_max: {} is below scale_min {}", where, scale_max, scale_min));
  require_range(translation, 0, 10, where + ".translation");
}

void HomographyTransformOptions::validate(const std::string& where) const {
  affine.validate(where + ".affine");
  // Beyond 1/2 the horizon p . x + 1 = 0 can cross the image ([-1, 1]^2).
  require_range(perspective, 0, 0.5, where + ".perspective");
}

Element random_affine(std::uint64_t seed, std::uint64_t index, const AffineTransformOptions& options) {
  options.validate();
  const CounterRng rng(seed, kAffineStream);
  const Matrix3 m = affine_from(rng.uniform4(index, 0), rng.uniform4(index, 1), options);
  return Element(m.begin(), m.end());
}

Element random_homography(std::uint64_t seed, std::uint64_t index, const HomographyTransformOptions& options) {
  options.validate();
  const CounterRng rng(seed, kHomographyStream);
  const Uniform4 b = rng.uniform4(index, 1);
  const Matrix3 a = affine_from(rng.uniform4(index, 0), b, options.affine);
  const double p0 = (2 * b.u[2] - 1) * options.perspective, p1 = (2 * b.u[3] - 1) * options.perspective;
  Matrix3 m = multiply(a, Matrix3{1, 0, 0, 0, 1, 0, p0, p1, 1});
  const double det =
      m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
  const double c = std::cbrt(det);
  for (double& v : m) v /= c;
  return Element(m.begin(), m.end());
}

}  // namespace structura::canonicalisation::images
