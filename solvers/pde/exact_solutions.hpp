// Exact solutions of the 1-D periodic equations of periodic_1d.hpp, for
// convergence tests and as reference data.
#pragma once

#include <cmath>
#include <numbers>

namespace structura::pde {

// Heat u_t = nu u_xx: the Fourier mode exp(-nu q^2 t) sin(q x), q = 2 pi k / length.
inline double heat_fourier_mode(double x, double t, double nu, int k, double length = 1.0) {
  const double q = 2 * std::numbers::pi * k / length;
  return std::exp(-nu * q * q * t) * std::sin(q * x);
}

// Viscous Burgers u_t + u u_x = nu u_xx by the Cole-Hopf transform
// u = -2 nu phi_x / phi of the heat solution phi = a + exp(-nu q^2 t) cos(q x),
// q = 2 pi / length, a > 1 (phi > 0): u = 2 nu q e sin(q x) / (a + e cos(q x)),
// e = exp(-nu q^2 t). The smaller a - 1, the steeper the profile.
inline double burgers_cole_hopf(double x, double t, double nu, double a, double length = 1.0) {
  const double q = 2 * std::numbers::pi / length;
  const double e = std::exp(-nu * q * q * t);
  return 2 * nu * q * e * std::sin(q * x) / (a + e * std::cos(q * x));
}

}  // namespace structura::pde
