// The symmetry group of 2-D Allen-Cahn (pde/allen_cahn_symmetries.hpp).
// Truths: the group laws against the actions applied in turn; central
// differences of the action at the identity against the generators (on
// points, and on a sampled field against the analytic derivative); the
// sampled action against the analytically transformed field (a band-limited
// field under sub-cell translations, compactly supported fields under
// rotations by 30 degrees); and the equation itself: the PETSc solve
// (allen_cahn_2d.hpp) of g . u0 against g . (the solve of u0), which must
// agree for a symmetry and must not for a broken action.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/allen_cahn_2d.hpp"
#include "pde/allen_cahn_symmetries.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::pde;

namespace {

const double pi = std::numbers::pi;

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double e = 0;
  for (std::size_t i = 0; i < a.size(); ++i) e = std::max(e, std::abs(a[i] - b[i]));
  return e;
}

template <class F>
std::vector<double> sample(std::int64_t n, F f) {
  std::vector<double> u;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) u.push_back(f(double(i) / double(n), double(j) / double(n)));
  return u;
}

double point_distance(const AcPoint& a, const AcPoint& b) {
  return std::max({std::abs(a.x - b.x), std::abs(a.y - b.y), std::abs(a.t - b.t), std::abs(a.u - b.u)});
}

// A band-limited, non-symmetric periodic field (modes of degree <= 3).
double wavy(double x, double y) {
  return 0.6 * std::sin(2 * pi * x) * std::cos(2 * pi * y) + 0.3 * std::cos(2 * pi * (2 * x + y) + 0.4) +
         0.2 * std::sin(2 * pi * 3 * y + 1.0);
}

// An anisotropic Gaussian off the centre: below 1e-16 outside the disc of
// radius 1/2 about the centre (0.44 away from its own centre, 8.8 of its
// widths), resolved to rounding on 64^2 (its Fourier transform at the
// Nyquist frequency: exp(-(pi 64 0.04)^2 / 2) ~ 1e-14).
const double bx0 = 0.55, by0 = 0.47, sx = 0.04, sy = 0.05;
double blob(double x, double y) {
  const double dx = x - bx0, dy = y - by0;
  return std::exp(-(dx * dx) / (2 * sx * sx) - (dy * dy) / (2 * sy * sy));
}

}  // namespace

TEST_CASE("group laws: exp(v) exp(-v) = id, compose = the actions in turn, inverse") {
  const AllenCahnSymmetries G(1.0);
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> r(-2, 2);
  for (int trial = 0; trial < 20; ++trial) {
    const std::array<double, 4> a{r(gen), r(gen), r(gen), r(gen)};
    const std::array<double, 4> minus{-a[0], -a[1], -a[2], -a[3]};
    const AcGroupElement g1 = G.exp(a), g1m = G.exp(minus);
    AcGroupElement g2 = G.exp({r(gen), r(gen), r(gen), r(gen)});
    if (trial % 2) g2 = G.compose(AllenCahnSymmetries::negation(), g2);
    const AcPoint p{r(gen), r(gen), r(gen), r(gen)};
    CHECK(point_distance(G.act(G.compose(g1, g1m), p), p) < 1e-13);
    CHECK(point_distance(G.act(G.compose(g2, g1), p), G.act(g2, G.act(g1, p))) < 1e-13);
    CHECK(point_distance(G.act(G.inverse(g2), G.act(g2, p)), p) < 1e-13);
    CHECK(point_distance(G.act(g1m, p), G.act(G.inverse(g1), p)) < 1e-13);
    // A one-parameter subgroup: exp(a) = exp(a/2) exp(a/2).
    const AcGroupElement half = G.exp({a[0] / 2, a[1] / 2, a[2] / 2, a[3] / 2});
    CHECK(point_distance(G.act(G.compose(half, half), p), G.act(g1, p)) < 1e-13);
  }
  CHECK(G.act(AllenCahnSymmetries::negation(), {0.1, 0.2, 0.3, 0.4}).u == -0.4);
  CHECK_THROWS_AS(G.generator(4, {}), InputError);
  CHECK_THROWS_AS(AllenCahnSymmetries(0.0), InputError);
}

TEST_CASE("the derivative of the action at the identity is the generator") {
  const AllenCahnSymmetries G(2.0);  // centre (1, 1)
  const double e = 1e-5;
  for (const AcPoint& p : {AcPoint{0.3, 1.7, 0.2, 0.5}, AcPoint{1.9, 0.1, 3.0, -1.0}}) {
    std::array<double, 4> combined{};
    const std::array<double, 4> weights{0.3, -0.7, 1.1, 0.9};
    for (int i = 0; i < 4; ++i) {
      std::array<double, 4> plus{}, minus{};
      plus[std::size_t(i)] = e;
      minus[std::size_t(i)] = -e;
      const AcPoint a = G.act(G.exp(plus), p), b = G.act(G.exp(minus), p);
      const std::array<double, 4> fd{(a.x - b.x) / (2 * e), (a.y - b.y) / (2 * e), (a.t - b.t) / (2 * e),
                                     (a.u - b.u) / (2 * e)};
      const std::array<double, 4> v = G.generator(i, p);
      for (int c = 0; c < 4; ++c) {
        CHECK(std::abs(fd[std::size_t(c)] - v[std::size_t(c)]) < 1e-9);
        combined[std::size_t(c)] += weights[std::size_t(i)] * v[std::size_t(c)];
      }
    }
    std::array<double, 4> plus{}, minus{};
    for (int i = 0; i < 4; ++i) {
      plus[std::size_t(i)] = e * weights[std::size_t(i)];
      minus[std::size_t(i)] = -e * weights[std::size_t(i)];
    }
    const AcPoint a = G.act(G.exp(plus), p), b = G.act(G.exp(minus), p);
    CHECK(std::abs((a.x - b.x) / (2 * e) - combined[0]) < 1e-9);
    CHECK(std::abs((a.y - b.y) / (2 * e) - combined[1]) < 1e-9);
  }
  // On a sampled field: d/de (exp(e v_rot) . u) = -(xi u_x + eta u_y), the
  // characteristic of the rotation, for the blob's analytic derivatives.
  const AllenCahnSymmetries unit(1.0);
  const std::int64_t n = 64;
  const std::vector<double> u = sample(n, blob);
  const double d = 1e-4;
  const std::vector<double> up = unit.act_on_field(unit.exp({0, 0, 0, d}), u, n);
  const std::vector<double> down = unit.act_on_field(unit.exp({0, 0, 0, -d}), u, n);
  double worst = 0, scale = 0;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = double(i) / double(n), y = double(j) / double(n);
      const double ux = -(x - bx0) / (sx * sx) * blob(x, y), uy = -(y - by0) / (sy * sy) * blob(x, y);
      const double expected = -(-(y - 0.5) * ux + (x - 0.5) * uy);
      const std::size_t at = std::size_t(j * n + i);
      worst = std::max(worst, std::abs((up[at] - down[at]) / (2 * d) - expected));
      scale = std::max(scale, std::abs(expected));
    }
  MESSAGE("field derivative along the rotation: max error " << worst << " of max " << scale);
  CHECK(worst < 1e-5 * scale);
}

TEST_CASE("the sampled action against the transformed field") {
  const AllenCahnSymmetries G(1.0);
  const std::int64_t n = 32;
  const std::vector<double> w = sample(n, wavy);
  // Sub-cell translations of a band-limited field: exact to rounding.
  const AcGroupElement shift{0, 0.37 / 32, -1.21 / 32, 0.5, 1};
  const double t1 = max_difference(G.act_on_field(shift, w, n),
                                   sample(n, [&](double x, double y) { return wavy(x - shift.bx, y - shift.by); }));
  MESSAGE("sub-cell translation of a band-limited field: " << t1);
  CHECK(t1 < 1e-12);
  // Whole cells and quarter turns: a permutation, exact.
  const AcGroupElement quarter{pi / 2, 3.0 / 32, -5.0 / 32, 0, -1};
  {
    // A quarter turn about the centre, as indices: x' = (i', j') <- (j', n - i').
    std::vector<double> turned(w.size());
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int64_t i = 0; i < n; ++i) turned[std::size_t(j * n + i)] = -w[std::size_t(((n - i) % n) * n + j)];
    CHECK(G.act_on_field({pi / 2, 0, 0, 0, -1}, w, n) == turned);  // bit for bit
  }
  CHECK(max_difference(G.act_on_field(quarter, w, n), sample(n, [&](double x, double y) {
          const AcPoint s = G.act(G.inverse(quarter), {x, y, 0, 0});
          return -wavy(s.x, s.y);
        })) < 1e-14);
  // Rotations by 30 degrees of fields supported inside the disc: the
  // periodic extension's resampling is the rotated field.
  const std::int64_t m = 64;
  const std::vector<double> b = sample(m, blob);
  const AcGroupElement rot{pi / 6, 0.02, -0.03, 0, 1};
  const auto rotated = sample(m, [&](double x, double y) {
    const AcPoint s = G.act(G.inverse(rot), {x, y, 0, 0});
    return blob(s.x, s.y);
  });
  const double r1 = max_difference(G.act_on_field(rot, b, m), rotated);
  MESSAGE("30 degree rotation of a compactly supported blob: " << r1);
  CHECK(r1 < 1e-9);
  // The same rotation the wrong way is caught by the same comparison.
  CHECK(max_difference(G.act_on_field(G.inverse(rot), b, m), rotated) > 0.1);
  // compose = the sampled actions in turn.
  const AcGroupElement g2{-0.4, 0.011, 0.0, 0, -1};
  const double c1 = max_difference(G.act_on_field(G.compose(g2, rot), b, m),
                                   G.act_on_field(g2, G.act_on_field(rot, b, m), m));
  MESSAGE("compose vs in turn on the blob: " << c1);
  CHECK(c1 < 1e-8);
  CHECK_THROWS_AS(G.act_on_field(rot, std::vector<double>(10, 0.0), m), InputError);
  CHECK_THROWS_AS(G.act_on_field({0, 0, 0, 0, 2}, b, m), InputError);
}

TEST_CASE("the Allen-Cahn solve commutes with the group; a broken action does not") {
  petsc::PetscSession petsc;
  const mpi::Comm world{};
  const AllenCahnSymmetries G(1.0);
  AllenCahn2dOptions o;
  o.points = 32;
  o.epsilon = 0.05;
  o.t_end = 0.25;
  o.dt = 1.0 / 64;
  const std::int64_t n = o.points;
  const std::vector<double> u0 = sample(n, wavy);
  const std::vector<double> u1 = solve_allen_cahn_2d(u0, o, world).u;
  const auto commutation = [&](const AcGroupElement& on_initial, const AcGroupElement& on_solution) {
    const std::vector<double> a = solve_allen_cahn_2d(G.act_on_field(on_initial, u0, n), o, world).u;
    return max_difference(a, G.act_on_field(on_solution, u1, n));
  };
  const AcGroupElement neg = AllenCahnSymmetries::negation();
  const AcGroupElement cells{0, 5.0 / 32, -3.0 / 32, 0, 1}, quarter{pi / 2, 0, 0, 0, 1};
  const AcGroupElement sub{0, 0.3 / 32, 0.55 / 32, 0, 1};
  CHECK(commutation(neg, neg) == 0);  // every operation of the solve is odd, exactly
  const double e_cells = commutation(cells, cells), e_quarter = commutation(quarter, quarter);
  const double e_sub = commutation(sub, sub);
  MESSAGE("commutation errors: whole cells " << e_cells << ", quarter turn " << e_quarter << ", sub-cell " << e_sub);
  CHECK(e_cells < 1e-12);  // CG sums in another order: rounding
  CHECK(e_quarter < 1e-12);
  CHECK(e_sub < 1e-5);  // the trigonometric interpolation of the cubic's aliased modes
  // Broken actions: the wrong rotation on the non-symmetric field, and u -> -u + 0.1.
  CHECK(commutation(quarter, G.inverse(quarter)) > 0.1);
  const std::vector<double> shifted_neg = [&] {
    std::vector<double> v = G.act_on_field(neg, u0, n);
    for (double& x : v) x += 0.1;
    return solve_allen_cahn_2d(v, o, world).u;
  }();
  std::vector<double> expected = G.act_on_field(neg, u1, n);
  for (double& x : expected) x += 0.1;
  CHECK(max_difference(shifted_neg, expected) > 1e-2);
}
