// Digamma ψ(x) = d/dx log Γ(x) and trigamma ψ'(x) for x > 0, to about 1e-14
// relative: the recurrences ψ(x) = ψ(x + 1) − 1/x, ψ'(x) = ψ'(x + 1) + 1/x²
// lift x to ≥ 12, where the asymptotic (Bernoulli) series converge fast.
// They give the exact moments of log χ²_k: E = ψ(k/2) + log 2, Var = ψ'(k/2).
#pragma once

#include <cmath>

namespace structura::collapse {

inline double digamma(double x) {
  double shift = 0;
  while (x < 12) {
    shift -= 1 / x;
    x += 1;
  }
  const double r = 1 / (x * x);
  // ln x − 1/(2x) − Σ B_2k / (2k x^2k), k = 1..6
  const double series =
      r * (1.0 / 12 - r * (1.0 / 120 - r * (1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132 - r * (691.0 / 32760))))));
  return shift + std::log(x) - 0.5 / x - series;
}

inline double trigamma(double x) {
  double shift = 0;
  while (x < 12) {
    shift += 1 / (x * x);
    x += 1;
  }
  const double r = 1 / (x * x);
  // 1/x + 1/(2x²) + Σ B_2k / x^(2k+1), k = 1..6
  const double series =
      r * (1.0 / 6 - r * (1.0 / 30 - r * (1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66 - r * (691.0 / 2730))))));
  return shift + 1 / x + 0.5 * r + series / x;
}

}  // namespace structura::collapse
