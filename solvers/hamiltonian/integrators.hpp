// One step of each fixed-step integrator for a single trajectory, in place.
// These are the numerical definitions; ensemble.hpp runs them over many
// trajectories in Kokkos kernels, and the tests run them on dual numbers.
//
//   method              order  symplectic  needs
//   symplectic_euler      1       yes      separable H
//   stormer_verlet        2       yes      separable H (drift-kick-drift)
//   triple_jump4          4       yes      separable H (Yoshida composition of Verlet)
//   implicit_midpoint     2       yes      any H (fixed-point iteration)
//   rk4                   4       no       any H
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>
#include <string_view>

#include "core/dual.hpp"

namespace structura::hamiltonian {

enum class Method { SymplecticEuler, StormerVerlet, TripleJump4, ImplicitMidpoint, RK4, DormandPrince };

struct MethodInfo {
  Method method;
  std::string_view name;  // the name used in experiment files and HDF5 groups
  int order;
  bool symplectic;
  int force_evaluations;  // per step, for cost comparisons
};

inline constexpr MethodInfo method_table[] = {
    {Method::SymplecticEuler, "symplectic-euler", 1, true, 1},
    {Method::StormerVerlet, "verlet", 2, true, 1},
    {Method::TripleJump4, "triple-jump4", 4, true, 3},
    {Method::ImplicitMidpoint, "implicit-midpoint", 2, true, 0},
    {Method::RK4, "rk4", 4, false, 4},
    {Method::DormandPrince, "dopri5", 5, false, 6},
};

inline const MethodInfo& info(Method m) {
  for (const auto& i : method_table)
    if (i.method == m) return i;
  return method_table[0];
}

// Coefficients of Yoshida's 4th-order triple jump: w1, w0, w1 with
// 2 w1 + w0 = 1 and 2 w1^3 + w0^3 = 0.
inline constexpr double triple_jump_w1 = 1.3512071919596576340476878089715;  // 1 / (2 - 2^(1/3))
inline constexpr double triple_jump_w0 = -1.7024143839193152680953756179429;  // 1 - 2 w1

KOKKOS_INLINE_FUNCTION double max_of(double a, double b) { return a > b ? a : b; }
KOKKOS_INLINE_FUNCTION double min_of(double a, double b) { return a < b ? a : b; }
KOKKOS_INLINE_FUNCTION double abs_of(double a) { return a < 0 ? -a : a; }

// p <- p + h F(q); q <- q + h v(p).
template <class S, class R>
KOKKOS_INLINE_FUNCTION void symplectic_euler_step(const S& s, R* q, R* p, double h) {
  R f[S::max_dof], v[S::max_dof];
  const int n = s.dof();
  s.force(q, f);
  for (int i = 0; i < n; ++i) p[i] += h * f[i];
  s.velocity(p, v);
  for (int i = 0; i < n; ++i) q[i] += h * v[i];
}

// Drift-kick-drift Stormer-Verlet: one force evaluation per step.
template <class S, class R>
KOKKOS_INLINE_FUNCTION void verlet_step(const S& s, R* q, R* p, double h) {
  R f[S::max_dof], v[S::max_dof];
  const int n = s.dof();
  s.velocity(p, v);
  for (int i = 0; i < n; ++i) q[i] += 0.5 * h * v[i];
  s.force(q, f);
  for (int i = 0; i < n; ++i) p[i] += h * f[i];
  s.velocity(p, v);
  for (int i = 0; i < n; ++i) q[i] += 0.5 * h * v[i];
}

// Triple jump: Verlet(w1 h) o Verlet(w0 h) o Verlet(w1 h), adjacent drifts fused.
template <class S, class R>
KOKKOS_INLINE_FUNCTION void triple_jump4_step(const S& s, R* q, R* p, double h) {
  constexpr double w1 = triple_jump_w1, w0 = triple_jump_w0;
  constexpr double drift[4] = {0.5 * w1, 0.5 * (w1 + w0), 0.5 * (w0 + w1), 0.5 * w1};
  constexpr double kick[3] = {w1, w0, w1};
  R f[S::max_dof], v[S::max_dof];
  const int n = s.dof();
  for (int stage = 0; stage < 4; ++stage) {
    s.velocity(p, v);
    for (int i = 0; i < n; ++i) q[i] += drift[stage] * h * v[i];
    if (stage == 3) break;
    s.force(q, f);
    for (int i = 0; i < n; ++i) p[i] += kick[stage] * h * f[i];
  }
}

// Classical Runge-Kutta on the Hamiltonian vector field.
template <class S, class R>
KOKKOS_INLINE_FUNCTION void rk4_step(const S& s, R* q, R* p, double h) {
  constexpr int N = S::max_dof;
  const int n = s.dof();
  R kq[4][N], kp[4][N], tq[N], tp[N];
  s.vector_field(q, p, kq[0], kp[0]);
  constexpr double c[3] = {0.5, 0.5, 1.0};
  for (int stage = 1; stage < 4; ++stage) {
    for (int i = 0; i < n; ++i) {
      tq[i] = q[i] + c[stage - 1] * h * kq[stage - 1][i];
      tp[i] = p[i] + c[stage - 1] * h * kp[stage - 1][i];
    }
    s.vector_field(tq, tp, kq[stage], kp[stage]);
  }
  for (int i = 0; i < n; ++i) {
    q[i] += h / 6.0 * (kq[0][i] + 2.0 * kq[1][i] + 2.0 * kq[2][i] + kq[3][i]);
    p[i] += h / 6.0 * (kp[0][i] + 2.0 * kp[1][i] + 2.0 * kp[2][i] + kp[3][i]);
  }
}

// Implicit midpoint x1 = x0 + h f((x0 + x1) / 2), solved by fixed-point
// iteration to a relative tolerance near machine precision. Works for
// non-separable H. Returns false if the iteration did not converge (the step
// size is too large for the contraction), leaving q, p at the last iterate.
template <class S, class R>
KOKKOS_INLINE_FUNCTION bool implicit_midpoint_step(const S& s, R* q, R* p, double h,
                                                   int max_iterations = 100) {
  constexpr int N = S::max_dof;
  const int n = s.dof();
  R q0[N], p0[N], mq[N], mp[N], dq[N], dp[N];
  for (int i = 0; i < n; ++i) {
    q0[i] = q[i];
    p0[i] = p[i];
  }
  // Explicit Euler predictor, then iterate the midpoint map.
  s.vector_field(q0, p0, dq, dp);
  for (int i = 0; i < n; ++i) {
    q[i] = q0[i] + h * dq[i];
    p[i] = p0[i] + h * dp[i];
  }
  // Converged iterates are followed by two more so that derivative parts
  // (dual numbers) converge as well as values.
  int extra = 2;
  for (int it = 0; it < max_iterations; ++it) {
    for (int i = 0; i < n; ++i) {
      mq[i] = 0.5 * (q0[i] + q[i]);
      mp[i] = 0.5 * (p0[i] + p[i]);
    }
    s.vector_field(mq, mp, dq, dp);
    double change = 0.0, scale = 0.0;
    for (int i = 0; i < n; ++i) {
      const R nq = q0[i] + h * dq[i];
      const R np = p0[i] + h * dp[i];
      change = max_of(change, max_of(abs_of(value_of(nq) - value_of(q[i])), abs_of(value_of(np) - value_of(p[i]))));
      scale = max_of(scale, max_of(abs_of(value_of(nq)), abs_of(value_of(np))));
      q[i] = nq;
      p[i] = np;
    }
    if (change <= 4e-16 * (1.0 + scale) && --extra < 0) return true;
  }
  return false;
}

// Advances one trajectory by `steps` steps of a fixed-step method. Returns
// false only if an implicit step failed to converge.
template <Method M, class S, class R>
KOKKOS_INLINE_FUNCTION bool fixed_steps(const S& s, R* q, R* p, double h, long steps) {
  for (long k = 0; k < steps; ++k) {
    if constexpr (M == Method::SymplecticEuler) symplectic_euler_step(s, q, p, h);
    else if constexpr (M == Method::StormerVerlet) verlet_step(s, q, p, h);
    else if constexpr (M == Method::TripleJump4) triple_jump4_step(s, q, p, h);
    else if constexpr (M == Method::RK4) rk4_step(s, q, p, h);
    else if constexpr (M == Method::ImplicitMidpoint) {
      if (!implicit_midpoint_step(s, q, p, h)) return false;
    }
  }
  return true;
}

}  // namespace structura::hamiltonian
