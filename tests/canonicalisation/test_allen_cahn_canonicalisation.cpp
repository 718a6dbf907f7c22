// The Allen-Cahn group as a LieLAC group and the front energy
// (canonicalisation/allen_cahn_group.hpp, front_energy.hpp). Truths: group
// identities (g g^-1 = e, exp against AllenCahnSymmetries::exp with the
// scales); the moments of an analytic elliptical droplet (its centre and
// axis angle, known by symmetry); the closed-form (equivariant) energy
// against the energy of the field moved by the sampled action; LieLAC
// recovering a rotation and translation applied to a droplet (the found
// frame composed with the applied element is the identity, the angle mod
// pi: an ellipse is symmetric under the half turn); errors naming the key.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "canonicalisation/allen_cahn_group.hpp"
#include "canonicalisation/front_energy.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"

using namespace structura;
using namespace structura::canonicalisation;

namespace {

// u = -tanh(d / (sqrt 2 eps)), d = (rho^2 - 1) / (2 |grad rho^2 / 2|) the first-order distance to the ellipse
// of semi-axes (a, b) at angle phi centred at (cx, cy): +1 inside.
std::vector<double> droplet(std::int64_t n, double a, double b, double phi, double cx, double cy, double eps = 0.04) {
  std::vector<double> u;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const double x = double(i) / double(n) - cx, y = double(j) / double(n) - cy;
      const double p = std::cos(phi) * x + std::sin(phi) * y, q = -std::sin(phi) * x + std::cos(phi) * y;
      const double rho2 = (p / a) * (p / a) + (q / b) * (q / b);
      const double grad = std::hypot(p / (a * a), q / (b * b));  // |grad rho^2 / 2|: smooth, unlike |grad rho|
      u.push_back(grad > 0 ? -std::tanh((rho2 - 1) / (2 * grad) / (std::sqrt(2.0) * eps)) : 1.0);
    }
  return u;
}

double wrap_half_turn(double a) { return a - std::numbers::pi * std::round(a / std::numbers::pi); }

const pde::AllenCahnSymmetries symmetries(1.0);

}  // namespace

TEST_CASE("the Allen-Cahn group: identities, scaled exp, errors naming the key") {
  const AllenCahnGroup group(symmetries, {0, 1, 3}, {0.1, 0.1, 1.0});
  CHECK(group.dimension() == 3);
  const std::vector<double> eps = {0.3, -0.7, 0.9};
  const Element g = group.exp(eps);
  const pde::AcGroupElement direct = symmetries.exp({0.03, -0.07, 0, 0.9});
  CHECK(AllenCahnGroup::unpack(g).theta == doctest::Approx(direct.theta));
  CHECK(AllenCahnGroup::unpack(g).bx == doctest::Approx(direct.bx));
  CHECK(AllenCahnGroup::unpack(g).by == doctest::Approx(direct.by));
  const Element e = group.compose(g, group.inverse(g));
  for (std::size_t i = 0; i < 4; ++i) CHECK(std::abs(e[i] - group.identity()[i]) < 1e-14);
  CHECK(e[4] == 1.0);
  CHECK_THROWS_WITH_AS(AllenCahnGroup(symmetries, {0, 4}, {1, 1}, "canonicalisation.generators"),
                       doctest::Contains("canonicalisation.generators"), InputError);
  CHECK_THROWS_WITH_AS(AllenCahnGroup(symmetries, {3, 3}, {1, 1}, "canonicalisation.generators"),
                       doctest::Contains("twice"), InputError);
  CHECK_THROWS_AS(AllenCahnGroup(symmetries, {0}, {0.0}), InputError);
}

TEST_CASE("the moments of an elliptical droplet: its centre and its axis") {
  const std::vector<double> u = droplet(64, 0.25, 0.1, 0.3, 0.52, 0.47);
  const FrontMoments m = front_moments(u, 64, 1.0);
  CHECK(std::abs(m.mx - 0.52) < 1e-3);
  CHECK(std::abs(m.my - 0.47) < 1e-3);
  CHECK(std::abs(m.orientation() - 0.3) < 1e-3);
  CHECK(m.cxx + m.cyy > 0);
  CHECK(m.mass == doctest::Approx(std::numbers::pi * 0.25 * 0.1).epsilon(0.05));
  // A negated field (the droplet's complement) is not a droplet of +1 in -1:
  // its moments are those of the background; an all -1 field has no mass.
  const FrontMoments none = front_moments(std::vector<double>(64 * 64, -1.0), 64, 1.0);
  CHECK(none.mass == 0);
}

TEST_CASE("the equivariant energy equals the energy of the field moved by the sampled action") {
  const std::int64_t n = 32;
  const std::vector<double> u = droplet(n, 0.18, 0.09, 0.1, 0.5, 0.5, 0.03);
  const AllenCahnGroup group(symmetries, {0, 1, 3}, {0.1, 0.1, 1.0});
  FrontEnergyOptions o;
  o.position_scale = 0.05;
  const FrontEnergy closed(group, u, n, o, FrontEvaluation::Equivariant);
  const FrontEnergy sampled(group, u, n, o, FrontEvaluation::Sampled);
  double worst_angle = 0, worst_position = 0;
  for (int k = 0; k < 6; ++k) {
    const std::vector<double> eps = {0.8 * std::sin(1.3 * k), -0.6 * std::cos(0.7 * k), 1.4 * std::sin(2.1 * k + 0.5)};
    const pde::AcGroupElement h = AllenCahnGroup::unpack(group.exp(eps));
    const FrontMoments a = move_moments(symmetries, h, front_moments(u, n, 1.0));
    const FrontMoments b = front_moments(act_rotating_first(symmetries, h, u, n), n, 1.0);  // u is centred
    worst_angle = std::max(worst_angle, std::abs(wrap_half_turn(a.orientation() - b.orientation())));
    worst_position = std::max(worst_position, std::hypot(a.mx - b.mx, a.my - b.my));
    const double ea = closed(group.exp(eps)), eb = sampled(group.exp(eps));
    CAPTURE(k);
    CHECK(std::abs(ea - eb) < 0.02 * std::max(1.0, ea));
  }
  MESSAGE("equivariant vs sampled moments at 32^2: orientation to ", worst_angle, " rad, centroid to ", worst_position);
  CHECK(worst_angle < 1e-3);
  CHECK(worst_position < 5e-4);
  // u -> -u is outside the energy's domain: +infinity, dropped by the descent.
  Element negated = group.identity();
  negated[4] = -1;
  CHECK(std::isinf(closed(negated)));
}

TEST_CASE("LieLAC recovers an applied rotation and translation of a droplet") {
  const mpi::Comm comm{};
  const AllenCahnGroup group(symmetries, {0, 1, 3}, {0.1, 0.1, 1.0});
  FrontEnergyOptions o;
  o.position_scale = 0.05;
  DescentOptions d;
  d.restarts = 8;
  d.steps = 150;
  d.learning_rate = 0.05;
  d.init_scale = 1.0;
  for (const auto evaluation : {FrontEvaluation::Equivariant, FrontEvaluation::Sampled}) {
    const std::int64_t n = evaluation == FrontEvaluation::Sampled ? 24 : 48;
    if (evaluation == FrontEvaluation::Sampled) {
      d.restarts = 2;
      d.steps = 80;
    }
    const std::vector<double> u = droplet(n, 0.18, 0.09, 0.0, 0.5, 0.5, 0.03);
    const pde::AcGroupElement g{0.9, 0.06, -0.04, 0, 1};
    const std::vector<double> moved = act_rotating_first(symmetries, g, u, n);
    const FrontEnergy energy(group, moved, n, o, evaluation);
    const FiniteDifferenceEnergy chart(group, [&](const Element& h) { return energy(h); });
    const Canonicalisation r = canonicalise(group, chart, d, comm);
    const pde::AcGroupElement kg = symmetries.compose(AllenCahnGroup::unpack(r.element), g);
    CAPTURE(int(evaluation));
    MESSAGE(std::string(evaluation == FrontEvaluation::Sampled ? "sampled" : "equivariant"), " at ", n, "^2: energy ",
            r.energy, " (identity ", r.identity_energy, "), angle residual ", wrap_half_turn(kg.theta), ", centre ",
            std::hypot(kg.bx, kg.by));
    CHECK(r.energy < 1e-3);
    CHECK(r.identity_energy > 10);
    CHECK(std::abs(wrap_half_turn(kg.theta)) < 5e-3);
    CHECK(std::hypot(kg.bx, kg.by) < 2e-3);
  }
}
