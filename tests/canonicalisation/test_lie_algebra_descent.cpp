// LieLAC's descent over a Lie group (canonicalisation/lie_algebra_descent.hpp),
// on two groups whose canonicalising element is known in closed form:
//   translations of R^k   E(h) = |u + h - c|^2, h* = c - u;
//   the affine line Aff(1) x -> e^s x + b acting on a sample, E = mean^2 +
//   log(std)^2: h* standardises the sample, s* = -log std, b* = -e^s* mean.
// Truths: those closed forms (both methods), an analytic gradient against
// the finite-difference energy (and a coarse step that the same comparison
// catches), an already canonical input keeping the identity exactly, the
// whole search on one rank alone (MPI_COMM_SELF) equal bit for bit to the
// search spread over the ranks, and non-finite energies dropped, never
// chosen.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "canonicalisation/lie_algebra_descent.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"

using namespace structura;
using namespace structura::canonicalisation;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

// (R^k, +): exp(eps) = eps.
class Translations final : public LieGroup {
public:
  explicit Translations(int k) : k_(k) {}
  int dimension() const override { return k_; }
  Element identity() const override { return Element(static_cast<std::size_t>(k_), 0.0); }
  Element exp(std::span<const double> eps) const override { return Element(eps.begin(), eps.end()); }
  Element compose(const Element& a, const Element& b) const override {
    Element c(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) c[i] = a[i] + b[i];
    return c;
  }
  Element inverse(const Element& g) const override {
    Element c(g.size());
    for (std::size_t i = 0; i < g.size(); ++i) c[i] = -g[i];
    return c;
  }

private:
  int k_;
};

// phi(a) = (e^a - 1) / a and its derivative, with their series near 0.
double phi(double a) { return std::abs(a) < 1e-8 ? 1 + a / 2 : std::expm1(a) / a; }
double phi_prime(double a) {
  return std::abs(a) < 1e-5 ? 0.5 + a / 3 : (a * std::exp(a) - std::expm1(a)) / (a * a);
}

// Aff(1): (s, b) . x = e^s x + b; generators x d_x (scale) and d_x.
// exp(e1 v1 + e2 v2) is the time-1 flow of x' = e1 x + e2.
class AffineLine final : public LieGroup {
public:
  int dimension() const override { return 2; }
  Element identity() const override { return {0.0, 0.0}; }
  Element exp(std::span<const double> e) const override { return {e[0], e[1] * phi(e[0])}; }
  Element compose(const Element& a, const Element& b) const override {
    return {a[0] + b[0], std::exp(a[0]) * b[1] + a[1]};
  }
  Element inverse(const Element& g) const override { return {-g[0], -std::exp(-g[0]) * g[1]}; }
};

struct Sample {
  double mean, std;  // of the points the group acts on
};

// E(h . p) for the affine line: the transformed sample has mean e^s m + b
// and standard deviation e^s sigma.
double standardisation_energy(const Element& h, const Sample& p) {
  const double mean = std::exp(h[0]) * p.mean + h[1];
  const double log_std = h[0] + std::log(p.std);
  return mean * mean + log_std * log_std;
}

// The same energy in the chart with its analytic gradient: h = exp(eps) . base,
// mean M = e^(e1 + s0) m + e^e1 b0 + e2 phi(e1), log std L = e1 + s0 + log sigma.
class AnalyticStandardisation final : public ChartEnergy {
public:
  explicit AnalyticStandardisation(Sample p) : p_(p) {}
  EnergyBatch evaluate(const Element& base, std::span<const double> eps, int rows) const override {
    EnergyBatch out;
    for (int r = 0; r < rows; ++r) {
      const double e1 = eps[2 * r], e2 = eps[2 * r + 1];
      const double M = std::exp(e1 + base[0]) * p_.mean + std::exp(e1) * base[1] + e2 * phi(e1);
      const double L = e1 + base[0] + std::log(p_.std);
      out.energy.push_back(M * M + L * L);
      out.gradient.push_back(2 * M * (std::exp(e1 + base[0]) * p_.mean + std::exp(e1) * base[1] + e2 * phi_prime(e1)) +
                             2 * L);
      out.gradient.push_back(2 * M * phi(e1));
    }
    return out;
  }

private:
  Sample p_;
};

DescentOptions options(DescentMethod method, int restarts, int steps, double lr) {
  DescentOptions o;
  o.method = method;
  o.restarts = restarts;
  o.steps = steps;
  o.learning_rate = lr;
  o.init_scale = 0.5;
  o.seed = 7;
  o.batch = 5;
  return o;
}

}  // namespace

TEST_CASE("translations: both methods find h* = c - u, never worse than the identity") {
  const Translations group(3);
  const std::vector<double> u{0.3, -0.2, 0.1}, c{1.0, 0.5, -0.4};
  const FiniteDifferenceEnergy energy(group, [&](const Element& h) {
    double e = 0;
    for (int i = 0; i < 3; ++i) e += std::pow(u[i] + h[i] - c[i], 2);
    return e;
  });
  for (auto method : {DescentMethod::GlobalRetraction, DescentMethod::CoordinateDescent}) {
    CAPTURE(static_cast<int>(method));
    const auto r = canonicalise(group, energy, options(method, 8, 400, 0.02), world);
    for (int i = 0; i < 3; ++i) CHECK(r.element[static_cast<std::size_t>(i)] == doctest::Approx(c[i] - u[i]).epsilon(2e-3));
    CHECK(r.identity_energy == doctest::Approx(0.49 + 0.49 + 0.25));
    CHECK(r.energy < 1e-5);
    CHECK(r.energy <= r.identity_energy);
    CHECK(r.evaluations > 8 * 400);
  }
}

TEST_CASE("the finite-difference energy's gradient equals the analytic one; a coarse step is caught") {
  const AffineLine group;
  const Sample p{1.7, 0.4};
  const AnalyticStandardisation analytic(p);
  const auto of_element = [&](const Element& h) { return standardisation_energy(h, p); };
  const FiniteDifferenceEnergy fine(group, of_element, 1e-6);
  const FiniteDifferenceEnergy coarse(group, of_element, 0.3);
  const Element base{0.4, -0.9};
  const std::vector<double> eps{0.3, -0.7, -0.2, 0.5, 0.0, 0.0};
  const auto a = analytic.evaluate(base, eps, 3);
  const auto f = fine.evaluate(base, eps, 3);
  const auto c = coarse.evaluate(base, eps, 3);
  double fine_error = 0, coarse_error = 0, scale = 0;
  for (std::size_t i = 0; i < 3; ++i) CHECK(f.energy[i] == doctest::Approx(a.energy[i]).epsilon(1e-14));
  for (std::size_t i = 0; i < 6; ++i) {
    fine_error = std::max(fine_error, std::abs(f.gradient[i] - a.gradient[i]));
    coarse_error = std::max(coarse_error, std::abs(c.gradient[i] - a.gradient[i]));
    scale = std::max(scale, std::abs(a.gradient[i]));
  }
  CHECK(fine_error < 1e-7 * scale);
  CHECK(coarse_error > 1e-3 * scale);  // the comparison can fail
}

TEST_CASE("affine line: both methods standardise the sample (s* = -log std, b* = -e^s* mean)") {
  const AffineLine group;
  const Sample p{1.7, 0.4};
  const AnalyticStandardisation energy(p);
  const double s_star = -std::log(p.std), b_star = -std::exp(s_star) * p.mean;
  for (auto method : {DescentMethod::GlobalRetraction, DescentMethod::CoordinateDescent}) {
    CAPTURE(static_cast<int>(method));
    auto o = options(method, 6, 600, 0.02);
    o.sweeps = 6;
    const auto r = canonicalise(group, energy, o, world);
    CHECK(r.element[0] == doctest::Approx(s_star).epsilon(1e-3));
    CHECK(r.element[1] == doctest::Approx(b_star).epsilon(1e-3));
    CHECK(r.energy < 1e-6);
    if (method == DescentMethod::GlobalRetraction) {
      const auto back = group.exp(r.epsilon);  // h* = exp(epsilon) for the global retraction
      CHECK(back[0] == r.element[0]);
      CHECK(back[1] == r.element[1]);
    }
  }
}

TEST_CASE("an input that is already canonical keeps the identity exactly") {
  const AffineLine group;
  const Sample p{0.0, 1.0};  // mean 0, std 1: E(identity) = 0
  const AnalyticStandardisation energy(p);
  for (auto method : {DescentMethod::GlobalRetraction, DescentMethod::CoordinateDescent}) {
    const auto r = canonicalise(group, energy, options(method, 10, 100, 0.02), world);
    CHECK(r.identity_energy == 0.0);
    CHECK(r.energy == 0.0);
    CHECK(r.restart == 0);
    CHECK(r.element == group.identity());
  }
}

TEST_CASE("restarts spread over the ranks give the result of one rank alone, bit for bit") {
  // A rugged energy with many local minima, so the restarts matter.
  const Translations group(2);
  const FiniteDifferenceEnergy energy(group, [](const Element& h) {
    return 2 - std::cos(3 * std::numbers::pi * h[0]) - std::cos(2 * std::numbers::pi * h[1]) +
           0.3 * ((h[0] - 0.8) * (h[0] - 0.8) + (h[1] + 0.6) * (h[1] + 0.6));
  });
  for (auto method : {DescentMethod::GlobalRetraction, DescentMethod::CoordinateDescent}) {
    CAPTURE(static_cast<int>(method));
    auto o = options(method, 13, 60, 0.05);
    o.init_scale = 1.0;
    const auto spread = canonicalise(group, energy, o, world);
    const auto alone = canonicalise(group, energy, o, self);
    CHECK(spread.element == alone.element);
    CHECK(spread.epsilon == alone.epsilon);
    CHECK(spread.energy == alone.energy);
    CHECK(spread.restart == alone.restart);
    CHECK(spread.evaluations == alone.evaluations);
    CHECK(spread.identity_energy == alone.identity_energy);
    // The restarts found something better than the identity's basin.
    CHECK(spread.energy < spread.identity_energy - 0.1);
  }
}

TEST_CASE("non-finite energies are dropped, never chosen; none finite is a NumericalError") {
  const Translations group(1);
  // Minimum at h = 1 but h > 0.5 is off the chart (NaN or a thrown
  // NumericalError): the best admissible element is at the boundary side.
  const FiniteDifferenceEnergy energy(group, [](const Element& h) {
    if (h[0] > 0.75) throw NumericalError("off the chart");
    if (h[0] > 0.5) return std::nan("");
    return (h[0] - 1) * (h[0] - 1);
  });
  for (auto method : {DescentMethod::GlobalRetraction, DescentMethod::CoordinateDescent}) {
    const auto r = canonicalise(group, energy, options(method, 6, 200, 0.02), world);
    CHECK(std::isfinite(r.energy));
    CHECK(r.element[0] <= 0.5);
    CHECK(r.element[0] > 0.4);
  }
  const FiniteDifferenceEnergy nowhere(group, [](const Element&) { return std::numeric_limits<double>::infinity(); });
  CHECK_THROWS_AS(canonicalise(group, nowhere, options(DescentMethod::GlobalRetraction, 4, 5, 0.01), world),
                  NumericalError);
}

TEST_CASE("bad options and a malformed energy are errors that name the field") {
  const Translations group(1);
  const FiniteDifferenceEnergy energy(group, [](const Element& h) { return h[0] * h[0]; });
  auto bad = [&](auto edit, const char* field) {
    auto o = options(DescentMethod::GlobalRetraction, 4, 5, 0.01);
    edit(o);
    CHECK_THROWS_WITH_AS(canonicalise(group, energy, o, world), doctest::Contains(field), InputError);
  };
  bad([](DescentOptions& o) { o.restarts = 0; }, "canonicalisation.restarts");
  bad([](DescentOptions& o) { o.steps = -1; }, "canonicalisation.steps");
  bad([](DescentOptions& o) { o.sweeps = 0; }, "canonicalisation.sweeps");
  bad([](DescentOptions& o) { o.learning_rate = std::nan(""); }, "canonicalisation.learning_rate");
  bad([](DescentOptions& o) { o.init_scale = -1; }, "canonicalisation.init_scale");
  bad([](DescentOptions& o) { o.batch = 0; }, "canonicalisation.batch");
  CHECK_THROWS_AS(FiniteDifferenceEnergy(group, [](const Element&) { return 0.0; }, 0.0), InputError);

  struct Short final : ChartEnergy {
    EnergyBatch evaluate(const Element&, std::span<const double>, int) const override { return {{1.0}, {}}; }
  } malformed;
  CHECK_THROWS_AS(canonicalise(group, malformed, options(DescentMethod::GlobalRetraction, 4, 5, 0.01), world), Error);
}
