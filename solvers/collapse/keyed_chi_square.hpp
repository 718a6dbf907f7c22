// A χ²_k draw (k > 0, real) from the counter-based generator: draw counters
// first, first + 1, ... of one (key, item) are consumed, one per attempt of
// Marsaglia and Tsang's squeeze-free gamma method (ACM TOMS 26, 2000), so the
// draw is a pure function of (key, item, first). χ²_k = 2 Gamma(k/2); shape
// a < 1 uses Gamma(a) = Gamma(a + 1) U^(1/a) with U from the first attempt's
// spare uniform. Acceptance is ≥ 95 % per attempt for a ≥ 1.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/rng.hpp"

namespace structura::collapse {

inline double keyed_chi_square(const CounterRng& rng, std::uint64_t item, std::uint64_t first, double k) {
  double a = 0.5 * k;
  double boost = 1.0;
  if (a < 1) {
    const Uniform4 u = rng.uniform4(item, first);
    boost = std::pow(u.u[3], 1.0 / a);
    a += 1;
  }
  const double d = a - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (std::uint64_t attempt = first;; ++attempt) {
    const Uniform4 u = rng.uniform4(item, attempt);
    double z, unused;
    box_muller(u.u[0], u.u[1], z, unused);
    const double t = 1.0 + c * z;
    if (t <= 0) continue;
    const double v = t * t * t;
    if (std::log(u.u[2]) < 0.5 * z * z + d - d * v + d * std::log(v)) return 2.0 * d * v * boost;
  }
}

}  // namespace structura::collapse
