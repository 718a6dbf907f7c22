// Exact flows where they are known in closed form: the harmonic oscillator
// and bound (elliptic) Kepler orbits. Used as the accuracy reference.
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>

#include "hamiltonian/systems.hpp"

namespace structura::hamiltonian {

KOKKOS_INLINE_FUNCTION bool exact_flow(const HarmonicOscillator& s, const double* q0, const double* p0, double t,
                                       double* q, double* p) {
  const double w = s.frequency();
  const double c = std::cos(w * t), sn = std::sin(w * t);
  q[0] = q0[0] * c + p0[0] / (s.mass_ * w) * sn;
  p[0] = -q0[0] * s.mass_ * w * sn + p0[0] * c;
  return true;
}

// Kepler flow by Lagrange's f and g functions in the eccentric-anomaly
// difference dE, which solves
//   n t = dE - ec sin dE + es (1 - cos dE),  ec = e cos E0 = 1 - r0/a,
//                                            es = e sin E0 = (q0.p0) / sqrt(mu a),
// by Newton's method after reducing n t modulo 2 pi. Requires H < 0 (a bound
// orbit); returns false otherwise.
KOKKOS_INLINE_FUNCTION bool exact_flow(const Kepler& s, const double* q0, const double* p0, double t, double* q,
                                       double* p) {
  constexpr double two_pi = 6.283185307179586476925286766559;
  const double mu = s.mu;
  const double r0 = std::sqrt(q0[0] * q0[0] + q0[1] * q0[1]);
  const double v2 = p0[0] * p0[0] + p0[1] * p0[1];
  const double alpha = 2.0 / r0 - v2 / mu;  // 1 / a
  if (!(alpha > 0)) return false;
  const double a = 1.0 / alpha;
  const double n = std::sqrt(mu * alpha * alpha * alpha);
  const double ec = 1.0 - r0 * alpha;
  const double es = (q0[0] * p0[0] + q0[1] * p0[1]) / std::sqrt(mu * a);
  double m = std::fmod(n * t, two_pi);
  if (m < 0) m += two_pi;
  double de = m;
  for (int it = 0; it < 100; ++it) {
    const double f = de - ec * std::sin(de) + es * (1.0 - std::cos(de)) - m;
    const double fp = 1.0 - ec * std::cos(de) + es * std::sin(de);
    const double step = f / fp;
    de -= step;
    if (std::fabs(step) < 1e-16 * (1.0 + std::fabs(de))) break;
  }
  const double c = std::cos(de), sn = std::sin(de);
  const double r = a * (1.0 - ec * c + es * sn);
  const double f = 1.0 - a / r0 * (1.0 - c);
  const double g = (m - (de - sn)) / n;  // t reduced to the same period as m
  const double fdot = -std::sqrt(mu * a) / (r * r0) * sn;
  const double gdot = 1.0 - a / r * (1.0 - c);
  for (int i = 0; i < 2; ++i) {
    q[i] = f * q0[i] + g * p0[i];
    p[i] = fdot * q0[i] + gdot * p0[i];
  }
  return true;
}

}  // namespace structura::hamiltonian
