// The 2-D sets (banana, squeezed banana, river) with their exact sampler.
// Truths: phi of the samples is N(0, diag a) (mean and variance within 5
// standard errors on 1e5 samples pooled over the ranks); the x-space moments
// in closed form (banana: E x1 = a2/9, Var x1 = a1 + 2 a2^2/81; river:
// E x1 = 0, Var x1 = a1 + (1 - exp(-8 a2))/2); phi^-1 o phi = identity to
// rounding; D phi and the score equal central finite differences; the
// normalised density integrates to 1 (a grid sum).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "datasets/planar_sets.hpp"
#include "moments.hpp"

using namespace structura;
using namespace structura::datasets;
using manifold_test::pooled_moments;

namespace {

constexpr PlanarKind kinds[] = {PlanarKind::banana, PlanarKind::squeezed_banana, PlanarKind::river};
const char* label(PlanarKind k) {
  return k == PlanarKind::banana ? "banana" : k == PlanarKind::squeezed_banana ? "squeezed banana" : "river";
}

}  // namespace

TEST_CASE("planar sets: phi(x) of exact samples is N(0, diag a); x moments in closed form") {
  const mpi::Comm world;
  const std::int64_t n = 100000;
  const Range mine = world.block(n);
  for (PlanarKind kind : kinds) {
    CAPTURE(std::string(label(kind)));
    const PlanarSet set(kind);
    const Vec2 a = set.variances();
    const ManifoldRows rows = generate_planar(PlanarSettings{kind, PlanarSampler::exact, {}}, 2024, mine.begin, mine.count);
    REQUIRE(rows.dimension == 2);
    std::vector<double> z0, z1, x1;
    for (std::int64_t r = 0; r < rows.count; ++r) {
      const Vec2 z = set.phi({rows.row(r)[0], rows.row(r)[1]});
      z0.push_back(z[0]);
      z1.push_back(z[1]);
      x1.push_back(rows.row(r)[0]);
    }
    const auto m0 = pooled_moments(z0, world), m1 = pooled_moments(z1, world), mx = pooled_moments(x1, world);
    MESSAGE(fmt::format("{}: phi means {:.4f} {:.4f}, variances {:.5f} (a1 {:.5f}) {:.4f} (a2 {:.4f})", label(kind),
                        m0.mean, m1.mean, m0.variance, a[0], m1.variance, a[1]));
    CHECK(m0.n == doctest::Approx(double(n)));
    CHECK(std::abs(m0.mean) < 5 * std::sqrt(a[0] / m0.n));
    CHECK(std::abs(m1.mean) < 5 * std::sqrt(a[1] / m1.n));
    CHECK(std::abs(m0.variance - a[0]) < 5 * std::sqrt(2.0 / m0.n) * a[0]);
    CHECK(std::abs(m1.variance - a[1]) < 5 * std::sqrt(2.0 / m1.n) * a[1]);
    // x1 = z1 + f(z2) with z2 ~ N(0, a2).
    double mean_x1 = 0, var_x1 = 0;
    if (kind == PlanarKind::river) {
      var_x1 = a[0] + 0.5 * (1 - std::exp(-8 * a[1]));
    } else {
      mean_x1 = a[1] / 9;
      var_x1 = a[0] + 2 * a[1] * a[1] / 81;
    }
    // Loose standard error of the mean: sqrt(Var / n); of the variance: a
    // generous sqrt(8 / n) Var, the fourth moment of x1 being above 3 Var^2.
    CHECK(std::abs(mx.mean - mean_x1) < 5 * std::sqrt(var_x1 / mx.n));
    CHECK(std::abs(mx.variance - var_x1) < 5 * std::sqrt(8.0 / mx.n) * var_x1);
  }
}

TEST_CASE("planar sets: phi^-1 o phi = id, D phi and the score equal finite differences, density normalised") {
  for (PlanarKind kind : kinds) {
    CAPTURE(std::string(label(kind)));
    const PlanarSet set(kind);
    const ManifoldRows rows = generate_planar(PlanarSettings{kind, PlanarSampler::exact, {}}, 7, 0, 200);
    double worst_inverse = 0, worst_jacobian = 0, worst_score = 0;
    for (std::int64_t r = 0; r < rows.count; ++r) {
      const Vec2 x{rows.row(r)[0], rows.row(r)[1]};
      const Vec2 back = set.phi_inverse(set.phi(x)), fwd = set.phi(set.phi_inverse(x));
      const double scale = 1 + std::abs(x[0]) + std::abs(x[1]);
      worst_inverse = std::max({worst_inverse, std::abs(back[0] - x[0]) / scale, std::abs(back[1] - x[1]) / scale,
                                std::abs(fwd[0] - x[0]) / scale, std::abs(fwd[1] - x[1]) / scale});
      const double h = 1e-5;
      const Mat2 j = set.jacobian(x);
      const Vec2 g = set.score(x);
      for (int c = 0; c < 2; ++c) {
        Vec2 xp = x, xm = x;
        xp[c] += h;
        xm[c] -= h;
        const Vec2 zp = set.phi(xp), zm = set.phi(xm);
        for (int i = 0; i < 2; ++i)
          worst_jacobian = std::max(worst_jacobian, std::abs((zp[i] - zm[i]) / (2 * h) - j[2 * i + c]));
        const double fd = (set.log_density(xp) - set.log_density(xm)) / (2 * h);
        worst_score = std::max(worst_score, std::abs(fd - g[c]) / (1 + std::abs(g[c])));
      }
    }
    MESSAGE(fmt::format("{}: |phi^-1 phi x - x| {:.1e}, D phi vs FD {:.1e}, score vs FD {:.1e}", label(kind),
                        worst_inverse, worst_jacobian, worst_score));
    CHECK(worst_inverse < 1e-14);
    CHECK(worst_jacobian < 1e-8);
    CHECK(worst_score < 1e-6);
    // The latent Gaussian integrates to 1 and phi has unit Jacobian, so a
    // Riemann sum of exp(log p) over a box holding 10 standard deviations
    // of z must give 1.
    const Vec2 a = set.variances();
    const double w2 = 10 * std::sqrt(a[1]), cells = 1200;
    double total = 0;
    const double d2 = 2 * w2 / cells;
    for (int j2 = 0; j2 < int(cells); ++j2) {
      const double x2 = -w2 + (j2 + 0.5) * d2;
      const double c1 = set.shear(x2), w1 = 10 * std::sqrt(a[0]), d1 = 2 * w1 / cells;
      for (int j1 = 0; j1 < int(cells); ++j1) total += std::exp(set.log_density({c1 - w1 + (j1 + 0.5) * d1, x2})) * d1 * d2;
    }
    CHECK(total == doctest::Approx(1.0).epsilon(1e-9));
  }
}
