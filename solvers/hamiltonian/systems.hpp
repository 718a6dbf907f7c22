// Hamiltonian systems H(q, p) with n degrees of freedom. Each system is a
// small copyable struct usable inside Kokkos kernels. Functions are templates
// on the scalar type so that dual numbers give exact Jacobians in tests.
//
// Every system provides
//   int dof() const                        degrees of freedom n (q, p in R^n)
//   static constexpr int max_dof           compile-time bound on dof()
//   static constexpr bool separable        H = T(p) + V(q)
//   R energy(q, p)                         H
//   void vector_field(q, p, dq, dp)        dq = dH/dp, dp = -dH/dq
// and, when separable,
//   R kinetic(p), R potential(q)
//   void velocity(p, v)                    v = dT/dp
//   void force(q, f)                       f = -dV/dq
//   double mass() const                    T = |p|^2 / (2 mass) (energy-shell sampling)
#pragma once

#include <Kokkos_Core.hpp>

#include <cmath>

namespace structura::hamiltonian {

// Upper bound for any system's degrees of freedom (FPUT chain length).
inline constexpr int max_chain_length = 64;

// Implements energy() and vector_field() for separable systems from
// kinetic/potential/velocity/force (CRTP, no virtual calls in kernels).
template <class Derived>
struct Separable {
  static constexpr bool separable = true;

  template <class R>
  KOKKOS_INLINE_FUNCTION R energy(const R* q, const R* p) const {
    const Derived& s = static_cast<const Derived&>(*this);
    return s.kinetic(p) + s.potential(q);
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void vector_field(const R* q, const R* p, R* dq, R* dp) const {
    const Derived& s = static_cast<const Derived&>(*this);
    s.velocity(p, dq);
    s.force(q, dp);
  }
};

// H = p^2 / (2m) + k q^2 / 2.
struct HarmonicOscillator : Separable<HarmonicOscillator> {
  static constexpr int max_dof = 1;
  double stiffness = 1.0;
  double mass_ = 1.0;

  KOKKOS_INLINE_FUNCTION int dof() const { return 1; }
  KOKKOS_INLINE_FUNCTION double mass() const { return mass_; }
  KOKKOS_INLINE_FUNCTION double frequency() const { return std::sqrt(stiffness / mass_); }
  template <class R>
  KOKKOS_INLINE_FUNCTION R kinetic(const R* p) const { return p[0] * p[0] / (2.0 * mass_); }
  template <class R>
  KOKKOS_INLINE_FUNCTION R potential(const R* q) const { return 0.5 * stiffness * q[0] * q[0]; }
  template <class R>
  KOKKOS_INLINE_FUNCTION void velocity(const R* p, R* v) const { v[0] = p[0] / mass_; }
  template <class R>
  KOKKOS_INLINE_FUNCTION void force(const R* q, R* f) const { f[0] = -stiffness * q[0]; }
};

// Mathematical pendulum: H = p^2 / 2 + omega^2 (1 - cos q).
struct Pendulum : Separable<Pendulum> {
  static constexpr int max_dof = 1;
  double omega_squared = 1.0;  // g / l

  KOKKOS_INLINE_FUNCTION int dof() const { return 1; }
  KOKKOS_INLINE_FUNCTION double mass() const { return 1.0; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R kinetic(const R* p) const { return 0.5 * p[0] * p[0]; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R potential(const R* q) const {
    using std::cos;
    return omega_squared * (1.0 - cos(q[0]));
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void velocity(const R* p, R* v) const { v[0] = p[0]; }
  template <class R>
  KOKKOS_INLINE_FUNCTION void force(const R* q, R* f) const {
    using std::sin;
    f[0] = -omega_squared * sin(q[0]);
  }
};

// Henon-Heiles: H = |p|^2/2 + |q|^2/2 + lambda (q1^2 q2 - q2^3 / 3).
// Orbits are bounded for 0 < H < 1 / (6 lambda^2).
struct HenonHeiles : Separable<HenonHeiles> {
  static constexpr int max_dof = 2;
  double lambda = 1.0;

  KOKKOS_INLINE_FUNCTION int dof() const { return 2; }
  KOKKOS_INLINE_FUNCTION double mass() const { return 1.0; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R kinetic(const R* p) const { return 0.5 * (p[0] * p[0] + p[1] * p[1]); }
  template <class R>
  KOKKOS_INLINE_FUNCTION R potential(const R* q) const {
    return 0.5 * (q[0] * q[0] + q[1] * q[1]) + lambda * (q[0] * q[0] * q[1] - q[1] * q[1] * q[1] / 3.0);
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void velocity(const R* p, R* v) const {
    v[0] = p[0];
    v[1] = p[1];
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void force(const R* q, R* f) const {
    f[0] = -q[0] - 2.0 * lambda * q[0] * q[1];
    f[1] = -q[1] - lambda * (q[0] * q[0] - q[1] * q[1]);
  }
};

// Planar Kepler problem: H = |p|^2/2 - mu / |q|.
struct Kepler : Separable<Kepler> {
  static constexpr int max_dof = 2;
  double mu = 1.0;

  KOKKOS_INLINE_FUNCTION int dof() const { return 2; }
  KOKKOS_INLINE_FUNCTION double mass() const { return 1.0; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R kinetic(const R* p) const { return 0.5 * (p[0] * p[0] + p[1] * p[1]); }
  template <class R>
  KOKKOS_INLINE_FUNCTION R potential(const R* q) const {
    using std::sqrt;
    return -mu / sqrt(q[0] * q[0] + q[1] * q[1]);
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void velocity(const R* p, R* v) const {
    v[0] = p[0];
    v[1] = p[1];
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void force(const R* q, R* f) const {
    using std::sqrt;
    const R r2 = q[0] * q[0] + q[1] * q[1];
    const R inv_r3 = 1.0 / (r2 * sqrt(r2));
    f[0] = -mu * q[0] * inv_r3;
    f[1] = -mu * q[1] * inv_r3;
  }
};

// Fermi-Pasta-Ulam-Tsingou chain of n unit masses with fixed ends
// (q_0 = q_{n+1} = 0) and springs V(r) = r^2/2 + alpha r^3/3 + beta r^4/4.
struct FermiPastaUlam : Separable<FermiPastaUlam> {
  static constexpr int max_dof = max_chain_length;
  int length = 32;
  double alpha = 0.25;
  double beta = 0.0;

  KOKKOS_INLINE_FUNCTION int dof() const { return length; }
  KOKKOS_INLINE_FUNCTION double mass() const { return 1.0; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R spring(const R& r) const {
    return r * r * (0.5 + r * (alpha / 3.0 + r * (beta / 4.0)));
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION R spring_force(const R& r) const {  // V'(r)
    return r * (1.0 + r * (alpha + r * beta));
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION R kinetic(const R* p) const {
    R t = 0.5 * p[0] * p[0];  // no R(0.0): R may be a tensor type
    for (int i = 1; i < length; ++i) t += 0.5 * p[i] * p[i];
    return t;
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION R potential(const R* q) const {
    R v = spring(R(q[0]));
    for (int i = 1; i < length; ++i) v += spring(R(q[i] - q[i - 1]));
    v += spring(R(-q[length - 1]));
    return v;
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void velocity(const R* p, R* v) const {
    for (int i = 0; i < length; ++i) v[i] = p[i];
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void force(const R* q, R* f) const {
    // f_i = V'(q_{i+1} - q_i) - V'(q_i - q_{i-1})
    R left = spring_force(R(q[0]));
    for (int i = 0; i < length; ++i) {
      const R right = spring_force(i + 1 < length ? R(q[i + 1] - q[i]) : R(-q[i]));  // q_{n+1} = 0
      f[i] = right - left;
      left = right;
    }
  }
};

// A damped oscillator m x'' + lambda x' + k x = 0 written as a Hamiltonian
// system by doubling the variables (Galley's formulation), with
//   H = (pi1^2 - pi2^2) / 2m + (lambda / 2m)(q1 - q2)(pi1 - pi2) + (k/2)(q1^2 - q2^2).
// Not separable: only implicit midpoint and RK4 (and dopri5) apply. On the
// physical limit q1 = q2, pi1 = -pi2 it reproduces the damped motion.
struct DampedOscillator {
  static constexpr int max_dof = 2;
  static constexpr bool separable = false;
  double mass = 1.0;
  double damping = 0.1;  // lambda
  double stiffness = 1.0;

  KOKKOS_INLINE_FUNCTION int dof() const { return 2; }
  template <class R>
  KOKKOS_INLINE_FUNCTION R energy(const R* q, const R* p) const {
    return (p[0] * p[0] - p[1] * p[1]) / (2.0 * mass) + damping / (2.0 * mass) * (q[0] - q[1]) * (p[0] - p[1]) +
           0.5 * stiffness * (q[0] * q[0] - q[1] * q[1]);
  }
  template <class R>
  KOKKOS_INLINE_FUNCTION void vector_field(const R* q, const R* p, R* dq, R* dp) const {
    const double c = damping / (2.0 * mass);
    dq[0] = p[0] / mass + c * (q[0] - q[1]);   // dH/dpi1
    dq[1] = -p[1] / mass - c * (q[0] - q[1]);  // dH/dpi2
    dp[0] = -(c * (p[0] - p[1]) + stiffness * q[0]);  // -dH/dq1
    dp[1] = -(-c * (p[0] - p[1]) - stiffness * q[1]);  // -dH/dq2
  }
};

}  // namespace structura::hamiltonian
