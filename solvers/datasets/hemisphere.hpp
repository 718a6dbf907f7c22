// Hemisphere(K, N) of the pullback-geometry paper (reference:
// sample_dataset.py): a point on S^K from spherical angles, embedded in R^N
// by an N x (K + 1) matrix E with orthonormal columns. Intrinsic dimension K.
//   theta_1 = (pi / 2) Beta(5, 5)          (the polar angle, from axis 1)
//   theta_2 .. theta_K ~ U[0, pi]
//   y_1 = cos theta_1, y_k = sin theta_1 ... sin theta_{k-1} cos theta_k,
//   y_{K+1} = sin theta_1 ... sin theta_K >= 0 (all angles lie in [0, pi]),
//   row = E y.
// The unused angle: the reference draws K uniform angles besides theta_1
// but its spherical-to-Cartesian map reads only K - 1 of them (K angles fix
// a point of S^K). We draw exactly the K - 1 angles that are used; the
// distribution is the same. theta_1 <= pi/2 also makes y_1 >= 0.
// Beta(5, 5) is drawn exactly as G5 / (G5 + G5'), G5 = -sum of 5 log-uniforms
// (a Gamma(5) variable). E is the Q of a Householder QR (diag R > 0) of a
// Gaussian N x (K + 1) matrix keyed by the seed (the reference uses seed 0).
#pragma once

#include <cstdint>
#include <vector>

#include "datasets/manifold_set.hpp"

namespace structura::datasets {

struct HemisphereSettings {
  int intrinsic_dimension = 2;  // K (data.intrinsic_dimension); the sphere S^K has K + 1 coordinates
  int ambient_dimension = 3;    // N (data.ambient_dimension)
};

// validate_dimensions(K, N) (manifold_set.hpp).
void validate(const HemisphereSettings& settings);

// E [N, K + 1] row-major with orthonormal columns, keyed by the seed.
std::vector<double> hemisphere_embedding(const HemisphereSettings& settings, std::uint64_t seed);

// The K angles of row i (theta_1 .. theta_K), as drawn: [count, K].
std::vector<double> hemisphere_angles(const HemisphereSettings& settings, std::uint64_t seed, std::int64_t first,
                                      std::int64_t count);

// Spherical to Cartesian: K angles -> K + 1 coordinates of S^K.
void sphere_point(const double* angles, int k, double* y);

// Rows first .. first + count - 1, [count, N]; a pure function of (seed, row).
ManifoldRows generate_hemisphere(const HemisphereSettings& settings, std::uint64_t seed, std::int64_t first,
                                 std::int64_t count);

// The reference's count 5000 K floor(max(sqrt(N / 5), 1)): 10000 for (2, 3), 50000 for (5, 20).
std::int64_t reference_samples(const HemisphereSettings& settings);

}  // namespace structura::datasets
