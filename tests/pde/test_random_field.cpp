// The periodic Gaussian random field (pde/random_field.hpp). Truths: the
// covariance operator sigma^2 (-Laplacian + tau^2)^(-gamma) itself, whose
// eigenvalue for the mode pair (cos, sin)(2 pi k x) is
// sigma^2 ((2 pi k)^2 + tau^2)^(-gamma): the variance of a sample's
// projection on each (orthonormal) mode, and of a point value, against
// their closed forms within the Monte-Carlo error of 4000 samples; and
// the counter-based generator's promise (same (seed, index), same field).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.hpp"
#include "pde/random_field.hpp"

using namespace structura;
using namespace structura::pde;

TEST_CASE("a field is a function of (seed, index) alone") {
  const PeriodicGrfOptions o;
  CHECK(periodic_grf(o, 101, 7, 3) == periodic_grf(o, 101, 7, 3));
  CHECK(periodic_grf(o, 101, 7, 3) != periodic_grf(o, 101, 7, 4));
  CHECK(periodic_grf(o, 101, 7, 3) != periodic_grf(o, 101, 8, 3));
}

TEST_CASE("mode and point variances equal the covariance operator's eigenvalues within the Monte-Carlo error") {
  const PeriodicGrfOptions o;  // sigma 625, tau 5, gamma 4: the Burgers data set's
  const std::int64_t n = 64, samples = 4000;
  const int checked = 6;
  std::vector<double> cos2(checked + 1, 0.0), sin2(checked + 1, 0.0);
  double point2 = 0, mean = 0;
  for (std::int64_t s = 0; s < samples; ++s) {
    const std::vector<double> u = periodic_grf(o, n, 11, static_cast<std::uint64_t>(s));
    for (int k = 1; k <= checked; ++k) {
      double c = 0, d = 0;  // projections on sqrt2 cos, sqrt2 sin (discrete: exact for k < n/2)
      for (std::int64_t i = 0; i < n; ++i) {
        const double phase = 2 * std::numbers::pi * double(k * i) / double(n);
        c += u[static_cast<std::size_t>(i)] * std::numbers::sqrt2 * std::cos(phase) / double(n);
        d += u[static_cast<std::size_t>(i)] * std::numbers::sqrt2 * std::sin(phase) / double(n);
      }
      cos2[k] += c * c / double(samples);
      sin2[k] += d * d / double(samples);
    }
    point2 += u[5] * u[5] / double(samples);
    mean += u[5] / double(samples);
  }
  const double tolerance = 5 * std::sqrt(2.0 / double(samples));  // 5 sigma of a variance estimate
  double point_variance = 0;
  for (std::int64_t k = 1; k <= n / 2; ++k) {
    const double q = 2 * std::numbers::pi * double(k);
    const double eigenvalue = o.sigma * o.sigma * std::pow(q * q + o.tau * o.tau, -o.gamma);
    point_variance += 2 * eigenvalue;  // sqrt2 cos and sqrt2 sin at one point: 2 (cos^2 + sin^2) = 2
    if (k > checked) continue;
    CAPTURE(k);
    CHECK(std::abs(cos2[k] / eigenvalue - 1) <= tolerance);
    CHECK(std::abs(sin2[k] / eigenvalue - 1) <= tolerance);
  }
  CHECK(std::abs(point2 / point_variance - 1) <= tolerance);
  CHECK(std::abs(mean) <= 5 * std::sqrt(point_variance / double(samples)));
  MESSAGE("point standard deviation " << std::sqrt(point_variance) << ", measured " << std::sqrt(point2));
}

TEST_CASE("bad settings are InputErrors naming the key") {
  PeriodicGrfOptions o;
  o.tau = 0;
  CHECK_THROWS_WITH_AS(periodic_grf(o, 64, 1, 0), doctest::Contains("tau"), InputError);
  o = {};
  o.modes = -1;
  CHECK_THROWS_WITH_AS(periodic_grf(o, 64, 1, 0), doctest::Contains("modes"), InputError);
}
