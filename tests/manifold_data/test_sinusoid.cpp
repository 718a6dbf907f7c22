// Sinusoid(K, N) against its definition (sinusoid.hpp; the reference's
// generate_generalised_sinusoid_samples). Truths, on 1e5 rows pooled over
// the ranks:
//  - rows are [n, N]; the last K coordinates are N(0, 3 I): means,
//    variances and cross-covariances within 5 standard errors;
//  - each of the N - K others is sin(<s_j, z>) plus noise: the residual
//    against the library's shears has mean 0 and variance 1e-3 within 5
//    standard errors (negative control: shears off by 1 % fail by far);
//  - the shears are U[1, 2] (range, mean 1/2 + 1, variance 1/12 on 9900 draws);
//  - intrinsic dimension K: the covariance of the rows in a ball of radius
//    1/2 around the origin (a point of the manifold) has K eigenvalues near
//    R^2 / (K + 2) (a flat K-ball's) and a gap of more than 10 to the rest
//    (measured 48..424 in numpy; with noise of variance 0.05 the gap falls
//    below 6, which the test checks as a negative control).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "datasets/sinusoid.hpp"
#include "moments.hpp"
#include "symmetric_eigenvalues.hpp"

using namespace structura;
using namespace structura::datasets;
using manifold_test::column;
using manifold_test::pooled_moments;

namespace {

constexpr std::uint64_t seed = 20241001;
constexpr std::pair<int, int> shapes[] = {{1, 3}, {2, 3}, {5, 20}};

// Residual moments of x_j - sin(<scale * s_j, z>), in standard errors of
// noise of variance `noise`: the worst of |mean| / se and |var - noise| / se.
double worst_residual_sigma(const ManifoldRows& rows, const std::vector<double>& shears, int k, double scale,
                            double noise, const mpi::Comm& world, double* worst_variance = nullptr) {
  const int extra = int(rows.dimension) - k;
  double worst = 0;
  for (int j = 0; j < extra; ++j) {
    std::vector<double> residual(std::size_t(rows.count));
    for (std::int64_t r = 0; r < rows.count; ++r) {
      const double* x = rows.row(r);
      double dot = 0;
      for (int c = 0; c < k; ++c) dot += scale * shears[std::size_t(j) * k + c] * x[extra + c];
      residual[std::size_t(r)] = x[j] - std::sin(dot);
    }
    const auto m = pooled_moments(residual, world);
    const double se_mean = std::sqrt(noise / m.n), se_var = std::sqrt(2.0 / m.n) * noise;
    worst = std::max({worst, std::abs(m.mean) / se_mean, std::abs(m.variance - noise) / se_var});
    if (worst_variance && std::abs(m.variance - noise) > std::abs(*worst_variance - noise)) *worst_variance = m.variance;
  }
  return worst;
}

// Covariance eigenvalues (largest first) of the rows within `radius` of the
// origin, pooled over the ranks; `inside` gets how many rows that is.
std::vector<double> local_spectrum(const ManifoldRows& rows, double radius, const mpi::Comm& world, double* inside) {
  const int n = int(rows.dimension);
  std::vector<double> sums(1 + n + std::size_t(n) * n, 0.0);  // count, sum x, sum x x^T
  for (std::int64_t r = 0; r < rows.count; ++r) {
    const double* x = rows.row(r);
    double norm2 = 0;
    for (int i = 0; i < n; ++i) norm2 += x[i] * x[i];
    if (norm2 >= radius * radius) continue;
    sums[0] += 1;
    for (int i = 0; i < n; ++i) {
      sums[1 + i] += x[i];
      for (int j = 0; j < n; ++j) sums[1 + n + std::size_t(i) * n + j] += x[i] * x[j];
    }
  }
  world.sum_in_place(sums);
  *inside = sums[0];
  std::vector<double> cov(std::size_t(n) * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      cov[std::size_t(i) * n + j] =
          sums[1 + n + std::size_t(i) * n + j] / sums[0] - (sums[1 + i] / sums[0]) * (sums[1 + j] / sums[0]);
  return structura::testing::symmetric_eigenvalues(cov, n);
}

}  // namespace

TEST_CASE("sinusoid: rows [n, N]; z ~ N(0, 3 I); x_j - sin(<s_j, z>) has mean 0 and variance 1e-3") {
  const mpi::Comm world;
  const std::int64_t n = 100000;
  const Range mine = world.block(n);
  for (const auto& [k, dim] : shapes) {
    CAPTURE(k);
    CAPTURE(dim);
    const SinusoidSettings s{k, dim};
    const std::uint64_t key = seed + std::uint64_t(100 * k + dim);  // independent draws per shape
    const ManifoldRows rows = generate_sinusoid(s, key, mine.begin, mine.count);
    REQUIRE(rows.first == mine.begin);
    REQUIRE(rows.count == mine.count);
    REQUIRE(rows.dimension == dim);
    REQUIRE(rows.values.size() == std::size_t(mine.count) * std::size_t(dim));
    const int extra = dim - k;

    // z: means, variances (Gaussian s.e. sqrt(2/n) var) and, for c != d,
    // E z_c z_d = 0 with s.e. sqrt(Var(z_c z_d) / n) = 3 / sqrt(n).
    double worst_z = 0;
    for (int c = 0; c < k; ++c) {
      const auto m = pooled_moments(column(rows, extra + c), world);
      CHECK(m.n == doctest::Approx(double(n)));
      worst_z = std::max({worst_z, std::abs(m.mean) / std::sqrt(3.0 / m.n),
                          std::abs(m.variance - 3.0) / (std::sqrt(2.0 / m.n) * 3.0)});
      for (int d = c + 1; d < k; ++d) {
        std::vector<double> product(std::size_t(rows.count));
        for (std::int64_t r = 0; r < rows.count; ++r)
          product[std::size_t(r)] = rows.row(r)[extra + c] * rows.row(r)[extra + d];
        const auto p = pooled_moments(product, world);
        worst_z = std::max(worst_z, std::abs(p.mean) / (3.0 / std::sqrt(p.n)));
      }
    }
    const std::vector<double> shears = sinusoid_shears(s, key);
    REQUIRE(shears.size() == std::size_t(extra) * std::size_t(k));
    double variance = 1e-3;
    const double worst_residual = worst_residual_sigma(rows, shears, k, 1.0, 1e-3, world, &variance);
    const double control = worst_residual_sigma(rows, shears, k, 1.01, 1e-3, world);
    MESSAGE(fmt::format("sinusoid ({}, {}): z worst {:.2f} sigma; residual worst {:.2f} sigma (variance {:.6f}); "
                        "shears x 1.01: {:.0f} sigma",
                        k, dim, worst_z, worst_residual, variance, control));
    CHECK(worst_z < 5);
    CHECK(worst_residual < 5);
    CHECK(control > 20);  // the residual check sees a 1 % error in the shears
  }
}

TEST_CASE("sinusoid: the shears are U[1, 2], keyed by the seed") {
  const SinusoidSettings s{10, 1000};
  const std::vector<double> shears = sinusoid_shears(s, seed);
  REQUIRE(shears.size() == 9900);
  std::vector<double> u;
  for (double v : shears) {
    REQUIRE(v >= 1.0);
    REQUIRE(v < 2.0);
    u.push_back(v - 1.0);
  }
  const mpi::Comm self(MPI_COMM_SELF);
  const auto m = pooled_moments(u, self);
  // U(0, 1): mean 1/2, variance 1/12, fourth central moment 1/80.
  const double se_mean = std::sqrt(1.0 / 12 / m.n), se_var = std::sqrt((1.0 / 80 - 1.0 / 144) / m.n);
  MESSAGE(fmt::format("shears - 1: mean {:.4f} ({:.2f} sigma), variance {:.5f} ({:.2f} sigma)", m.mean,
                      (m.mean - 0.5) / se_mean, m.variance, (m.variance - 1.0 / 12) / se_var));
  CHECK(std::abs(m.mean - 0.5) < 5 * se_mean);
  CHECK(std::abs(m.variance - 1.0 / 12) < 5 * se_var);
  CHECK(sinusoid_shears(s, seed + 1) != shears);
}

TEST_CASE("sinusoid: local PCA near the origin finds K dominant directions") {
  // The eigenvalue helper on a matrix with known spectrum: a rotation of diag(3, 1, 0.5).
  {
    const double c = std::cos(0.7), s = std::sin(0.7);
    const double r[9] = {c, -s, 0, s, c, 0, 0, 0, 1}, d[3] = {3, 1, 0.5};
    std::vector<double> a(9, 0.0);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        for (int l = 0; l < 3; ++l) a[i * 3 + j] += r[i * 3 + l] * d[l] * r[j * 3 + l];
    const auto e = structura::testing::symmetric_eigenvalues(a, 3);
    CHECK(e[0] == doctest::Approx(3).epsilon(1e-14));
    CHECK(e[1] == doctest::Approx(1).epsilon(1e-14));
    CHECK(e[2] == doctest::Approx(0.5).epsilon(1e-14));
  }
  const mpi::Comm world;
  const std::int64_t n = 100000;
  const Range mine = world.block(n);
  const double radius = 0.5;
  for (const auto& [k, dim] : {std::pair{1, 3}, std::pair{2, 3}, std::pair{2, 10}}) {
    CAPTURE(k);
    CAPTURE(dim);
    double inside = 0;
    const auto e = local_spectrum(generate_sinusoid(SinusoidSettings{k, dim}, seed, mine.begin, mine.count), radius,
                                  world, &inside);
    // Near z = 0, sin(<s, z>) = <s, z> + O(|z|^3): the manifold is a flat
    // K-plane to second order and the ball cuts a K-ball out of it, whose
    // covariance has K eigenvalues R^2 / (K + 2).
    const double flat = radius * radius / (k + 2), gap = e[k - 1] / e[k];
    SinusoidSettings noisy{k, dim};
    noisy.noise_variance = 0.05;
    double inside_noisy = 0;
    const auto en = local_spectrum(generate_sinusoid(noisy, seed, mine.begin, mine.count), radius, world, &inside_noisy);
    const double gap_noisy = en[k - 1] / en[k];
    MESSAGE(fmt::format("sinusoid ({}, {}): {} rows in the ball, eigenvalues {:.4f} .. {:.4f} (flat {:.4f}), "
                        "next {:.2e}, gap {:.1f}; noise 0.05: gap {:.2f}",
                        k, dim, inside, e[0], e[k - 1], flat, e[k], gap, gap_noisy));
    REQUIRE(inside > 200);
    for (int c = 0; c < k; ++c) {
      CHECK(e[c] > 0.75 * flat);
      CHECK(e[c] < 1.33 * flat);
    }
    CHECK(gap > 10);
    CHECK(gap_noisy < 10);  // the gap check fails when noise hides the dimension
  }
}
