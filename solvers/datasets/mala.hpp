// Metropolis-adjusted Langevin sampling as the reference code generates
// its 2-D sets (sample_dataset.py's langevin_mcmc): many chains started at
// the origin, proposal y = x + (h^2/2) grad log p(x) + h xi, the
// Metropolis-Hastings correction for that proposal, and only each chain's
// final state kept. Chain c draws from the keyed item c (step s at Philox
// counter s * stride), so chain c is the same on any rank.
//
// Note on the reference settings (h = 0.1, 1000 or 2000 steps): the
// proposal is a Langevin step of time h^2 = 0.01, so 1000 steps cover
// Langevin time 10. A coordinate of variance s^2 relaxes from the origin as
// s^2 (1 - exp(-t / s^2)); for the banana's x2 (s^2 = 4) that is 92 % of
// its variance after 1000 steps. The exact samplers are the default.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "datasets/keyed_draws.hpp"

namespace structura::datasets {

struct MalaSettings {
  double step = 0.1;          // h: proposal standard deviation (data.mala.step)
  std::int64_t steps = 1000;  // proposals per chain (data.mala.steps)
};

// InputError naming data.mala.step (not finite or <= 0) or data.mala.steps (< 1).
void validate(const MalaSettings& settings);

struct MalaCounts {
  std::int64_t proposed = 0, accepted = 0;
  double acceptance_rate() const { return proposed > 0 ? double(accepted) / double(proposed) : 0.0; }
};

// Runs chains first .. first + count - 1 of `target` and writes each final
// state to out[c * D .. c * D + D - 1]. Target provides
//   int dimension() const;
//   double log_density(const double* x) const;        // up to a constant
//   void score(const double* x, double* grad) const;  // grad log p
// NumericalError if a chain's state or log density stops being finite.
template <class Target>
MalaCounts run_mala(const Target& target, const MalaSettings& settings, const CounterRng& rng, std::int64_t first,
                    std::int64_t count, double* out) {
  validate(settings);
  const int d = target.dimension();
  const double h = settings.step, drift = 0.5 * h * h;
  const std::uint64_t stride = draws_stride(d, 1);
  std::vector<double> x(d), gx(d), y(d), gy(d);
  MalaCounts counts;
  for (std::int64_t c = 0; c < count; ++c) {
    for (int k = 0; k < d; ++k) x[k] = 0.0;
    target.score(x.data(), gx.data());
    double lx = target.log_density(x.data());
    const auto item = static_cast<std::uint64_t>(first + c);
    for (std::int64_t s = 0; s < settings.steps; ++s) {
      KeyedDraws draws(rng, item, static_cast<std::uint64_t>(s) * stride);
      double forward2 = 0;  // |y - x - drift gx|^2 = h^2 |xi|^2
      for (int k = 0; k < d; ++k) {
        const double xi = draws.normal();
        y[k] = x[k] + drift * gx[k] + h * xi;
        forward2 += h * h * xi * xi;
      }
      const double u = draws.uniform();
      target.score(y.data(), gy.data());
      const double ly = target.log_density(y.data());
      double backward2 = 0;  // |x - y - drift gy|^2
      for (int k = 0; k < d; ++k) {
        const double r = x[k] - y[k] - drift * gy[k];
        backward2 += r * r;
      }
      const double log_ratio = ly - lx + (forward2 - backward2) / (2 * h * h);
      ++counts.proposed;
      if (std::log(u) < log_ratio) {
        ++counts.accepted;
        x.swap(y);
        gx.swap(gy);
        lx = ly;
      }
    }
    if (!std::isfinite(lx))
      throw NumericalError("MALA: chain " + std::to_string(first + c) + " ended with a non-finite log density");
    for (int k = 0; k < d; ++k) out[c * d + k] = x[k];
  }
  return counts;
}

}  // namespace structura::datasets
