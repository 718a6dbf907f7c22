// The single-Gaussian recursion (solvers/collapse/gaussian_recursion.hpp)
// against its exact theory (gaussian_theory.hpp, derivation there). Truths:
//   ψ and ψ' at half-integers from their closed forms (γ, π², log 2);
//   E[(μ_g − μ₀)²], E[σ²_g] and E[log σ²_g] from the formulas, within 4
//   Monte-Carlo standard errors at every generation, for M = 10, M = 100 and
//   M_g = 10 (g + 1), both estimators, both ways of drawing a generation;
//   Var[log σ²_g] = Σ ψ'((M − 1)/2) and the almost-sure collapse over 300
//   generations; negative control: the biased recursion is told apart from
//   the unbiased formula; the accumulate control does not collapse;
//   1 rank equals 2 ranks bit for bit; bad input names its key.
//
// Tail caution: σ²_g is close to log-normal with log-variance Σ ψ'((M−1)/2);
// the sample mean of 10⁵ such values (and its standard error) is only
// trustworthy while that variance stays ≲ 2, which fixes the generation
// counts below (the collapse test uses log σ², which has no such tail).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <mpi.h>

#include <cmath>
#include <numbers>
#include <string>

#include "collapse/gaussian_recursion.hpp"
#include "collapse/gaussian_theory.hpp"
#include "collapse/special_functions.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"
#include "input_error.hpp"

using namespace structura;
using namespace structura::collapse;

namespace {

using structura::testing::input_error;

constexpr double kEulerGamma = 0.57721566490153286061;

// Largest |measured − expected| / standard error over the generations.
double worst_z(const std::vector<ChainMoments>& measured, const std::vector<double>& expected) {
  double worst = 0;
  for (std::size_t g = 1; g < measured.size(); ++g) {
    const double se = measured[g].standard_error;
    worst = std::max(worst, std::abs(measured[g].mean - expected[g]) / se);
  }
  return worst;
}

const char* name(VarianceEstimator e) { return e == VarianceEstimator::Biased ? "biased" : "unbiased"; }

}  // namespace

TEST_CASE("digamma and trigamma equal their closed forms") {
  CHECK(digamma(1.0) == doctest::Approx(-kEulerGamma).epsilon(1e-14));
  CHECK(digamma(0.5) == doctest::Approx(-kEulerGamma - 2 * std::log(2.0)).epsilon(1e-14));
  // ψ(n + 1/2) = ψ(1/2) + Σ_{k=1..n} 2/(2k − 1)
  double psi = -kEulerGamma - 2 * std::log(2.0);
  for (int n = 1; n <= 60; ++n) {
    psi += 2.0 / (2 * n - 1);
    CHECK(digamma(n + 0.5) == doctest::Approx(psi).epsilon(1e-13));
  }
  CHECK(trigamma(1.0) == doctest::Approx(std::numbers::pi * std::numbers::pi / 6).epsilon(1e-14));
  CHECK(trigamma(0.5) == doctest::Approx(std::numbers::pi * std::numbers::pi / 2).epsilon(1e-14));
  CHECK(trigamma(50.0) == doctest::Approx(0.020201333226697125).epsilon(1e-13));  // ψ'(1) − Σ_{k<50} 1/k²
}

TEST_CASE("the measured expectations equal the closed forms within 4 standard errors") {
  struct Case {
    std::int64_t m;
    double power;
    std::int64_t generations;
    GaussianSampling sampling;
  };
  const Case cases[] = {
      {10, 0.0, 8, GaussianSampling::Samples},
      {10, 0.0, 8, GaussianSampling::SufficientStatistics},
      {100, 0.0, 6, GaussianSampling::Samples},
      {100, 0.0, 80, GaussianSampling::SufficientStatistics},
      {10, 1.0, 60, GaussianSampling::SufficientStatistics},  // M_g = 10 (g + 1)
  };
  for (const Case& c : cases)
    for (VarianceEstimator e : {VarianceEstimator::Unbiased, VarianceEstimator::Biased}) {
      GaussianRecursionOptions o;
      o.mu0 = 1.5;
      o.sigma0 = 2.0;
      o.samples = c.m;
      o.samples_power = c.power;
      o.generations = c.generations;
      o.chains = 100000;
      o.estimator = e;
      o.sampling = c.sampling;
      o.seed = 20240724;
      const GaussianRecursionResult r = run_gaussian_recursion(o);
      const GaussianTheory t = gaussian_theory(o);
      const double zm = worst_z(r.mu_error_sq, t.mu_error_sq);
      const double zs = worst_z(r.sigma2, t.sigma2);
      const double zl = worst_z(r.log_sigma2, t.log_sigma2);
      const std::size_t n = r.sigma2.size() - 1;
      MESSAGE(fmt::format("M0 {} p {} {} {} gens {}: worst z (mu err^2, sigma^2, log sigma^2) {:.2f} {:.2f} {:.2f}; "
                          "last sigma^2 {:.5f} +- {:.5f} (theory {:.5f})",
                          c.m, c.power, name(e),
                          c.sampling == GaussianSampling::Samples ? "samples" : "sufficient", c.generations, zm, zs,
                          zl, r.sigma2[n].mean, r.sigma2[n].standard_error, t.sigma2[n]));
      CHECK(zm < 4);
      CHECK(zs < 4);
      CHECK(zl < 4);
      // The schedule M_g = round(M₀ (g + 1)^p).
      CHECK(r.samples[0] == c.m);
      CHECK(r.samples[c.generations - 1] == std::llround(c.m * std::pow(double(c.generations), c.power)));
    }
}

TEST_CASE("log sigma^2 drifts as psi((M-1)/2) + log(2/c) and sigma^2 collapses almost surely") {
  for (VarianceEstimator e : {VarianceEstimator::Unbiased, VarianceEstimator::Biased}) {
    GaussianRecursionOptions o;
    o.samples = 10;
    o.generations = 300;
    o.chains = 100000;
    o.estimator = e;
    o.sampling = GaussianSampling::SufficientStatistics;
    o.seed = 7;
    const GaussianRecursionResult r = run_gaussian_recursion(o);
    const GaussianTheory t = gaussian_theory(o);
    CHECK(worst_z(r.log_sigma2, t.log_sigma2) < 4);
    // Var[log σ²_g]: a sum of g independent log χ² terms, near Gaussian; its
    // sample variance has relative standard error √(2/n) = 0.45 %.
    for (std::size_t g = 50; g <= 300; g += 50)
      CHECK(r.log_sigma2[g].variance == doctest::Approx(t.log_sigma2_variance[g]).epsilon(0.03));
    const double drift = log_sigma2_drift(10, e);
    CHECK(drift < 0);
    MESSAGE(fmt::format("{}: drift {:.5f}/generation, mean log sigma^2 at 300: {:.3f} +- {:.3f} (theory {:.3f}); "
                        "collapsed (< 1e-2): {:.5f} at 10, {:.5f} at 300",
                        name(e), drift, r.log_sigma2[300].mean, r.log_sigma2[300].standard_error, t.log_sigma2[300],
                        r.collapsed_fraction[10], r.collapsed_fraction[300]));
    // Theory: log σ²_g ≈ N(g drift, g ψ'(4.5)); P(σ² < 1e-2) is about 1.4 %
    // (unbiased) and 6.4 % (biased) at g = 10, above 99.9 % at g = 300.
    CHECK(r.collapsed_fraction[300] > 0.99);
    CHECK(r.collapsed_fraction[10] < 0.15);
    CHECK(r.collapsed_fraction.front() == 0.0);
  }
}

TEST_CASE("negative control: the biased recursion is told apart from the unbiased formulas") {
  GaussianRecursionOptions o;
  o.samples = 10;
  o.generations = 8;
  o.chains = 100000;
  o.estimator = VarianceEstimator::Biased;
  o.seed = 99;
  const GaussianRecursionResult r = run_gaussian_recursion(o);
  GaussianRecursionOptions wrong = o;
  wrong.estimator = VarianceEstimator::Unbiased;
  const GaussianTheory t = gaussian_theory(wrong);
  const double zs = worst_z(r.sigma2, t.sigma2);
  const double zm = worst_z(r.mu_error_sq, t.mu_error_sq);
  MESSAGE(fmt::format("biased data against unbiased formulas: worst z sigma^2 {:.1f}, mu err^2 {:.1f}", zs, zm));
  CHECK(zs > 4);
  CHECK(zm > 4);
  CHECK(worst_z(r.sigma2, gaussian_theory(o).sigma2) < 4);  // and the right formula accepts it
}

TEST_CASE("the accumulate control does not collapse") {
  GaussianRecursionOptions o;
  o.samples = 10;
  o.generations = 300;
  o.chains = 10000;
  o.sampling = GaussianSampling::SufficientStatistics;
  o.seed = 3;
  GaussianRecursionOptions pooled = o;
  pooled.accumulate = true;
  const GaussianRecursionResult plain = run_gaussian_recursion(o);
  const GaussianRecursionResult acc = run_gaussian_recursion(pooled);
  MESSAGE(fmt::format("collapsed at 300: plain {:.4f}, accumulate {:.4f}; mean log sigma^2 {:.2f} vs {:.3f}",
                      plain.collapsed_fraction[300], acc.collapsed_fraction[300], plain.log_sigma2[300].mean,
                      acc.log_sigma2[300].mean));
  CHECK(plain.collapsed_fraction[300] > 0.99);
  // The pooled fit is a consistent estimate from ≥ 10 samples of N(0, 1)
  // and onwards; σ² < 1e-2 would need χ²_9 < 0.09 early on (P ≈ 1e-8).
  CHECK(acc.collapsed_fraction[300] <= 1e-3);
  CHECK(std::abs(acc.log_sigma2[300].mean) < 0.5);
  // It settles: from 100 to 300 generations the pool triples and the fit
  // moves little (a martingale-like limit), unlike the plain walk.
  CHECK(std::abs(acc.log_sigma2[300].mean - acc.log_sigma2[100].mean) < 0.05);
}

TEST_CASE("1 rank equals 2 ranks bit for bit") {
  const mpi::Comm world;
  const mpi::Comm self(MPI_COMM_SELF);
  for (GaussianSampling s : {GaussianSampling::Samples, GaussianSampling::SufficientStatistics})
    for (bool acc : {false, true}) {
      GaussianRecursionOptions o;
      o.samples = 7;
      o.samples_power = 0.5;
      o.generations = 20;
      o.chains = 1000;  // not a multiple of the block size
      o.accumulate = acc;
      o.sampling = s;
      o.seed = 11;
      const GaussianRecursionResult a = run_gaussian_recursion(o, world);
      const GaussianRecursionResult b = run_gaussian_recursion(o, self);
      for (std::size_t g = 0; g < a.sigma2.size(); ++g) {
        CHECK(a.mu_error_sq[g].mean == b.mu_error_sq[g].mean);
        CHECK(a.mu_error_sq[g].variance == b.mu_error_sq[g].variance);
        CHECK(a.sigma2[g].mean == b.sigma2[g].mean);
        CHECK(a.sigma2[g].variance == b.sigma2[g].variance);
        CHECK(a.log_sigma2[g].mean == b.log_sigma2[g].mean);
        CHECK(a.collapsed_fraction[g] == b.collapsed_fraction[g]);
      }
      CHECK(a.sigma2.back().mean != b.sigma2.front().mean);  // something happened
    }
}

TEST_CASE("bad input is refused naming the key") {
  GaussianRecursionOptions o;
  o.chains = 10;
  o.generations = 2;
  auto bad = o;
  bad.samples = 1;
  CHECK(input_error([&] { run_gaussian_recursion(bad); }).find("gaussian.samples") != std::string::npos);
  bad = o;
  bad.generations = 0;
  CHECK(input_error([&] { run_gaussian_recursion(bad); }).find("gaussian.generations") != std::string::npos);
  bad = o;
  bad.chains = 0;
  CHECK(input_error([&] { run_gaussian_recursion(bad); }).find("gaussian.chains") != std::string::npos);
  bad = o;
  bad.sigma0 = -1;
  CHECK(input_error([&] { run_gaussian_recursion(bad); }).find("gaussian.sigma0") != std::string::npos);
  bad = o;
  bad.accumulate = true;
  CHECK(input_error([&] { gaussian_theory(bad); }).find("gaussian.accumulate") != std::string::npos);
  CHECK(input_error([&] { o.validate("experiment.gaussian"); bad.samples = 0; bad.validate("experiment.gaussian"); })
            .find("experiment.gaussian.samples") != std::string::npos);
}
