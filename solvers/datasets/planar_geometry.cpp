#include "datasets/planar_geometry.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace structura::datasets {

Mat2 pullback_metric(const PlanarSet& set, Vec2 x) {
  const Mat2 j = set.jacobian(x);
  const Vec2 a = set.variances();
  const double w0 = 1.0 / (a[0] * a[0]), w1 = 1.0 / (a[1] * a[1]);
  // (J^T W J)_{kl} = sum_i J_ik w_i J_il
  return {j[0] * w0 * j[0] + j[2] * w1 * j[2], j[0] * w0 * j[1] + j[2] * w1 * j[3],
          j[1] * w0 * j[0] + j[3] * w1 * j[2], j[1] * w0 * j[1] + j[3] * w1 * j[3]};
}

Vec2 geodesic_point(const PlanarSet& set, Vec2 x, Vec2 y, double t) {
  const Vec2 zx = set.phi(x), zy = set.phi(y);
  return set.phi_inverse({(1 - t) * zx[0] + t * zy[0], (1 - t) * zx[1] + t * zy[1]});
}

std::vector<double> geodesics(const PlanarSet& set, std::span<const double> x, std::span<const double> y,
                              std::span<const double> t) {
  require(x.size() % 2 == 0, fmt::format("x: expected rows of 2 coordinates, got {} values", x.size()));
  require(y.size() == x.size(),
          fmt::format("y: expected as many values as x ({}), got {}", x.size(), y.size()));
  const std::size_t pairs = x.size() / 2, times = t.size();
  std::vector<double> out(pairs * times * 2);
  for (std::size_t p = 0; p < pairs; ++p) {
    const Vec2 zx = set.phi({x[2 * p], x[2 * p + 1]}), zy = set.phi({y[2 * p], y[2 * p + 1]});
    for (std::size_t k = 0; k < times; ++k) {
      const double s = t[k];
      const Vec2 g = set.phi_inverse({(1 - s) * zx[0] + s * zy[0], (1 - s) * zx[1] + s * zy[1]});
      out[(p * times + k) * 2] = g[0];
      out[(p * times + k) * 2 + 1] = g[1];
    }
  }
  return out;
}

double pullback_distance(const PlanarSet& set, Vec2 x, Vec2 y) {
  const Vec2 zx = set.phi(x), zy = set.phi(y), a = set.variances();
  return std::hypot((zx[0] - zy[0]) / a[0], (zx[1] - zy[1]) / a[1]);
}

}  // namespace structura::datasets
