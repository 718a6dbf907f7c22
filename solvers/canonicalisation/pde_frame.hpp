// Canonicalising a periodic initial condition for a model that predicts the
// solution at a fixed time T, and mapping the prediction back.
//
// A group element h maps the graph of a solution, (x, t, u) -> (x^, t^, u^),
// so the initial time t = 0 goes to t^ = beta / delta (for gamma = 0). The
// frame of h is k = T(-beta/delta) . h (a time translation after h, itself a
// symmetry of the autonomous equations), which keeps t = 0 at 0; for the
// subgroup that keeps the period and the time scale (gamma = 0, delta = 1;
// heat also lambda1 = 0, its boost multiplies by exp(-lambda1 x / 2 nu),
// which is not periodic) k is
//   x^ = x + lambda1 t + lambda0,  t^ = t,
//   u^ = e^s u (heat),  u^ = u + lambda1 (Burgers),
// the same map at every time up to the shift lambda1 t. On a sampled
// periodic snapshot at time t the shift is applied by trigonometric
// interpolation (exact for band-limited data, and for whole-cell shifts).
//
// The canonicalised prediction of a model f at time T for an input u0 is
//   f_can(u0) = from_frame(k, f(to_frame(k, u0)), T)
// and if f is equivariant (the PDE's own solver is) f_can(u0) = f(u0).
#pragma once

#include <span>
#include <vector>

#include "pde/symmetries.hpp"

namespace structura::canonicalisation {

// k = T(-beta/delta) . h; NumericalError when h does not keep the period
// and the time scale (|gamma| or |delta - 1| above 1e-9, heat |lambda1|
// above 1e-9): such an element maps the periodic domain [0, L) onto another
// interval or the fixed prediction time onto another time, so a periodic
// model at time T cannot be used in its frame.
pde::GroupElement frame_element(const pde::SymmetryGroup& group, const pde::GroupElement& h);

// The snapshot at time t of the solution transformed by a framed element k,
// on the same grid x_i = i L / N (the same time t).
std::vector<double> act_on_snapshot(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                                    std::span<const double> u, double length, double t);

// to_frame = the input at t = 0 mapped by k; from_frame = a prediction at
// time T mapped back by k^-1.
std::vector<double> to_frame(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                             std::span<const double> u0, double length);
std::vector<double> from_frame(const pde::SymmetryGroup& group, const pde::GroupElement& k,
                               std::span<const double> prediction, double length, double t);

// u(x - shift) on the periodic grid by trigonometric interpolation
// (the Nyquist mode of an even N split symmetrically, so real data stay real).
std::vector<double> periodic_shift(std::span<const double> u, double shift, double length);

}  // namespace structura::canonicalisation
