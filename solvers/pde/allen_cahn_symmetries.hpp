// Lie point symmetries of the 2-D Allen-Cahn equation
//   u_t = eps^2 Laplacian(u) + u - u^3
// on the periodic square [0, L)^2 (allen_cahn_2d.hpp): the group
// E(2)+ x R x Z2 = rotations about the domain centre c = (L/2, L/2) and
// translations in (x, y), translations in t, and the discrete u -> -u (the
// reaction u - u^3 is odd). Reflections are not included.
//
// An element g = (theta, b, tau, sign) maps a point of a solution's graph
//   (x, t, u) -> (c + R(theta)(x - c) + b, t + tau, sign u),
// x = (x, y), R(theta) the rotation by theta (counter-clockwise). In closed
// form: composition (g2 after g1) theta1 + theta2, R(theta2) b1 + b2,
// tau1 + tau2, sign1 sign2; inverse -theta, -R(-theta) b, -tau, sign.
//
// The Lie algebra (4 generators, vector fields on (x, y, t, u), in the
// order of the coordinates): d_x, d_y, d_t, -(y - c_y) d_x + (x - c_x) d_y.
// exp of a = (a_x, a_y, a_t, omega) in closed form (the SE(2) exponential):
// theta = omega, b = V(omega) (a_x, a_y), tau = a_t, sign +1, with
// V = [[s, -k], [k, s]], s = sin(omega)/omega, k = (1 - cos(omega))/omega.
//
// The action on a sampled field (one snapshot on the N x N grid
// x_i = i L / N, row-major u[j N + i]): (g . u)(x') = sign u(g^-1 x') at
// every grid point x', u between grid points by trigonometric (Fourier)
// interpolation of the periodic field (the Nyquist modes of even N as
// cosines, so that the interpolant is real and takes the grid values):
// exact (to rounding) for trigonometric polynomials of degree < N/2,
// spectrally accurate for smooth fields; cost O(N^4) (a direct sum per
// point, meant for N <= 128). tau relabels the snapshot's time and does not
// change the field. Elements that map the grid to itself (theta a multiple
// of 90 degrees, b whole cells) are applied as an exact permutation.
//
// A rotation by another angle does not map the periodic square to itself:
// the sampled action then resamples the periodic extension of u. That is
// the rotated field itself (to interpolation accuracy) exactly when u
// vanishes outside the disc of radius (1 - 1/sqrt2) L ~ 0.29 L about c: a
// point of the square at distance r <= L/sqrt2 from c samples a point at
// the same distance, which for r > L/2 lies in a neighbouring period, whose
// copy of u reaches to within L - rho of c for support radius rho; so the
// annulus L/2 <= r <= L/sqrt2 reads zeros only if rho < L (1 - 1/sqrt2).
// For other fields the corners and edges get values from the neighbouring
// periods, and the result is not a rotation of the periodic solution
// (there is none).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace structura::pde {

struct AcPoint {
  double x = 0, y = 0, t = 0, u = 0;
};

struct AcGroupElement {
  double theta = 0;      // rotation about the centre
  double bx = 0, by = 0;  // translation, after the rotation
  double tau = 0;        // time shift
  int sign = 1;          // +1, or -1: u -> -u
};

class AllenCahnSymmetries {
public:
  static constexpr int dimension = 4;  // of the Lie algebra (the connected part)

  explicit AllenCahnSymmetries(double length = 1.0);  // InputError naming "length"

  double length() const { return length_; }
  AcPoint act(const AcGroupElement& g, const AcPoint& p) const;
  AcGroupElement compose(const AcGroupElement& g2, const AcGroupElement& g1) const;  // g2 after g1
  AcGroupElement inverse(const AcGroupElement& g) const;
  static AcGroupElement negation() { return {0, 0, 0, 0, -1}; }
  // Generator i (0 .. 3) at p: the components on (d_x, d_y, d_t, d_u).
  std::array<double, 4> generator(int i, const AcPoint& p) const;
  // exp(sum_i a_i v_i), in closed form.
  AcGroupElement exp(const std::array<double, 4>& a) const;

  // g . u for u on the n x n grid (n * n values, row-major); InputError
  // naming the field or g when the sizes or values are not valid.
  std::vector<double> act_on_field(const AcGroupElement& g, const std::vector<double>& u, std::int64_t n) const;

private:
  double length_;
};

}  // namespace structura::pde
