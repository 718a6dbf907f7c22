#include "collapse/gaussian_recursion.hpp"

#include <fmt/format.h>

#include <cmath>

#include "collapse/block_sums.hpp"
#include "collapse/keyed_chi_square.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::collapse {

void GaussianRecursionOptions::validate(const std::string& where) const {
  require(samples >= 2, fmt::format("{}.samples must be at least 2 (a variance needs two samples), got {}", where,
                                    samples));
  require(generations >= 1, fmt::format("{}.generations must be at least 1, got {}", where, generations));
  require(chains >= 1, fmt::format("{}.chains must be at least 1, got {}", where, chains));
  require(std::isfinite(sigma0) && sigma0 > 0, fmt::format("{}.sigma0 must be positive, got {}", where, sigma0));
  require(std::isfinite(mu0), fmt::format("{}.mu0 must be finite, got {}", where, mu0));
  require(std::isfinite(samples_power) && samples_power >= 0 && samples_power <= 4,
          fmt::format("{}.samples_power must be in [0, 4], got {}", where, samples_power));
  require(std::isfinite(collapse_threshold) && collapse_threshold > 0,
          fmt::format("{}.collapse_threshold must be positive, got {}", where, collapse_threshold));
  // The last generation's M must fit the counters and the pool in 64 bits.
  const double last = static_cast<double>(samples) * std::pow(static_cast<double>(generations), samples_power);
  require(last < 1e15, fmt::format("{}.samples grows to {:.3g} by the last generation (samples_power {}), more "
                                   "than 1e15",
                                   where, last, samples_power));
}

std::int64_t GaussianRecursionOptions::samples_at(std::int64_t g) const {
  if (samples_power == 0) return samples;
  return std::max<std::int64_t>(
      2, std::llround(static_cast<double>(samples) * std::pow(static_cast<double>(g + 1), samples_power)));
}

namespace {

// The standardised fit of M draws z ~ N(0, 1) of chain `rng`, generation g:
// their mean and Σ(z − z̄)².
struct StandardFit {
  double mean = 0.0;
  double scatter = 0.0;
};

StandardFit draw_samples(const CounterRng& rng, std::uint64_t g, std::int64_t m) {
  // Pairs from Box-Muller, four normals per Philox call. z is N(0, 1), so
  // Σz² − M z̄² loses nothing: M z̄² is O(1) against Σz² = O(M).
  double sum = 0, sum2 = 0;
  for (std::int64_t j = 0; j < m; j += 4) {
    const Uniform4 u = rng.uniform4(g, static_cast<std::uint64_t>(j / 4));
    double z[4];
    box_muller(u.u[0], u.u[1], z[0], z[1]);
    box_muller(u.u[2], u.u[3], z[2], z[3]);
    const std::int64_t take = std::min<std::int64_t>(4, m - j);
    for (std::int64_t k = 0; k < take; ++k) {
      sum += z[k];
      sum2 += z[k] * z[k];
    }
  }
  StandardFit f;
  f.mean = sum / static_cast<double>(m);
  f.scatter = std::max(0.0, sum2 - sum * f.mean);
  return f;
}

StandardFit draw_sufficient(const CounterRng& rng, std::uint64_t g, std::int64_t m) {
  // Draw 0 of (chain, generation) gives the mean's normal; draws 1, 2, ...
  // the χ²_{M−1} attempts.
  const Uniform4 u = rng.uniform4(g, 0);
  double z, unused;
  box_muller(u.u[0], u.u[1], z, unused);
  StandardFit f;
  f.mean = z / std::sqrt(static_cast<double>(m));
  f.scatter = keyed_chi_square(rng, g, 1, static_cast<double>(m - 1));
  return f;
}

// One chain's state: the current fit and, for the accumulate control, the
// pool of all samples drawn so far (count, mean, Σ(x − mean)²).
struct Chain {
  double mu = 0.0;
  double log_sigma2 = 0.0;
  double pool_n = 0.0;
  double pool_mean = 0.0;
  double pool_scatter = 0.0;
};

constexpr std::int64_t kSums = 7;  // Σd, Σd², Σs, Σs², Σl, Σl², #collapsed

ChainMoments moments(double sum, double sum2, std::int64_t n) {
  ChainMoments m;
  const double dn = static_cast<double>(n);
  m.mean = sum / dn;
  m.variance = n > 1 ? std::max(0.0, (sum2 - sum * m.mean) / (dn - 1)) : 0.0;
  m.standard_error = std::sqrt(m.variance / dn);
  return m;
}

}  // namespace

GaussianRecursionResult run_gaussian_recursion(const GaussianRecursionOptions& o, const mpi::Comm& comm) {
  o.validate();
  const BlockOwnership own = own_blocks(o.chains, comm);
  const std::int64_t first = own.mine.begin * kChainBlock;
  const std::int64_t last = std::min(o.chains, own.mine.end() * kChainBlock);
  std::vector<Chain> chains(static_cast<std::size_t>(std::max<std::int64_t>(0, last - first)));
  for (Chain& c : chains) {
    c.mu = o.mu0;
    c.log_sigma2 = 2 * std::log(o.sigma0);
  }
  const bool biased = o.estimator == VarianceEstimator::Biased;

  GaussianRecursionResult result;
  result.chains = o.chains;
  std::vector<double> partial(static_cast<std::size_t>(own.blocks * kSums));
  auto record = [&](std::int64_t g) {
    std::fill(partial.begin(), partial.end(), 0.0);
    for (std::int64_t b = own.mine.begin; b < own.mine.end(); ++b) {
      double* s = &partial[static_cast<std::size_t>(b * kSums)];
      for (std::int64_t i = own.first_item(b); i < own.end_item(b, o.chains); ++i) {
        const Chain& c = chains[static_cast<std::size_t>(i - first)];
        const double d = (c.mu - o.mu0) * (c.mu - o.mu0);
        const double s2 = std::exp(c.log_sigma2);
        s[0] += d;
        s[1] += d * d;
        s[2] += s2;
        s[3] += s2 * s2;
        s[4] += c.log_sigma2;
        s[5] += c.log_sigma2 * c.log_sigma2;
        s[6] += s2 < o.collapse_threshold ? 1.0 : 0.0;
      }
    }
    const std::vector<double> t = reduce_blocks(partial, kSums, comm);
    result.mu_error_sq.push_back(moments(t[0], t[1], o.chains));
    result.sigma2.push_back(moments(t[2], t[3], o.chains));
    result.log_sigma2.push_back(moments(t[4], t[5], o.chains));
    result.collapsed_fraction.push_back(t[6] / static_cast<double>(o.chains));
    result.samples.push_back(g < o.generations ? o.samples_at(g) : 0);
  };

  record(0);
  for (std::int64_t g = 0; g < o.generations; ++g) {
    const std::int64_t m = o.samples_at(g);
    const double dm = static_cast<double>(m);
    for (std::int64_t i = first; i < last; ++i) {
      Chain& c = chains[static_cast<std::size_t>(i - first)];
      const CounterRng rng(o.seed, static_cast<std::uint64_t>(i));
      const StandardFit z = o.sampling == GaussianSampling::Samples ? draw_samples(rng, g, m)
                                                                      : draw_sufficient(rng, g, m);
      if (!o.accumulate) {
        // x = μ + σ z: the fit of the x is μ + σ z̄ and σ² Σ(z − z̄)² / c.
        c.mu += std::exp(0.5 * c.log_sigma2) * z.mean;
        c.log_sigma2 += std::log(z.scatter / (biased ? dm : dm - 1));
        continue;
      }
      // Chan et al.'s pairwise update of (count, mean, scatter) with this
      // generation's batch (M, μ + σ z̄, σ² Σ(z − z̄)²).
      const double sigma2 = std::exp(c.log_sigma2);
      const double batch_mean = c.mu + std::sqrt(sigma2) * z.mean;
      const double n = c.pool_n + dm;
      const double delta = batch_mean - c.pool_mean;
      c.pool_scatter += sigma2 * z.scatter + delta * delta * c.pool_n * dm / n;
      c.pool_mean += delta * dm / n;
      c.pool_n = n;
      c.mu = c.pool_mean;
      c.log_sigma2 = std::log(c.pool_scatter / (biased ? n : n - 1));
    }
    record(g + 1);
  }
  return result;
}

}  // namespace structura::collapse
