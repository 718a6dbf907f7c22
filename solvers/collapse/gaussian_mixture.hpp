// A Gaussian mixture p(x) = Σ_k w_k N(x; μ_k, Σ_k) with full covariances in
// R^d (issue 13 §2), and what the model-collapse experiment needs of one:
// log-densities, keyed sampling and the closed-form L2 distance between two
// mixtures. Points are row-major [n, d]; means [K, d]; covariances [K, d, d].
//
// Sampling: row i of a draw is a pure function of (seed, stream, i): one
// uniform picks the component by the cumulative weights, d normals z give
// x = μ_k + L_k z with Σ_k = L_k L_kᵀ (Cholesky). Any block of rows can be
// drawn on any rank, so a generation's data do not depend on the rank count.
//
// L2 distance: ∫(p − q)² = Σ_ij w_i w_j N(μ_i; μ_j, Σ_i + Σ_j) over the pairs of
// p with p, q with q, minus twice those of p with q (the product of two
// Gaussian densities integrates to the density of their difference at 0).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace structura::collapse {

struct GaussianMixture {
  int dimension = 0;
  std::vector<double> weights;      // [K], ≥ 0, summing to 1
  std::vector<double> means;        // [K, d]
  std::vector<double> covariances;  // [K, d, d], symmetric positive definite

  int components() const { return static_cast<int>(weights.size()); }
  const double* mean(int k) const { return means.data() + static_cast<std::size_t>(k) * dimension; }
  const double* covariance(int k) const {
    return covariances.data() + static_cast<std::size_t>(k) * dimension * dimension;
  }
  // InputError naming `where` (where.weights, where.means, where.covariances
  // and the component) for sizes that do not match, weights that are negative
  // or do not sum to 1 (to 1e-9), non-finite entries, or a covariance that is
  // not symmetric positive definite.
  void validate(const std::string& where = "mixture") const;
};

// The Cholesky factors of a mixture's covariances, what every density needs.
struct MixtureFactors {
  int dimension = 0, components = 0;
  std::vector<double> lower;       // [K, d, d]: Σ_k = L_k L_kᵀ, L_k lower triangular (upper part zero)
  std::vector<double> log_norm;    // [K]: log w_k − ½ (d log 2π + log det Σ_k)
  const double* factor(int k) const { return lower.data() + static_cast<std::size_t>(k) * dimension * dimension; }
};

// InputError naming `where` when a covariance is not positive definite.
MixtureFactors factorise(const GaussianMixture& mixture, const std::string& where = "mixture");

// Lower Cholesky factor of a symmetric d × d matrix in place (upper part
// zeroed); false when it is not positive definite.
bool cholesky_in_place(double* a, int d);

// log p(x) for each row of points [n, d].
std::vector<double> log_density(const GaussianMixture& mixture, std::span<const double> points);

// Rows first .. first + count − 1 of the keyed draw: [count, d].
std::vector<double> sample_mixture(const GaussianMixture& mixture, std::uint64_t seed, std::uint64_t stream,
                                   std::int64_t first, std::int64_t count);

// ∫(p − q)² dx ≥ 0 (clamped at 0 against rounding) and its square root.
double l2_distance_squared(const GaussianMixture& p, const GaussianMixture& q);
double l2_distance(const GaussianMixture& p, const GaussianMixture& q);

}  // namespace structura::collapse
