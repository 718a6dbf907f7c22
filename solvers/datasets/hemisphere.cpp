#include "datasets/hemisphere.hpp"

#include <algorithm>
#include <cmath>

#include "datasets/keyed_draws.hpp"
#include "datasets/orthonormal.hpp"

namespace structura::datasets {

namespace {

constexpr double pi = 3.141592653589793238462643383279502884;

// Gamma(5, 1) as the sum of five standard exponentials.
double gamma5(KeyedDraws& draws) {
  double s = 0;
  for (int k = 0; k < 5; ++k) s -= std::log(draws.uniform());
  return s;
}

void draw_angles(KeyedDraws& draws, int k, double* theta) {
  const double g = gamma5(draws), h = gamma5(draws);
  theta[0] = 0.5 * pi * g / (g + h);
  for (int c = 1; c < k; ++c) theta[c] = pi * draws.uniform();
}

}  // namespace

void validate(const HemisphereSettings& s) {
  validate_dimensions(s.intrinsic_dimension, s.ambient_dimension);
}

std::vector<double> hemisphere_embedding(const HemisphereSettings& s, std::uint64_t seed) {
  validate(s);
  const int n = s.ambient_dimension, m = s.intrinsic_dimension + 1;
  const CounterRng rng(seed, manifold_streams::hemisphere_embedding);
  std::vector<double> g(std::size_t(n) * m);
  for (int i = 0; i < n; ++i) {
    KeyedDraws draws(rng, static_cast<std::uint64_t>(i));
    for (int c = 0; c < m; ++c) g[std::size_t(i) * m + c] = draws.normal();
  }
  return orthonormal_columns(g, n, m);
}

std::vector<double> hemisphere_angles(const HemisphereSettings& s, std::uint64_t seed, std::int64_t first,
                                      std::int64_t count) {
  validate(s);
  check_rows_request(first, count);
  const int k = s.intrinsic_dimension;
  const CounterRng rng(seed, manifold_streams::hemisphere_rows);
  std::vector<double> theta(std::size_t(count) * k);
  for (std::int64_t r = 0; r < count; ++r) {
    KeyedDraws draws(rng, static_cast<std::uint64_t>(first + r));
    draw_angles(draws, k, theta.data() + r * k);
  }
  return theta;
}

void sphere_point(const double* theta, int k, double* y) {
  double sines = 1;
  for (int c = 0; c < k; ++c) {
    y[c] = sines * std::cos(theta[c]);
    sines *= std::sin(theta[c]);
  }
  y[k] = sines;
}

ManifoldRows generate_hemisphere(const HemisphereSettings& s, std::uint64_t seed, std::int64_t first,
                                 std::int64_t count) {
  const std::vector<double> e = hemisphere_embedding(s, seed);  // validates
  check_rows_request(first, count);
  const int k = s.intrinsic_dimension, m = k + 1, n = s.ambient_dimension;
  const std::vector<double> theta = hemisphere_angles(s, seed, first, count);
  ManifoldRows rows{first, count, n, std::vector<double>(std::size_t(count) * n)};
  std::vector<double> y(m);
  for (std::int64_t r = 0; r < count; ++r) {
    sphere_point(theta.data() + r * k, k, y.data());
    double* x = rows.row(r);
    for (int i = 0; i < n; ++i) {
      double v = 0;
      for (int c = 0; c < m; ++c) v += e[std::size_t(i) * m + c] * y[c];
      x[i] = v;
    }
  }
  return rows;
}

std::int64_t reference_samples(const HemisphereSettings& s) {
  const double factor = std::floor(std::max(std::sqrt(s.ambient_dimension / 5.0), 1.0));
  return 5000 * std::int64_t(s.intrinsic_dimension) * static_cast<std::int64_t>(factor);
}

}  // namespace structura::datasets
