// Hemisphere(K, N) against its definition (hemisphere.hpp; the reference's
// sample_dataset.py). Truths:
//  - the embedding E [N, K + 1] has orthonormal columns: E^T E = I to 1e-14;
//  - every row x has |x| = 1 and lies in E's span (x - E E^T x = 0) to
//    rounding, so rows lie on a unit K-sphere inside R^N;
//  - the sphere coordinates y = E^T x are the upper hemisphere: the last
//    (the product of sines) and the first (cos theta_1, theta_1 <= pi/2) >= 0;
//  - the angles recovered from y alone (theta_c = atan2(|y_{c+1..K}|, y_c))
//    have the stated laws on 1e5 rows pooled over the ranks: theta_1 2/pi ~
//    Beta(5, 5) (mean 1/2, variance 1/44, each within 5 standard errors; a
//    Beta(4, 4), variance 1/36, would be 57 standard errors off) and
//    theta_2 .. theta_K / pi ~ U(0, 1) (mean 1/2, variance 1/12);
//  - they equal the angles the generator drew (hemisphere_angles) to
//    rounding (1e-14 times the product of the earlier sines).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "datasets/hemisphere.hpp"
#include "moments.hpp"

using namespace structura;
using namespace structura::datasets;
using manifold_test::pooled_moments;

namespace {

constexpr std::uint64_t seed = 7041;
constexpr double pi = 3.141592653589793238462643383279502884;

}  // namespace

TEST_CASE("hemisphere: the embedding's columns are orthonormal") {
  for (const auto& [k, dim] : {std::pair{2, 3}, std::pair{5, 20}, std::pair{9, 100}}) {
    const HemisphereSettings s{k, dim};
    const std::vector<double> e = hemisphere_embedding(s, seed);
    const int m = k + 1;
    REQUIRE(e.size() == std::size_t(dim) * std::size_t(m));
    double worst = 0;
    for (int a = 0; a < m; ++a)
      for (int b = 0; b < m; ++b) {
        double dot = 0;
        for (int i = 0; i < dim; ++i) dot += e[std::size_t(i) * m + a] * e[std::size_t(i) * m + b];
        worst = std::max(worst, std::abs(dot - (a == b ? 1.0 : 0.0)));
      }
    MESSAGE(fmt::format("hemisphere ({}, {}): |E^T E - I| {:.1e}", k, dim, worst));
    CHECK(worst < 1e-14);
    CHECK(hemisphere_embedding(s, seed + 1) != e);  // keyed by the seed
  }
}

TEST_CASE("hemisphere: rows on the embedded unit K-sphere, upper half, Beta(5, 5) polar angle, uniform others") {
  const mpi::Comm world;
  const std::int64_t n = 100000;
  const Range mine = world.block(n);
  for (const auto& [k, dim] : {std::pair{2, 3}, std::pair{5, 20}}) {
    CAPTURE(k);
    CAPTURE(dim);
    const HemisphereSettings s{k, dim};
    const int m = k + 1;
    const std::uint64_t key = seed + std::uint64_t(k);  // independent draws per shape
    const std::vector<double> e = hemisphere_embedding(s, key);
    const ManifoldRows rows = generate_hemisphere(s, key, mine.begin, mine.count);
    REQUIRE(rows.dimension == dim);
    REQUIRE(rows.count == mine.count);
    const std::vector<double> drawn = hemisphere_angles(s, key, mine.begin, mine.count);
    double worst_norm = 0, worst_outside = 0, lowest_last = 1, lowest_first = 1, worst_angle = 0;
    std::vector<std::vector<double>> theta(static_cast<std::size_t>(k));
    std::vector<double> y(static_cast<std::size_t>(m));
    for (std::int64_t r = 0; r < rows.count; ++r) {
      const double* x = rows.row(r);
      double norm2 = 0;
      for (int i = 0; i < dim; ++i) norm2 += x[i] * x[i];
      worst_norm = std::max(worst_norm, std::abs(std::sqrt(norm2) - 1));
      for (int c = 0; c < m; ++c) {
        y[c] = 0;
        for (int i = 0; i < dim; ++i) y[c] += e[std::size_t(i) * m + c] * x[i];
      }
      for (int i = 0; i < dim; ++i) {
        double back = 0;
        for (int c = 0; c < m; ++c) back += e[std::size_t(i) * m + c] * y[c];
        worst_outside = std::max(worst_outside, std::abs(x[i] - back));
      }
      lowest_first = std::min(lowest_first, y[0]);
      lowest_last = std::min(lowest_last, y[k]);
      // theta_c from y_c = (prod of earlier sines) cos theta_c and the
      // tail's norm (prod of earlier sines) sin theta_c; atan2 is accurate
      // near 0 and pi, where acos is not.
      for (int c = 0; c < k; ++c) {
        double tail = 0;
        for (int i = c + 1; i < m; ++i) tail += y[i] * y[i];
        const double angle = std::atan2(std::sqrt(tail), y[c]);
        theta[std::size_t(c)].push_back(angle);
        // |y_c..K| = the product of the earlier sines: rounding in y moves
        // theta_c by eps / that, so the angle error is weighed by it.
        const double scale = std::sqrt(tail + y[c] * y[c]);
        worst_angle = std::max(worst_angle, scale * std::abs(angle - drawn[std::size_t(r) * k + c]));
      }
    }
    worst_norm = world.max(worst_norm);
    worst_outside = world.max(worst_outside);
    lowest_first = world.min(lowest_first);
    lowest_last = world.min(lowest_last);
    worst_angle = world.max(worst_angle);

    // theta_1 2 / pi ~ Beta(5, 5): variance 1/44, excess kurtosis -6/13, so the
    // sample variance's standard error is (1/44) sqrt(20 / (13 n)).
    std::vector<double> polar;
    for (double t : theta[0]) polar.push_back(t * 2 / pi);
    const auto b = pooled_moments(polar, world);
    const double beta_mean_sigma = std::abs(b.mean - 0.5) / std::sqrt(1.0 / 44 / b.n);
    const double beta_var_sigma = std::abs(b.variance - 1.0 / 44) / (std::sqrt(20.0 / 13 / b.n) / 44);
    // theta_c / pi ~ U(0, 1) for c >= 2.
    double uniform_sigma = 0;
    for (int c = 1; c < k; ++c) {
      std::vector<double> u;
      for (double t : theta[std::size_t(c)]) u.push_back(t / pi);
      const auto q = pooled_moments(u, world);
      uniform_sigma = std::max({uniform_sigma, std::abs(q.mean - 0.5) / std::sqrt(1.0 / 12 / q.n),
                                std::abs(q.variance - 1.0 / 12) / std::sqrt((1.0 / 80 - 1.0 / 144) / q.n)});
    }
    MESSAGE(fmt::format("hemisphere ({}, {}): ||x| - 1| {:.1e}, off the span {:.1e}, min y_1 {:.2e}, min y_K+1 "
                        "{:.2e}; polar 2/pi: mean {:.5f} ({:.2f} sigma), variance {:.6f} vs {:.6f} ({:.2f} sigma); "
                        "uniform angles worst {:.2f} sigma; vs drawn angles {:.1e}",
                        k, dim, worst_norm, worst_outside, lowest_first, lowest_last, b.mean, beta_mean_sigma,
                        b.variance, 1.0 / 44, beta_var_sigma, uniform_sigma, worst_angle));
    CHECK(b.n == doctest::Approx(double(n)));
    CHECK(worst_norm < 1e-14);
    CHECK(worst_outside < 1e-14);
    CHECK(lowest_first >= -1e-15);
    CHECK(lowest_last >= -1e-15);
    CHECK(beta_mean_sigma < 5);
    CHECK(beta_var_sigma < 5);
    CHECK(uniform_sigma < 5);
    CHECK(worst_angle < 1e-14);
  }
}
