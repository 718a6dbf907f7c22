// The single-Gaussian recursion of "The Curse of Recursion" (Shumailov et al.,
// Nature 631, 2024), measured over many independent chains: generation 0 is
// N(μ₀, σ₀²); generation g + 1 is the fit (sample mean, sample variance) of
// M_g samples of generation g. Chain c draws from the counter-based generator
// keyed by (seed, c), so the result does not depend on how the chains are
// spread over ranks; the across-chain sums are made exact in the rank count
// (see block_sums.hpp), so 1 rank and 64 ranks give the same bits.
//
// Variants: the biased (1/M, NumPy's default, the paper's) or the unbiased
// (1/(M − 1)) variance estimator; M_g = round(M₀ (g + 1)^p); the "accumulate"
// control, whose fit uses the pooled samples of all generations so far
// (running sums, Chan's pairwise update, no samples stored).
//
// Two ways to draw a generation, equal in distribution: `Samples` draws the
// M_g normals and fits them (the literal recursion, O(M) per generation);
// `SufficientStatistics` draws the fit's sufficient statistics directly,
// x̄ ~ N(μ, σ²/M) and Σ(x − x̄)² ~ σ² χ²_{M−1}, independent (Cochran), O(1)
// per generation, which makes M = 10⁴ over 10³ generations and 10⁵ chains
// (10¹² samples literally) a matter of seconds.
//
// Chains carry log σ² rather than σ²: with M = 2 the biased recursion loses
// about 2.6 in log σ² per generation, and σ² itself underflows after a few
// hundred generations while log σ² stays exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/mpi.hpp"

namespace structura::collapse {

enum class VarianceEstimator {
  Biased,    // Σ(x − x̄)² / M
  Unbiased,  // Σ(x − x̄)² / (M − 1)
};

enum class GaussianSampling {
  Samples,               // draw M normals per generation and fit them
  SufficientStatistics,  // draw (x̄, Σ(x − x̄)²) from their exact joint law
};

struct GaussianRecursionOptions {
  double mu0 = 0.0;                 // generation-0 mean
  double sigma0 = 1.0;              // generation-0 standard deviation (> 0)
  std::int64_t samples = 100;       // M₀ (≥ 2)
  double samples_power = 0.0;       // p in M_g = round(M₀ (g + 1)^p) (≥ 0; 0 = constant M)
  std::int64_t generations = 100;   // fits per chain (≥ 1)
  std::int64_t chains = 100000;     // independent chains (≥ 1)
  VarianceEstimator estimator = VarianceEstimator::Unbiased;
  GaussianSampling sampling = GaussianSampling::Samples;
  bool accumulate = false;          // fit the pooled samples of all generations
  double collapse_threshold = 1e-2; // σ²_g below this counts as collapsed (> 0)
  std::uint64_t seed = 0;

  // Throws InputError naming `where.samples` etc.
  void validate(const std::string& where = "gaussian") const;
  // M_g, the samples drawn from generation g (g = 0 .. generations − 1).
  std::int64_t samples_at(std::int64_t g) const;
};

// Across-chain mean, variance (1/(n − 1)) and standard error of the mean
// (√(variance / n)) of one quantity.
struct ChainMoments {
  double mean = 0.0;
  double variance = 0.0;
  double standard_error = 0.0;
};

// One entry per generation g = 0 .. generations (entry 0 is N(μ₀, σ₀²)).
struct GaussianRecursionResult {
  std::vector<std::int64_t> samples;      // M_g drawn from generation g (0 for the last)
  std::vector<ChainMoments> mu_error_sq;  // (μ_g − μ₀)²
  std::vector<ChainMoments> sigma2;       // σ²_g
  std::vector<ChainMoments> log_sigma2;   // log σ²_g
  std::vector<double> collapsed_fraction; // fraction of chains with σ²_g < collapse_threshold
  std::int64_t chains = 0;
};

// Collective over `comm`: chains are split into fixed blocks of
// `kChainBlock`, the blocks spread over the ranks by block_range.
GaussianRecursionResult run_gaussian_recursion(const GaussianRecursionOptions& options,
                                               const mpi::Comm& comm = mpi::Comm());

}  // namespace structura::collapse
