// Sinusoid(K, N) of the pullback-geometry paper (reference:
// sample_dataset.py, generate_generalised_sinusoid_samples): a K-dimensional
// Gaussian z ~ N(0, 3 I_K) and N - K coordinates x_j = sin(<s_j, z>) + noise
// of variance 1e-3, with shears s_j ~ U[1, 2]^K shared by every sample.
// Row = [the N - K sinusoid coordinates, then the K z-coordinates].
// The reference draws s unseeded; here s_j is keyed by (seed, j), so a set
// is reproducible from its seed. Intrinsic dimension: K.
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/manifold_set.hpp"

namespace structura::datasets {

struct SinusoidSettings {
  int intrinsic_dimension = 1;     // K (data.intrinsic_dimension)
  int ambient_dimension = 3;       // N (data.ambient_dimension)
  double latent_variance = 3.0;    // variance of each z-coordinate
  double noise_variance = 1e-3;    // variance of the noise on each x_j
};

// validate_dimensions(K, N) (manifold_set.hpp); the variances must be
// finite, latent > 0 and noise >= 0.
void validate(const SinusoidSettings& settings);

// s [N - K, K] row-major: s_jk = 1 + U(0, 1) keyed by (seed, j).
std::vector<double> sinusoid_shears(const SinusoidSettings& settings, std::uint64_t seed);

// Rows first .. first + count - 1, [count, N]; a pure function of (seed, row).
ManifoldRows generate_sinusoid(const SinusoidSettings& settings, std::uint64_t seed, std::int64_t first,
                               std::int64_t count);

// The reference's sample count: 100000 for every (K, N) (its HEAD; an
// older rule 5000 K floor(max(sqrt(N / 5), 1)) survives in a comment).
std::int64_t reference_samples(const SinusoidSettings& settings);

}  // namespace structura::datasets
