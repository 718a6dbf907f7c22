// The ground-truth pullback geometry of the 2-D sets (planar_geometry.hpp)
// against the metric G(x) = D phi^T A^-2 D phi alone, on 10 pairs of exact
// samples per set. Truths:
//  - the geodesic starts at x and ends at y (to rounding);
//  - its length as the sum over T chords of sqrt(d^T G(midpoint) d) equals
//    pullback_distance to O(1/T^2): for the river the error summed over
//    the pairs falls by 4 (3.5 .. 4.5) from T = 100 to 200, each pair's by
//    100 (90 .. 110) from T = 100 to 1000, and it is below 1e-4 relative at
//    T = 1000;
//    for the two bananas the chord sum is exact at every T (f is quadratic,
//    so D phi(midpoint) d = phi(b) - phi(a) for any chord), to 1e-12;
//  - it is shorter than the straight line from x to y under G (integrated by
//    Simpson's rule), and strictly so (> 1 %) for most pairs;
//  - it is a local minimiser of length: bending it by +-1 % of |x - y| with
//    sin(pi t) along either axis makes it longer (negative control: the
//    same bends shorten the straight line for most pairs).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "datasets/planar_geometry.hpp"

using namespace structura;
using namespace structura::datasets;

namespace {

constexpr double pi = 3.141592653589793238462643383279502884;
constexpr PlanarKind kinds[] = {PlanarKind::banana, PlanarKind::squeezed_banana, PlanarKind::river};
const char* label(PlanarKind k) {
  return k == PlanarKind::banana ? "banana" : k == PlanarKind::squeezed_banana ? "squeezed banana" : "river";
}

double metric_norm(const PlanarSet& set, Vec2 at, Vec2 d) {
  const Mat2 g = pullback_metric(set, at);
  return std::sqrt(d[0] * (g[0] * d[0] + g[1] * d[1]) + d[1] * (g[2] * d[0] + g[3] * d[1]));
}

// Sum over the chords of a polygon (points [T + 1, 2]) of their G-length at the chord's midpoint.
double chord_length(const PlanarSet& set, const std::vector<double>& p) {
  double total = 0;
  for (std::size_t k = 0; k + 1 < p.size() / 2; ++k) {
    const Vec2 a{p[2 * k], p[2 * k + 1]}, b{p[2 * k + 2], p[2 * k + 3]};
    total += metric_norm(set, {(a[0] + b[0]) / 2, (a[1] + b[1]) / 2}, {b[0] - a[0], b[1] - a[1]});
  }
  return total;
}

std::vector<double> times(int steps) {
  std::vector<double> t(std::size_t(steps) + 1);
  for (int k = 0; k <= steps; ++k) t[std::size_t(k)] = double(k) / steps;
  return t;
}

std::vector<double> geodesic(const PlanarSet& set, Vec2 x, Vec2 y, int steps) {
  const double xs[2] = {x[0], x[1]}, ys[2] = {y[0], y[1]};
  return geodesics(set, xs, ys, times(steps));
}

// The straight line's G-length: Simpson's rule on |y - x|_G(x + t (y - x)).
double straight_length(const PlanarSet& set, Vec2 x, Vec2 y, int steps) {
  const Vec2 d{y[0] - x[0], y[1] - x[1]};
  double total = 0;
  for (int k = 0; k <= steps; ++k) {
    const double t = double(k) / steps, w = (k == 0 || k == steps) ? 1 : (k % 2 ? 4 : 2);
    total += w * metric_norm(set, {x[0] + t * d[0], x[1] + t * d[1]}, d);
  }
  return total / (3.0 * steps);
}

}  // namespace

TEST_CASE("planar geodesics: endpoints, length = pullback_distance to O(1/T^2), shorter than the straight line") {
  for (PlanarKind kind : kinds) {
    CAPTURE(std::string(label(kind)));
    const PlanarSet set(kind);
    const ManifoldRows rows = generate_planar(PlanarSettings{kind, PlanarSampler::exact, {}}, 31, 0, 20);
    double worst_end = 0, worst_exact = 0, worst_fine = 0, sum100 = 0, sum200 = 0, least_excess = 1e300;
    double low_1000 = 1e300, high_1000 = 0;  // range over the pairs of e(1000) / e(100), 1/100 at order 2
    int clearly_longer = 0;
    for (int p = 0; p < 10; ++p) {
      const Vec2 x{rows.row(2 * p)[0], rows.row(2 * p)[1]}, y{rows.row(2 * p + 1)[0], rows.row(2 * p + 1)[1]};
      const double d = pullback_distance(set, x, y);
      REQUIRE(d > 0);
      const std::vector<double> g100 = geodesic(set, x, y, 100);
      const double scale = 1 + std::abs(x[0]) + std::abs(x[1]) + std::abs(y[0]) + std::abs(y[1]);
      worst_end = std::max({worst_end, std::abs(g100[0] - x[0]) / scale, std::abs(g100[1] - x[1]) / scale,
                            std::abs(g100[200] - y[0]) / scale, std::abs(g100[201] - y[1]) / scale});
      const double e100 = std::abs(chord_length(set, g100) - d) / d;
      const double e200 = std::abs(chord_length(set, geodesic(set, x, y, 200)) - d) / d;
      const double e1000 = std::abs(chord_length(set, geodesic(set, x, y, 1000)) - d) / d;
      const double e7 = std::abs(chord_length(set, geodesic(set, x, y, 7)) - d) / d;
      sum100 += e100;
      sum200 += e200;
      worst_exact = std::max({worst_exact, e7, e100, e200, e1000});
      worst_fine = std::max(worst_fine, e1000);
      low_1000 = std::min(low_1000, e1000 / e100);
      high_1000 = std::max(high_1000, e1000 / e100);
      const double excess = straight_length(set, x, y, 2000) / d - 1;
      least_excess = std::min(least_excess, excess);
      if (excess > 1e-2) ++clearly_longer;
    }
    const double order = std::log2(sum100 / sum200);
    MESSAGE(fmt::format("{}: endpoints {:.1e}; |L_T - d| / d worst over T = 7 .. 1000 {:.1e} (T = 1000: {:.1e}), T 100 -> 200 ratio "
                        "{:.3f}, e(1000) / e(100) in [{:.5f}, {:.5f}]; straight line longer by >= {:.2e} (> 1 % for {} of 10)",
                        label(kind), worst_end, worst_exact, worst_fine, sum100 / sum200, low_1000, high_1000, least_excess,
                        clearly_longer));
    CHECK(worst_end < 1e-15);
    if (kind == PlanarKind::river) {
      CHECK(sum100 / sum200 > 3.5);
      CHECK(sum100 / sum200 < 4.5);
      CHECK(order == doctest::Approx(2).epsilon(0.1));
      CHECK(low_1000 > 0.009);
      CHECK(high_1000 < 0.011);
      CHECK(worst_fine < 1e-4);
    } else {
      CHECK(worst_exact < 1e-12);
    }
    CHECK(least_excess > -1e-10);  // never shorter than the geodesic (Simpson's error is far below this)
    CHECK(clearly_longer >= 5);
  }
}

TEST_CASE("planar geodesics: bending the geodesic makes it longer") {
  const int steps = 1000;
  const std::vector<double> t = times(steps);
  for (PlanarKind kind : kinds) {
    CAPTURE(std::string(label(kind)));
    const PlanarSet set(kind);
    const ManifoldRows rows = generate_planar(PlanarSettings{kind, PlanarSampler::exact, {}}, 31, 0, 20);
    // The least relative change of length under the four bends of a path.
    auto least_gain = [&](const std::vector<double>& path, double size) {
      const double length = chord_length(set, path);
      double least = 1e300;
      for (double eps : {1e-2, -1e-2})
        for (int axis = 0; axis < 2; ++axis) {
          std::vector<double> bent = path;
          for (int k = 0; k <= steps; ++k) bent[2 * std::size_t(k) + axis] += eps * size * std::sin(pi * t[k]);
          least = std::min(least, (chord_length(set, bent) - length) / length);
        }
      return least;
    };
    double geodesic_gain = 1e300;
    int straight_shortened = 0;  // negative control: the straight line is no critical point
    for (int p = 0; p < 10; ++p) {
      const Vec2 x{rows.row(2 * p)[0], rows.row(2 * p)[1]}, y{rows.row(2 * p + 1)[0], rows.row(2 * p + 1)[1]};
      const double size = std::hypot(y[0] - x[0], y[1] - x[1]);
      geodesic_gain = std::min(geodesic_gain, least_gain(geodesic(set, x, y, steps), size));
      std::vector<double> line(2 * std::size_t(steps) + 2);
      for (int k = 0; k <= steps; ++k)
        for (int c = 0; c < 2; ++c) line[2 * std::size_t(k) + c] = x[c] + t[k] * (y[c] - x[c]);
      if (least_gain(line, size) < 0) ++straight_shortened;
    }
    MESSAGE(fmt::format("{}: bent geodesics longer by >= {:.2e} (relative); a bend shortens the straight line "
                        "for {} of 10 pairs",
                        label(kind), geodesic_gain, straight_shortened));
    CHECK(geodesic_gain > 0);
    CHECK(straight_shortened >= 5);
  }
}
