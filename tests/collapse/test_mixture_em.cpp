// Gaussian mixtures and the distributed EM (solvers/collapse/gaussian_mixture.hpp,
// mixture_em.hpp; issue 13 §2), on 1 and 2 ranks:
// - keyed sampling: any block equals the same rows of a larger draw; the
//   sample's mean and covariance equal the mixture's within 5 standard errors;
// - log_density equals the Gaussian written out with its 2 × 2 inverse;
// - the L2 distance equals a Riemann sum of (p − q)² on a fine grid, and is
//   0 for a mixture against itself;
// - EM from the same initialisation equals scikit-learn's GaussianMixture
//   (sklearn_mixture.py beside this file) after the same 60 iterations:
//   weights, means, covariances and the final mean log-likelihood;
// - the log-likelihood never decreases along a fit (checked checker first);
// - the fit on the ranks' blocks equals the fit of all rows on one rank, to
//   rounding, and bit for bit with fixed row blocks (row_block), also when the
//   rows are spread over the ranks unevenly (5000 rows in blocks of 256);
// - a component collapsing onto one repeated point keeps the floor;
// - the E-step's vectorisable exp is within 2 ulp of std::exp on [−708, 0];
// - bad input is named.
#include <doctest/doctest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>

#include "collapse/fast_exp.hpp"
#include "collapse/gaussian_mixture.hpp"
#include "collapse/mixture_em.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"
#include "input_error.hpp"
#include "python_reference.hpp"

using namespace structura;
using namespace structura::collapse;
using structura::testing::input_error;

namespace {

// Three components in the plane: unequal weights, correlated covariances.
GaussianMixture three_blobs() {
  GaussianMixture m;
  m.dimension = 2;
  m.weights = {0.5, 0.3, 0.2};
  m.means = {0.0, 0.0, 4.0, 1.0, -2.0, 3.5};
  m.covariances = {1.0, 0.3, 0.3, 0.5, 0.6, -0.2, -0.2, 0.8, 0.4, 0.0, 0.0, 1.5};
  return m;
}

// The mixture's mean and covariance (the law of total covariance).
void mixture_moments(const GaussianMixture& m, double mean[2], double cov[4]) {
  mean[0] = mean[1] = 0;
  for (int k = 0; k < m.components(); ++k)
    for (int i = 0; i < 2; ++i) mean[i] += m.weights[k] * m.mean(k)[i];
  for (int a = 0; a < 4; ++a) cov[a] = 0;
  for (int k = 0; k < m.components(); ++k)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        cov[i * 2 + j] += m.weights[k] * (m.covariance(k)[i * 2 + j] + (m.mean(k)[i] - mean[i]) * (m.mean(k)[j] - mean[j]));
}

// This rank's block of n keyed rows.
std::vector<double> my_rows(const GaussianMixture& m, std::int64_t n, std::uint64_t seed, const mpi::Comm& comm) {
  const Range mine = comm.block(n);
  return sample_mixture(m, seed, 1, mine.begin, mine.count);
}

// All n rows on every rank.
std::vector<double> all_rows(const GaussianMixture& m, std::int64_t n, std::uint64_t seed) {
  return sample_mixture(m, seed, 1, 0, n);
}

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// EM's monotonicity as a checker: the largest decrease along the history.
double largest_decrease(const std::vector<double>& history) {
  double worst = 0;
  for (std::size_t i = 1; i < history.size(); ++i) worst = std::max(worst, history[i - 1] - history[i]);
  return worst;
}

}  // namespace

TEST_CASE("keyed sampling: blocks agree with a larger draw and the moments are the mixture's") {
  const auto m = three_blobs();
  const auto whole = sample_mixture(m, 7, 1, 0, 1000);
  const auto block = sample_mixture(m, 7, 1, 600, 50);
  CHECK(largest_difference(block, std::vector<double>(whole.begin() + 1200, whole.begin() + 1300)) == 0);

  const std::int64_t n = 200000;
  const auto x = all_rows(m, n, 11);
  double mean[2], cov[4];
  mixture_moments(m, mean, cov);
  double sample_mean[2] = {0, 0}, sample_cov[4] = {0, 0, 0, 0};
  for (std::int64_t p = 0; p < n; ++p)
    for (int i = 0; i < 2; ++i) sample_mean[i] += x[p * 2 + i] / double(n);
  for (std::int64_t p = 0; p < n; ++p)
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        sample_cov[i * 2 + j] += (x[p * 2 + i] - sample_mean[i]) * (x[p * 2 + j] - sample_mean[j]) / double(n - 1);
  for (int i = 0; i < 2; ++i) {
    INFO("mean " << i << ": " << sample_mean[i] << " vs " << mean[i]);
    CHECK(std::abs(sample_mean[i] - mean[i]) < 5 * std::sqrt(cov[i * 2 + i] / double(n)));
  }
  // The standard error of a sample covariance entry is about sqrt((σ_ii σ_jj + σ_ij²)/n)
  // for a Gaussian; a mixture's heavier fourth moments are covered by the factor 2.
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      const double se = std::sqrt((cov[i * 2 + i] * cov[j * 2 + j] + cov[i * 2 + j] * cov[i * 2 + j]) / double(n));
      INFO("cov " << i << j << ": " << sample_cov[i * 2 + j] << " vs " << cov[i * 2 + j]);
      CHECK(std::abs(sample_cov[i * 2 + j] - cov[i * 2 + j]) < 2 * 5 * se);
    }
}

TEST_CASE("log_density equals the mixture written out with 2 x 2 inverses") {
  const auto m = three_blobs();
  const std::vector<double> points = {0.3, -0.2, 4.5, 0.0, -1.0, 2.0, 10.0, -8.0};
  const auto got = log_density(m, points);
  for (std::size_t p = 0; p < 4; ++p) {
    double density = 0;
    for (int k = 0; k < 3; ++k) {
      const double* s = m.covariance(k);
      const double det = s[0] * s[3] - s[1] * s[2];
      const double dx = points[p * 2] - m.mean(k)[0], dy = points[p * 2 + 1] - m.mean(k)[1];
      const double quad = (s[3] * dx * dx - 2 * s[1] * dx * dy + s[0] * dy * dy) / det;
      density += m.weights[k] * std::exp(-0.5 * quad) / (2 * M_PI * std::sqrt(det));
    }
    CHECK(got[p] == doctest::Approx(std::log(density)).epsilon(1e-13));
  }
}

TEST_CASE("the L2 distance equals a Riemann sum of (p - q)^2") {
  const auto p = three_blobs();
  GaussianMixture q;
  q.dimension = 2;
  q.weights = {0.6, 0.4};
  q.means = {0.5, 0.2, 3.0, 2.0};
  q.covariances = {1.2, 0.0, 0.0, 0.9, 0.7, 0.1, 0.1, 0.6};
  // (p − q)² on [−12, 12]² with spacing 0.02: the densities are smooth and
  // negligible at the edges, so the sum is exact to far below 1e−6.
  const int n = 1201;
  const double h = 24.0 / (n - 1);
  std::vector<double> grid;
  grid.reserve(2 * n);
  double integral = 0;
  for (int i = 0; i < n; ++i) {
    grid.clear();
    for (int j = 0; j < n; ++j) grid.insert(grid.end(), {-12 + i * h, -12 + j * h});
    const auto lp = log_density(p, grid), lq = log_density(q, grid);
    for (int j = 0; j < n; ++j) integral += std::pow(std::exp(lp[j]) - std::exp(lq[j]), 2) * h * h;
  }
  CHECK(l2_distance_squared(p, q) == doctest::Approx(integral).epsilon(1e-6));
  CHECK(l2_distance_squared(p, p) < 1e-15);
}

TEST_CASE("EM from the same initialisation equals scikit-learn's GaussianMixture") {
  const mpi::Comm comm;
  const auto truth = three_blobs();
  const std::int64_t n = 3000;
  const auto mine = my_rows(truth, n, 21, comm);
  EmOptions options;
  options.components = 3;
  options.tolerance = 0;  // exactly max_iterations iterations on both sides
  options.max_iterations = 60;
  options.seed = 5;
  const GaussianMixture initial = initialise_mixture(mine, 2, options, comm);
  const EmResult fit = fit_mixture(mine, 2, initial, options, comm);
  CHECK(fit.iterations == 60);
  CHECK_FALSE(fit.converged);
  if (comm.rank() != 0) return;

  structura::testing::PythonReference py(
      "collapse_mixture_em", std::filesystem::path(STRUCTURA_COLLAPSE_TESTS) / "sklearn_mixture.py", "scikit-learn");
  py.write("points", all_rows(truth, n, 21));
  py.write("weights", initial.weights);
  py.write("means", initial.means);
  py.write("covariances", initial.covariances);
  std::string out;
  if (!py.run(py.dir().string() + " 2 3 0 60 1e-6", out)) return;
  std::istringstream words(out);
  std::string label;
  double lower_bound = 0;
  int iterations = 0;
  words >> label >> lower_bound >> label >> iterations;
  INFO("sklearn: " << out);
  CHECK(iterations == 60);
  // Both run the same arithmetic up to the order of sums (sklearn sums
  // whole columns, we sum about the old means per rank): 60 iterations
  // keep them within 1e−9.
  CHECK(fit.log_likelihood == doctest::Approx(lower_bound).epsilon(1e-12));
  const double dw = largest_difference(fit.mixture.weights, py.read("fit_weights"));
  const double dm = largest_difference(fit.mixture.means, py.read("fit_means"));
  const double dc = largest_difference(fit.mixture.covariances, py.read("fit_covariances"));
  MESSAGE("against scikit-learn: weights " << dw << ", means " << dm << ", covariances " << dc);
  CHECK(dw < 1e-9);
  CHECK(dm < 1e-9);
  CHECK(dc < 1e-9);
  // And the fit found the truth's components (in some order) roughly.
  for (int k = 0; k < 3; ++k) {
    double nearest = 1e300;
    for (int j = 0; j < 3; ++j)
      nearest = std::min(nearest, std::hypot(fit.mixture.mean(j)[0] - truth.mean(k)[0],
                                             fit.mixture.mean(j)[1] - truth.mean(k)[1]));
    CHECK(nearest < 0.2);
  }
}

TEST_CASE("the log-likelihood never decreases along a fit") {
  // The checker on a known good and a known bad history first.
  CHECK(largest_decrease({-3.0, -2.5, -2.5, -2.4}) == 0);
  CHECK(largest_decrease({-3.0, -2.5, -2.6}) == doctest::Approx(0.1));
  const mpi::Comm comm;
  const auto mine = my_rows(three_blobs(), 4000, 31, comm);
  EmOptions options;
  options.components = 4;  // more components than the truth: a slow, long climb
  options.tolerance = 1e-10;
  options.max_iterations = 300;
  options.kmeans_iterations = 0;
  const EmResult fit = fit_mixture(mine, 2, options, comm);
  CHECK(fit.log_likelihood_history.size() > 10);
  CHECK(largest_decrease(fit.log_likelihood_history) < 1e-12);
}

TEST_CASE("the fit on the ranks' blocks equals the fit of all rows on one rank") {
  const mpi::Comm world;
  const mpi::Comm self(MPI_COMM_SELF);
  const auto truth = three_blobs();
  EmOptions options;
  options.components = 3;
  options.tolerance = 1e-8;
  options.max_iterations = 500;
  options.seed = 9;
  const EmResult spread = fit_mixture(my_rows(truth, 5000, 41, world), 2, options, world);
  const EmResult whole = fit_mixture(all_rows(truth, 5000, 41), 2, options, self);
  CHECK(spread.iterations == whole.iterations);
  MESSAGE("ranks' blocks against one rank: means " << largest_difference(spread.mixture.means, whole.mixture.means)
                                                  << " after " << spread.iterations << " iterations");
  // Sums in another order: rounding, amplified a little by the iterations.
  CHECK(largest_difference(spread.mixture.means, whole.mixture.means) < 1e-10);
  CHECK(largest_difference(spread.mixture.covariances, whole.mixture.covariances) < 1e-10);
  CHECK(largest_difference(spread.mixture.weights, whole.mixture.weights) < 1e-10);
  CHECK(spread.log_likelihood == doctest::Approx(whole.log_likelihood).epsilon(1e-12));
}

TEST_CASE("with fixed row blocks the fit on the ranks equals the fit on one rank bit for bit") {
  const mpi::Comm world;
  const mpi::Comm self(MPI_COMM_SELF);
  const auto truth = three_blobs();
  EmOptions options;
  options.components = 3;
  options.tolerance = 1e-10;
  options.max_iterations = 300;
  options.seed = 9;
  options.row_block = 256;
  const std::int64_t n = 5000;  // 19 whole blocks and one of 136 rows
  const Range mine = distribute_rows(n, options.row_block, world);
  CHECK(mine.begin % options.row_block == 0);
  CHECK(world.sum(static_cast<double>(mine.count)) == n);
  const EmResult spread = fit_mixture(sample_mixture(truth, 41, 1, mine.begin, mine.count), 2, options, world);
  const EmResult whole = fit_mixture(all_rows(truth, n, 41), 2, options, self);
  CHECK(spread.iterations == whole.iterations);
  CHECK(spread.mixture.means == whole.mixture.means);
  CHECK(spread.mixture.covariances == whole.mixture.covariances);
  CHECK(spread.mixture.weights == whole.mixture.weights);
  CHECK(spread.log_likelihood_history == whole.log_likelihood_history);
  // Negative control: without the fixed blocks the two ranks' sums round
  // differently somewhere along 300 iterations (on 2 ranks), so the check
  // above can fail.
  if (world.size() == 2) {
    options.row_block = 0;
    const EmResult plain = fit_mixture(my_rows(truth, n, 41, world), 2, options, world);
    const EmResult plain_whole = fit_mixture(all_rows(truth, n, 41), 2, options, self);
    CHECK(plain.log_likelihood_history != plain_whole.log_likelihood_history);
  }
  // Rows that are not whole blocks are refused on every rank.
  if (world.size() == 2) {
    options.row_block = 256;
    const std::string message = input_error([&] { fit_mixture(my_rows(truth, n, 41, world), 2, options, world); });
    CHECK(message.find("em.row_block") != std::string::npos);
  }
}

TEST_CASE("a component collapsing onto one repeated point keeps the covariance floor") {
  const mpi::Comm comm;
  // 500 rows of a blob and 50 copies of one far point: a component takes the
  // copies, whose scatter is 0, and only the floor keeps it invertible.
  GaussianMixture blob;
  blob.dimension = 2;
  blob.weights = {1.0};
  blob.means = {0.0, 0.0};
  blob.covariances = {1.0, 0.0, 0.0, 1.0};
  std::vector<double> rows;
  if (comm.rank() == 0) {
    rows = sample_mixture(blob, 3, 1, 0, 500);
    for (int i = 0; i < 50; ++i) rows.insert(rows.end(), {20.0, 20.0});
  }
  EmOptions options;
  options.components = 2;
  options.covariance_floor = 1e-4;
  const EmResult fit = fit_mixture(rows, 2, options, comm);
  const int far = fit.mixture.mean(0)[0] > 10 ? 0 : 1;
  CHECK(fit.mixture.mean(far)[0] == doctest::Approx(20.0));
  CHECK(fit.mixture.covariance(far)[0] == doctest::Approx(1e-4).epsilon(1e-6));
  CHECK(fit.mixture.weights[far] == doctest::Approx(50.0 / 550.0).epsilon(1e-9));
  CHECK(std::isfinite(fit.log_likelihood));
}

TEST_CASE("the E-step's exp is within 2 ulp of std::exp on [-708, 0] and 0 below") {
  double worst = 0;
  for (int i = 0; i <= 2000000; ++i) {
    const double x = std::min(0.0, -708.0 * i / 2000000.0 + 1e-7 * (i % 7));  // jitter off the grid
    const double exact = std::exp(x);
    worst = std::max(worst, std::abs(exp_nonpositive(x) - exact) / exact);
  }
  MESSAGE("largest relative error " << worst);
  CHECK(worst <= 2 * std::numeric_limits<double>::epsilon());
  CHECK(exp_nonpositive(0.0) == 1.0);
  CHECK(exp_nonpositive(-709.0) == 0.0);
  CHECK(exp_nonpositive(-1e300) == 0.0);
}

TEST_CASE("bad input is named") {
  const mpi::Comm comm;
  auto named = [](const std::string& message, const std::string& name) {
    INFO(message);
    CHECK(message.find(name) != std::string::npos);
  };
  EmOptions bad;
  bad.components = 0;
  named(input_error([&] { bad.validate("collapse.em"); }), "collapse.em.components");
  EmOptions many;
  many.components = 5;
  const std::vector<double> two_rows = comm.rank() == 0 ? std::vector<double>{0, 0, 1, 1} : std::vector<double>{};
  named(input_error([&] { initialise_mixture(two_rows, 2, many, comm); }), "em.components");
  auto m = three_blobs();
  m.weights = {0.5, 0.3, 0.3};
  named(input_error([&] { m.validate("gmm"); }), "gmm.weights");
  m = three_blobs();
  m.covariances[0] = -1;
  named(input_error([&] { m.validate("gmm"); }), "gmm.covariances");
  named(input_error([&] { log_density(three_blobs(), std::vector<double>(3)); }), "rows");
}
