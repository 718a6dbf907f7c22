#include "datasets/sinusoid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "datasets/keyed_draws.hpp"

namespace structura::datasets {

void validate(const SinusoidSettings& s) {
  validate_dimensions(s.intrinsic_dimension, s.ambient_dimension);
  require(std::isfinite(s.latent_variance) && s.latent_variance > 0,
          fmt::format("sinusoid latent_variance: expected a variance > 0, got {}", s.latent_variance));
  require(std::isfinite(s.noise_variance) && s.noise_variance >= 0,
          fmt::format("sinusoid noise_variance: expected a variance >= 0, got {}", s.noise_variance));
}

std::vector<double> sinusoid_shears(const SinusoidSettings& s, std::uint64_t seed) {
  validate(s);
  const int k = s.intrinsic_dimension, extra = s.ambient_dimension - s.intrinsic_dimension;
  const CounterRng rng(seed, manifold_streams::sinusoid_shears);
  std::vector<double> shears(std::size_t(extra) * k);
  for (int j = 0; j < extra; ++j) {
    KeyedDraws draws(rng, static_cast<std::uint64_t>(j));
    for (int c = 0; c < k; ++c) shears[std::size_t(j) * k + c] = 1.0 + draws.uniform();
  }
  return shears;
}

ManifoldRows generate_sinusoid(const SinusoidSettings& s, std::uint64_t seed, std::int64_t first,
                               std::int64_t count) {
  validate(s);
  check_rows_request(first, count);
  const int k = s.intrinsic_dimension, n = s.ambient_dimension, extra = n - k;
  const std::vector<double> shears = sinusoid_shears(s, seed);
  const double latent_sd = std::sqrt(s.latent_variance), noise_sd = std::sqrt(s.noise_variance);
  const CounterRng rng(seed, manifold_streams::sinusoid_rows);
  ManifoldRows rows{first, count, n, std::vector<double>(std::size_t(count) * n)};
  for (std::int64_t r = 0; r < count; ++r) {
    KeyedDraws draws(rng, static_cast<std::uint64_t>(first + r));
    double* x = rows.row(r);
    double* z = x + extra;
    for (int c = 0; c < k; ++c) z[c] = latent_sd * draws.normal();
    for (int j = 0; j < extra; ++j) {
      double dot = 0;
      for (int c = 0; c < k; ++c) dot += shears[std::size_t(j) * k + c] * z[c];
      x[j] = std::sin(dot) + noise_sd * draws.normal();
    }
  }
  return rows;
}

std::int64_t reference_samples(const SinusoidSettings&) { return 100000; }

}  // namespace structura::datasets
