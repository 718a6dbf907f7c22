// LieLAC on PDE data (canonicalisation/pde_*.hpp), run on 1 and 2 ranks.
// Truths: pde::SymmetryGroup's own exp/compose/inverse; trigonometric shifts
// of band-limited fields; the PETSc solver's commutation with the framed
// action (a symmetry maps solutions to solutions; a broken action is caught
// by the same comparison); closed-form canonical elements (a boost removing
// a known mean, an amplitude removing a known factor); a "pre-trained"
// model that is only right in distribution (linear heat as a surrogate for
// Burgers at zero mean) whose error returns to its in-distribution value
// after canonicalisation; the search on one rank alone equal to the search
// over all ranks.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "canonicalisation/pde_energies.hpp"
#include "canonicalisation/pde_frame.hpp"
#include "canonicalisation/pde_groups.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"
#include "pde/periodic_1d.hpp"
#include "pde/random_field.hpp"
#include "petsc/session.hpp"

using namespace structura;
using namespace structura::canonicalisation;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};
constexpr double kNu = 0.01;
constexpr std::int64_t kPoints = 128;
constexpr double kT = 0.2;

double l2(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s / static_cast<double>(a.size()));
}
double l2(const std::vector<double>& a) { return l2(a, std::vector<double>(a.size(), 0.0)); }

pde::Periodic1dOptions solver(pde::Equation1d equation) {
  pde::Periodic1dOptions o;
  o.equation = equation;
  o.points = kPoints;
  o.nu = kNu;
  o.order = 4;
  o.t_end = kT;
  o.dt = 5e-4;
  return o;
}

std::vector<double> solve(pde::Equation1d equation, const std::vector<double>& u0) {
  return pde::solve_periodic_1d(u0, solver(equation), self).u;
}

// The Burgers data set's field (Wang et al.), sample `index`.
std::vector<double> grf_sample(std::uint64_t index) {
  return pde::periodic_grf(pde::PeriodicGrfOptions{}, kPoints, 2021, index);
}

DescentOptions descent(int restarts, int steps, double lr) {
  DescentOptions o;
  o.restarts = restarts;
  o.steps = steps;
  o.learning_rate = lr;
  o.init_scale = 0.5;
  o.seed = 3;
  o.batch = 8;
  return o;
}

pde::GroupElement boost(double lambda0, double lambda1) {
  pde::GroupElement g;
  g.lambda0 = lambda0;
  g.lambda1 = lambda1;
  return g;
}

}  // namespace

TEST_CASE("the wrapped groups are pde::SymmetryGroup with TIED's scales; bad generator lists name the key") {
  for (auto equation : {pde::SymmetricEquation::Heat, pde::SymmetricEquation::Burgers}) {
    const pde::SymmetryGroup g(equation, kNu);
    std::vector<int> all;
    for (int i = 0; i < g.dimension(); ++i) all.push_back(i);
    const auto group = PdeSymmetryGroup::tied(g, all);
    const double sl2 = equation == pde::SymmetricEquation::Heat ? 0.02 : 0.1;
    const std::vector<double> eps{0.3, -0.2, 0.5, 0.1, -0.4, 0.2};
    std::vector<double> scaled(eps.begin(), eps.begin() + g.dimension());
    for (int i = 0; i < g.dimension(); ++i) {
      const bool in_sl2 = i == 1 || i == 3 || i == (equation == pde::SymmetricEquation::Heat ? 5 : 4);
      scaled[static_cast<std::size_t>(i)] *= in_sl2 ? sl2 : 1.0;
    }
    const Element a = group.exp(std::span<const double>(eps.data(), static_cast<std::size_t>(g.dimension())));
    CHECK(a == PdeSymmetryGroup::pack(g.exp(scaled)));
    const Element b = group.exp(std::vector<double>(static_cast<std::size_t>(g.dimension()), 0.1));
    CHECK(group.compose(a, b) == PdeSymmetryGroup::pack(g.compose(PdeSymmetryGroup::unpack(a), PdeSymmetryGroup::unpack(b))));
    const Element round_trip = group.compose(a, group.inverse(a));
    for (std::size_t i = 0; i < 7; ++i) CHECK(round_trip[i] == doctest::Approx(group.identity()[i]).scale(1));
  }
  const pde::SymmetryGroup burgers(pde::SymmetricEquation::Burgers, kNu);
  CHECK_THROWS_WITH_AS(PdeSymmetryGroup::tied(burgers, {0, 5}), doctest::Contains("canonicalisation.generators"),
                       InputError);
  CHECK_THROWS_WITH_AS(PdeSymmetryGroup::tied(burgers, {2, 2}), doctest::Contains("repeat"), InputError);
  CHECK_THROWS_AS(PdeSymmetryGroup::tied(burgers, {}), InputError);
  CHECK_THROWS_AS(PdeSymmetryGroup(burgers, {0}, {-1.0}), InputError);
}

TEST_CASE("a periodic shift is exact on band-limited fields and a permutation for whole cells") {
  const double L = 2.0;
  const auto x = pde::periodic_grid(64, L);
  std::vector<double> u, shifted, expected;
  const double s = 0.3137;
  for (double xi : x) {
    auto f = [&](double y) { return std::sin(2 * std::numbers::pi * y / L) + 0.5 * std::cos(6 * std::numbers::pi * y / L) + 0.2; };
    u.push_back(f(xi));
    expected.push_back(f(xi - s));
  }
  shifted = periodic_shift(u, s, L);
  CHECK(l2(shifted, expected) < 1e-13);
  // Whole cells: a rotation of the samples, for any data.
  const auto rough = grf_sample(5);
  const auto by3 = periodic_shift(rough, 3.0 / kPoints, 1.0);
  double worst = 0;
  for (std::int64_t i = 0; i < kPoints; ++i)
    worst = std::max(worst, std::abs(by3[static_cast<std::size_t>((i + 3) % kPoints)] - rough[static_cast<std::size_t>(i)]));
  CHECK(worst < 1e-13);
}

TEST_CASE("the framed action commutes with the PETSc solve; a broken action does not") {
  petsc::PetscSession petsc;
  // Burgers: boost and translation, u~(x, t) = u(x - lambda1 t - lambda0, t) + lambda1.
  {
    const pde::SymmetryGroup g(pde::SymmetricEquation::Burgers, kNu);
    const auto u0 = grf_sample(1);
    const auto k = frame_element(g, g.compose(boost(0.23, 0.7), g.one_parameter(1, 0.05)));  // a time shift too
    CHECK(k.beta == doctest::Approx(0).scale(1));
    const auto direct = solve(pde::Equation1d::Burgers, to_frame(g, k, u0, 1.0));
    const auto mapped = act_on_snapshot(g, k, solve(pde::Equation1d::Burgers, u0), 1.0, kT);
    const double error = l2(direct, mapped) / l2(direct);
    MESSAGE("Burgers commutation error " << error);
    CHECK(error < 1e-5);  // measured 6.8e-7 (order-4 differences, 128 points)
    // The action without the boost's shift lambda1 t is no symmetry.
    auto broken = k;
    broken.lambda1 = 0;
    auto wrong = act_on_snapshot(g, broken, solve(pde::Equation1d::Burgers, u0), 1.0, kT);
    for (double& v : wrong) v += 0.7;
    CHECK(l2(direct, wrong) / l2(direct) > 30 * error);
    // And mapping back recovers the solution of the original input.
    CHECK(l2(from_frame(g, k, direct, 1.0, kT), solve(pde::Equation1d::Burgers, u0)) / l2(direct) < 1e-3);
  }
  // Heat: amplitude and translation (linear, so to rounding and interpolation).
  {
    const pde::SymmetryGroup g(pde::SymmetricEquation::Heat, kNu);
    const auto u0 = grf_sample(2);
    pde::GroupElement h = boost(-0.41, 0.0);
    h.log_sigma = std::log(3.0);
    const auto k = frame_element(g, h);
    const auto direct = solve(pde::Equation1d::Heat, to_frame(g, k, u0, 1.0));
    const auto mapped = act_on_snapshot(g, k, solve(pde::Equation1d::Heat, u0), 1.0, kT);
    CHECK(l2(direct, mapped) / l2(direct) < 1e-6);
  }
}

TEST_CASE("elements that leave the periodic frame are errors, and dropped by the descent") {
  const pde::SymmetryGroup burgers(pde::SymmetricEquation::Burgers, kNu);
  const pde::SymmetryGroup heat(pde::SymmetricEquation::Heat, kNu);
  CHECK_THROWS_WITH_AS(frame_element(burgers, burgers.one_parameter(3, 0.2)),
                       doctest::Contains("canonicalisation.generators"), NumericalError);  // scaling: L -> e^0.2 L
  CHECK_THROWS_AS(frame_element(burgers, burgers.one_parameter(4, 0.1)), NumericalError);  // projective
  CHECK_THROWS_AS(frame_element(heat, heat.one_parameter(4, 0.1)), NumericalError);        // heat boost
  // Canonicalising over scalings only: every candidate but the identity is
  // off the frame, so the documented fallback is the identity itself.
  const auto u0 = grf_sample(3);
  const GrfTypicalityEnergy energy(burgers, u0, pde::PeriodicGrfOptions{});
  const auto group = PdeSymmetryGroup::tied(burgers, {3});
  const FiniteDifferenceEnergy chart(group, energy);
  const auto r = canonicalise(group, chart, descent(6, 10, 0.05), world);
  CHECK(r.element == group.identity());
  CHECK(r.energy == r.identity_energy);
  CHECK_THROWS_WITH_AS(GrfTypicalityEnergy(burgers, u0, pde::PeriodicGrfOptions{}, 64),
                       doctest::Contains("canonicalisation.modes"), InputError);
}

TEST_CASE("Burgers: the boost that removes a mean is found; the surrogate's error returns to its in-distribution level") {
  petsc::PetscSession petsc;
  const pde::SymmetryGroup g(pde::SymmetricEquation::Burgers, kNu);
  const auto group = PdeSymmetryGroup::tied(g, {2});  // the Galilean boost
  const double c = 1.0;  // the mean of the out-of-distribution input: about 7 s_1
  // "Pre-trained" model that is right only near the training data (zero
  // mean, small amplitude): linear heat, Burgers without its advection.
  auto model = [&](const std::vector<double>& u0) { return solve(pde::Equation1d::Heat, u0); };

  double in_error = 0, raw_error = 0, canonical_error = 0;
  const int inputs = 3;
  for (int i = 0; i < inputs; ++i) {
    const auto u0 = grf_sample(10 + static_cast<std::uint64_t>(i));
    const auto shifted = to_frame(g, frame_element(g, boost(0.17 * i, c)), u0, 1.0);  // g . u0
    const auto truth = solve(pde::Equation1d::Burgers, shifted);

    const GrfTypicalityEnergy energy(g, shifted, pde::PeriodicGrfOptions{});
    const FiniteDifferenceEnergy chart(group, energy);
    auto options = descent(8, 150, 0.05);
    options.input_index = static_cast<std::uint64_t>(i);
    const auto r = canonicalise(group, chart, options, world);
    const auto k = frame_element(g, PdeSymmetryGroup::unpack(r.element));
    CAPTURE(i);
    CHECK(k.lambda1 == doctest::Approx(-c).epsilon(1e-3));  // the boost undone
    // The canonical input is as typical as the in-distribution sample.
    CHECK(r.energy == doctest::Approx(energy.of_field(u0)).epsilon(1e-3).scale(1e-3));
    CHECK(r.identity_energy > 10 * (r.energy + 1));

    const auto canonical_prediction = from_frame(g, k, model(to_frame(g, k, shifted, 1.0)), 1.0, kT);
    in_error += l2(model(u0), solve(pde::Equation1d::Burgers, u0)) / inputs;
    raw_error += l2(model(shifted), truth) / inputs;
    canonical_error += l2(canonical_prediction, truth) / inputs;
  }
  MESSAGE("surrogate L2 error: in distribution " << in_error << ", out of distribution " << raw_error
                                                  << ", canonicalised " << canonical_error);
  CHECK(raw_error > 3 * in_error);
  CHECK(canonical_error < 1.05 * in_error);
}

TEST_CASE("an input from the training distribution keeps (nearly) the identity; ranks do not matter") {
  const pde::SymmetryGroup g(pde::SymmetricEquation::Burgers, kNu);
  const auto group = PdeSymmetryGroup::tied(g, {0, 2});
  const auto u0 = grf_sample(20);
  const GrfTypicalityEnergy energy(g, u0, pde::PeriodicGrfOptions{});
  const FiniteDifferenceEnergy chart(group, energy);
  const auto spread = canonicalise(group, chart, descent(6, 60, 0.05), world);
  const auto alone = canonicalise(group, chart, descent(6, 60, 0.05), self);
  CHECK(spread.element == alone.element);
  CHECK(spread.energy == alone.energy);
  CHECK(spread.restart == alone.restart);
  CHECK(std::abs(PdeSymmetryGroup::unpack(spread.element).lambda1) < 1e-6);  // no boost
  CHECK(spread.energy <= spread.identity_energy);
}

TEST_CASE("heat with TIED's domain energy: the amplitude is removed exactly, A = 1 keeps the identity") {
  petsc::PetscSession petsc;
  const pde::SymmetryGroup g(pde::SymmetricEquation::Heat, kNu);
  const auto group = PdeSymmetryGroup::tied(g, {2});  // u d_u, the amplitude
  const auto x = pde::periodic_grid(kPoints, 1.0);
  auto initial = [&](double amplitude) {
    std::vector<double> u;
    for (double xi : x) u.push_back(amplitude * std::sin(4 * std::numbers::pi * xi));
    return u;
  };
  TrainingDomain domain;
  domain.u = Interval{-1, 1};
  for (double amplitude : {1.0, 3.0}) {
    CAPTURE(amplitude);
    const auto u0 = initial(amplitude);
    const DomainMismatchEnergy energy(g, x, u0, {kT}, domain);
    const FiniteDifferenceEnergy chart(group, energy);
    const auto r = canonicalise(group, chart, descent(4, 300, 0.05), world);
    const auto k = frame_element(g, PdeSymmetryGroup::unpack(r.element));
    CHECK(k.log_sigma == doctest::Approx(-std::log(amplitude)).epsilon(1e-4).scale(1e-6));
    if (amplitude == 1.0) CHECK(r.restart == 0);
    // The exact solution A e^{-nu q^2 T} sin(qx) predicted through the frame.
    const auto prediction = from_frame(g, k, solve(pde::Equation1d::Heat, to_frame(g, k, u0, 1.0)), 1.0, kT);
    const double decay = std::exp(-kNu * 16 * std::numbers::pi * std::numbers::pi * kT);
    std::vector<double> exact;
    for (double xi : x) exact.push_back(amplitude * decay * std::sin(4 * std::numbers::pi * xi));
    CHECK(l2(prediction, exact) / l2(exact) < 1e-4);
  }
}

TEST_CASE("the typicality energy in closed form equals the energy of the resampled field") {
  // The closed form uses that the framed action is diagonal on Fourier
  // coefficients; the reference resamples the field and transforms it.
  for (auto equation : {pde::SymmetricEquation::Burgers, pde::SymmetricEquation::Heat}) {
    const pde::SymmetryGroup g(equation, kNu);
    const auto u0 = grf_sample(30);
    const GrfTypicalityEnergy energy(g, u0, pde::PeriodicGrfOptions{});
    const auto group = PdeSymmetryGroup::tied(g, {0, 1, 2});
    double worst = 0;
    for (const auto& eps : std::vector<std::vector<double>>{{0.3, 0.0, 0.7}, {-0.21, 0.4, -1.1}, {0.0, 0.0, 0.2}}) {
      const Element h = group.exp(eps);
      const auto k = frame_element(g, PdeSymmetryGroup::unpack(h));
      const double reference = energy.of_field(to_frame(g, k, u0, 1.0));
      worst = std::max(worst, std::abs(energy(h) - reference) / std::abs(reference));
    }
    CHECK(worst < 1e-10);
    // Along one generator the group's exp is its closed-form subgroup: the
    // general product agrees to its stated 1e-13.
    const Element one = group.exp(std::vector<double>{0.0, 0.0, 0.8});
    const auto general = PdeSymmetryGroup::pack(g.exp(equation == pde::SymmetricEquation::Heat
                                                          ? std::vector<double>{0, 0, 0.8, 0, 0, 0}
                                                          : std::vector<double>{0, 0, 0.8, 0, 0}));
    for (std::size_t i = 0; i < 7; ++i) CHECK(one[i] == doctest::Approx(general[i]).epsilon(1e-12).scale(1));
  }
}

TEST_CASE("the closed-form typicality chart energy equals finite differences of the energy") {
  for (auto equation : {pde::SymmetricEquation::Burgers, pde::SymmetricEquation::Heat}) {
    CAPTURE(static_cast<int>(equation));
    const pde::SymmetryGroup g(equation, kNu);
    const auto u0 = grf_sample(31);
    const GrfTypicalityEnergy energy(g, u0, pde::PeriodicGrfOptions{});
    const auto group = PdeSymmetryGroup::tied(g, {0, 2});
    const TypicalityChartEnergy closed(group, energy);
    const FiniteDifferenceEnergy fd(group, energy);
    const Element base = group.exp(std::vector<double>{0.1, -0.3});
    const std::vector<double> eps{0.2, 0.5, -0.4, 0.1, 0.0, 0.0};
    const auto a = closed.evaluate(base, eps, 3);
    const auto b = fd.evaluate(base, eps, 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(a.energy[i] == doctest::Approx(b.energy[i]).epsilon(1e-10));
    for (std::size_t i = 0; i < 6; ++i) CHECK(a.gradient[i] == doctest::Approx(b.gradient[i]).epsilon(1e-6).scale(1e-6));
    // Generators outside the abelian frame subgroup are refused, naming the key.
    CHECK_THROWS_WITH_AS(TypicalityChartEnergy(PdeSymmetryGroup::tied(g, {1, 2}), energy),
                         doctest::Contains("canonicalisation.generators"), InputError);
  }
}
