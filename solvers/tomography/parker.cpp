#include "tomography/parker.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.hpp"

namespace structura::tomography {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTwoPi = 2 * std::numbers::pi;
// Gaps equal to a step to this fraction of it count as uniform: far above
// the rounding of first + i step, far below any deliberate irregularity.
constexpr double kUniform = 1e-3;

void require_fan(const BeamGeometry& beam, const char* what) {
  require(beam.kind == BeamKind::Fan, fmt::format("{}: needs a fan-beam geometry", what));
  require(std::isfinite(beam.source_origin) && beam.source_origin > 0 && std::isfinite(beam.origin_detector) &&
              beam.origin_detector >= 0,
          fmt::format("{}: beam.source_origin must be > 0 and beam.origin_detector >= 0", what));
}

double detector_centre(const BeamGeometry& beam, int u) {
  return (u - 0.5 * (beam.detectors - 1)) * beam.detector_spacing + beam.detector_offset;
}

// gamma(s) = -atan(s / D_sd) (parker.hpp).
double fan_angle(const BeamGeometry& beam, int u) {
  return -std::atan(detector_centre(beam, u) / (beam.source_origin + beam.origin_detector));
}

double wrap(double a) {  // [0, 2 pi)
  double r = std::fmod(a, kTwoPi);
  if (r < 0) r += kTwoPi;
  if (r >= kTwoPi) r -= kTwoPi;  // -tiny + 2 pi rounds to 2 pi
  return r;
}

double degrees(double radians) { return radians * 180 / kPi; }

}  // namespace

double fan_half_angle(const BeamGeometry& beam) {
  require_fan(beam, "fan_half_angle");
  require(beam.detectors >= 1, "fan_half_angle: beam.detectors must be >= 1");
  // |atan| is largest at one of the two end centres.
  return std::max(std::abs(fan_angle(beam, 0)), std::abs(fan_angle(beam, beam.detectors - 1)));
}

double short_scan_minimum(const BeamGeometry& beam) { return kPi + 2 * fan_half_angle(beam); }

double parker_weight(double beta, double gamma, double delta) {
  // The scan is [0, pi + 2 delta), half open: for the edge rays gamma =
  // +-delta (where the minimal scan puts the last detector) the ray at
  // (0, delta) has weight 1 and its conjugate (pi + 2 delta, -delta) none.
  if (!(beta >= 0) || beta >= kPi + 2 * delta) return 0.0;
  if (beta < 2 * (delta - gamma)) {  // only when delta - gamma > 0
    const double s = std::sin(kPi / 4 * beta / (delta - gamma));
    return s * s;
  }
  if (beta <= kPi - 2 * gamma) return 1.0;
  // pi - 2 gamma < beta <= pi + 2 delta: delta + gamma > 0 here.
  const double s = std::sin(kPi / 4 * (kPi + 2 * delta - beta) / (delta + gamma));
  return s * s;
}

FanScan fan_scan(const BeamGeometry& beam) {
  require_fan(beam, "fan_scan");
  const std::size_t n = beam.angles.size();
  require(n >= 1, "beam.angles must not be empty");
  FanScan scan;
  scan.half_angle = fan_half_angle(beam);
  scan.minimum = kPi + 2 * scan.half_angle;

  std::vector<double> a(n);
  for (std::size_t i = 0; i < n; ++i) a[i] = wrap(beam.angles[i]);
  std::sort(a.begin(), a.end());
  // Circular gaps: gap i runs from a[i] to a[i + 1] (the last one wraps).
  std::size_t widest = n - 1;
  double widest_gap = a[0] + kTwoPi - a[n - 1];
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (a[i + 1] - a[i] > widest_gap) widest_gap = a[i + 1] - a[i], widest = i;
  const double arc = kTwoPi - widest_gap;  // from the first angle of the scan to its last
  const double step = n > 1 ? arc / static_cast<double>(n - 1) : 0.0;
  bool uniform = n > 1;
  for (std::size_t i = 0; i + 1 < n && uniform; ++i)
    if (i != widest) uniform = std::abs(a[i + 1] - a[i] - step) <= kUniform * step;
  if (uniform && widest != n - 1) uniform = std::abs(a[0] + kTwoPi - a[n - 1] - step) <= kUniform * step;

  const double mean = kTwoPi / static_cast<double>(n);
  if ((uniform && widest_gap <= (1 + kUniform) * step) ||
      (!uniform && n > 1 && widest_gap <= 2 * (1 + kUniform) * mean)) {
    scan.full = true;
    scan.range = kTwoPi;
    scan.step = mean;
    scan.start = 0;
    return scan;
  }
  const double range = uniform ? static_cast<double>(n) * step : arc;
  require(uniform || range < scan.minimum,
          fmt::format("beam.angles: a fan-beam scan that is not a full turn must be uniformly spaced for FBP's "
                      "short-scan (Parker) weights; these {} angles span {:.6g} rad ({:.4g} degrees) with a gap of "
                      "{:.4g} degrees",
                      n, arc, degrees(arc), degrees(widest_gap)));
  // A relative tolerance for the rounding of n * step against a minimum the
  // caller may have computed the same way.
  require(uniform && range >= scan.minimum * (1 - 1e-12),
          fmt::format("beam.angles: the fan-beam angles cover {:.6g} rad ({:.4g} degrees), less than a full turn "
                      "and less than the short-scan minimum pi + 2 gamma_max = {:.6g} rad ({:.4g} degrees) that FBP "
                      "needs for this detector (fan half-angle gamma_max = {:.4g} degrees)",
                      range, degrees(range), scan.minimum, degrees(scan.minimum), degrees(scan.half_angle)));
  scan.full = false;
  scan.range = range;
  scan.step = step;
  scan.start = a[(widest + 1) % n];
  return scan;
}

std::vector<double> parker_weights(const BeamGeometry& beam, const FanScan& scan, Range rows) {
  require_fan(beam, "parker_weights");
  if (rows.count < 0) rows = {0, static_cast<std::int64_t>(beam.angles.size())};
  require(
      rows.begin >= 0 && rows.end() <= static_cast<std::int64_t>(beam.angles.size()),
      fmt::format("parker_weights: rows [{}, {}) outside the {} angles", rows.begin, rows.end(), beam.angles.size()));
  const auto d = static_cast<std::size_t>(beam.detectors);
  std::vector<double> w(static_cast<std::size_t>(rows.count) * d, 0.5);
  if (scan.full) return w;
  std::vector<double> gamma(d);
  for (int u = 0; u < beam.detectors; ++u) gamma[u] = fan_angle(beam, u);
  const double delta = 0.5 * (scan.range - kPi);
  for (std::int64_t r = 0; r < rows.count; ++r) {
    const double beta = wrap(wrap(beam.angles[rows.begin + r]) - scan.start) + 0.5 * scan.step;
    for (std::size_t u = 0; u < d; ++u) w[r * d + u] = parker_weight(beta, gamma[u], delta);
  }
  return w;
}

}  // namespace structura::tomography
