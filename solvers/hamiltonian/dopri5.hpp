// Adaptive Dormand-Prince 5(4) with the standard step-size controller
// (Hairer, Norsett & Wanner, Solving ODEs I, II.4): the accuracy reference for
// the fixed-step methods. One trajectory at a time, usable in Kokkos kernels.
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>

#include "hamiltonian/integrators.hpp"

namespace structura::hamiltonian {

struct Tolerances {
  double rtol = 1e-12;
  double atol = 1e-12;
  long max_steps = 10'000'000;  // per call of dopri5_integrate
};

namespace dopri5_tableau {
inline constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
inline constexpr double a21 = 1.0 / 5;
inline constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
inline constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
inline constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
inline constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                        a65 = -5103.0 / 18656;
inline constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
// Error coefficients: b - b_hat.
inline constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                        e6 = 22.0 / 525, e7 = -1.0 / 40;
}  // namespace dopri5_tableau

// Integrates one trajectory (x = (q, p) stored as q[], p[]) from t to t_end,
// starting with step guess h (updated to the last accepted size for the
// next call). Returns the number of accepted steps, or -1 if max_steps was
// exceeded or the step size underflowed (the state is then not at t_end).
template <class S>
KOKKOS_INLINE_FUNCTION long dopri5_integrate(const S& s, double* q, double* p, double t, double t_end,
                                             double& h, const Tolerances& tol) {
  using namespace dopri5_tableau;
  constexpr int N = S::max_dof;
  const int n = s.dof();
  double kq[7][N], kp[7][N], yq[N], yp[N], zq[N], zp[N];
  if (!(h > 0)) h = 1e-3 * (t_end - t);
  long accepted = 0, attempts = 0;
  s.vector_field(q, p, kq[0], kp[0]);  // first-same-as-last: k1 of the next step is k7 of this one
  while (t < t_end) {
    if (++attempts > tol.max_steps) return -1;
    // hs is the step tried now; h stays the controller's preferred size, so a
    // step shortened to land on t_end does not shrink the next call's guess.
    const bool last = t + h >= t_end;
    const double hs = last ? t_end - t : h;
    auto stage = [&](int k, double a1, double a2, double a3, double a4, double a5, double a6) {
      const double a[6] = {a1, a2, a3, a4, a5, a6};
      for (int i = 0; i < n; ++i) {
        double sq = 0, sp = 0;
        for (int j = 0; j < k; ++j) {
          sq += a[j] * kq[j][i];
          sp += a[j] * kp[j][i];
        }
        yq[i] = q[i] + hs * sq;
        yp[i] = p[i] + hs * sp;
      }
      s.vector_field(yq, yp, kq[k], kp[k]);
    };
    stage(1, a21, 0, 0, 0, 0, 0);
    stage(2, a31, a32, 0, 0, 0, 0);
    stage(3, a41, a42, a43, 0, 0, 0);
    stage(4, a51, a52, a53, a54, 0, 0);
    stage(5, a61, a62, a63, a64, a65, 0);
    stage(6, b1, 0, b3, b4, b5, b6);  // yq, yp now hold the 5th-order solution
    double err = 0;
    for (int i = 0; i < n; ++i) {
      zq[i] = hs * (e1 * kq[0][i] + e3 * kq[2][i] + e4 * kq[3][i] + e5 * kq[4][i] + e6 * kq[5][i] + e7 * kq[6][i]);
      zp[i] = hs * (e1 * kp[0][i] + e3 * kp[2][i] + e4 * kp[3][i] + e5 * kp[4][i] + e6 * kp[5][i] + e7 * kp[6][i]);
      const double sq = tol.atol + tol.rtol * max_of(abs_of(q[i]), abs_of(yq[i]));
      const double sp = tol.atol + tol.rtol * max_of(abs_of(p[i]), abs_of(yp[i]));
      err += (zq[i] / sq) * (zq[i] / sq) + (zp[i] / sp) * (zp[i] / sp);
    }
    err = std::sqrt(err / (2 * n));
    if (!(err == err)) return -1;  // NaN: the caller reports the trajectory
    const double factor = err == 0 ? 5.0 : min_of(5.0, max_of(0.2, 0.9 * std::pow(err, -0.2)));
    if (err <= 1.0) {
      t = last ? t_end : t + hs;
      for (int i = 0; i < n; ++i) {
        q[i] = yq[i];
        p[i] = yp[i];
        kq[0][i] = kq[6][i];
        kp[0][i] = kp[6][i];
      }
      ++accepted;
      if (!last || hs >= h) h = hs * factor;
    } else {
      h = hs * min_of(1.0, factor);
      if (h < 1e-14 * (1.0 + abs_of(t))) return -1;
    }
  }
  return accepted;
}

}  // namespace structura::hamiltonian
