// A LieLAC energy for Allen-Cahn fields with one front (a droplet of the
// phase u = +1 in u = -1, e.g. an elongated one), low on a training
// distribution whose fronts have one orientation and one position.
//
// Statistic: the phase fraction w = (1 + u) / 2 and its moments about the
// domain centre c (coordinates x - c in [-L/2, L/2)^2, no wrap):
//   mass M = sum w h^2, centroid m = sum x w h^2 / M,
//   covariance C = sum (x - m)(x - m)^T w h^2 / M,
// the front's orientation phi = atan2(2 C_xy, C_xx - C_yy) / 2 (the major
// axis, defined mod pi; for a straight front segment or an ellipse its
// direction). The energy of an input u moved by h:
//   E(h . u) = sin^2(phi' - phi0) / sin^2(angle_scale)
//            + |m' - c - p0|^2 / position_scale^2,
// phi', m' the orientation and centroid of h . u; phi0, p0 the training
// band's centre angle and position offset, angle_scale and position_scale
// its half-widths, so E <= 2 inside the band and grows outside. sin^2 of
// the angle difference is (1 - cos 2(phi' - phi0)) / 2, computed from C
// alone (cos 2 phi' = (C_xx - C_yy) / r, sin 2 phi' = 2 C_xy / r), smooth
// in h and blind to the pi ambiguity of an axis. An isotropic C (r = 0)
// has no orientation: the angle term is then 1/2 / sin^2(angle_scale).
//
// Two evaluations of E(h . u):
//   Sampled     h . u by the group's action on the sampled field
//               (act_translating_first below, O(N^4)), then the moments of
//               the result: the definition.
//   Equivariant the moments of u once, moved by h in closed form: for
//               h = (theta, b) (sign +1) the substitution x' = c + R(x - c)
//               + b (Jacobian 1) gives M' = M, m' = c + R(theta)(m - c) + b,
//               C' = R C R^T, i.e. phi' = phi + theta: O(1) per element.
//               Exact in the continuum while w vanishes near the square's
//               edges (the front stays inside the disc of radius L/2 about
//               c, where the sampled rotation is exact too); the two agree
//               to the grid's quadrature error (tests/canonicalisation).
// The sampled action and the periodic square. A rotation about c samples
// the field's periodic extension: a target point near a corner takes its
// value from a point up to L/sqrt2 from c, in a neighbouring period, whose
// copy of the front lies 1 - L/sqrt2 = 0.29 L from it. The sampled rotation
// is therefore the rotated field only when u is constant (here -1) beyond
// 0.29 L from c, and it is the rotation's position in h's factorisation
// that decides: h = (theta, b) is the same element as "translate by
// R(-theta) b, then rotate about c" and as "rotate about c, then translate
// by b". Translations of a periodic field are exact either way. So:
//   act_translating_first  translate, then rotate: for inputs whose front is
//                          off-centre and h brings it to the centre
//                          (canonicalisation of an input);
//   act_rotating_first     rotate, then translate: for fields centred at c
//                          (the OOD inputs made from a centred sample, the
//                          canonical prediction mapped back).
// Both are g . u to interpolation accuracy when the front (with its tails)
// lies within 0.29 L of c at the time of the rotation.
//
// An element with sign -1 or an input without phase +1 (M = 0) has energy
// +infinity (dropped by the descent).
#pragma once

#include <cstdint>
#include <vector>

#include "canonicalisation/allen_cahn_group.hpp"

namespace structura::canonicalisation {

struct FrontMoments {
  double mass = 0;        // M (area of the phase u = +1)
  double mx = 0, my = 0;  // centroid, absolute coordinates
  double cxx = 0, cxy = 0, cyy = 0;
  double orientation() const;  // phi in (-pi/2, pi/2]
};

// The moments of u on the n x n grid of the square [0, length)^2 (row-major u[j n + i]).
FrontMoments front_moments(const std::vector<double>& u, std::int64_t n, double length);
// The moments of h . u from those of u (the closed form above).
FrontMoments move_moments(const pde::AllenCahnSymmetries& symmetries, const pde::AcGroupElement& h,
                          const FrontMoments& m);

std::vector<double> act_translating_first(const pde::AllenCahnSymmetries& symmetries, const pde::AcGroupElement& h,
                                          const std::vector<double>& u, std::int64_t n);
std::vector<double> act_rotating_first(const pde::AllenCahnSymmetries& symmetries, const pde::AcGroupElement& h,
                                       const std::vector<double>& u, std::int64_t n);

struct FrontEnergyOptions {
  double angle = 0;                   // phi0, radians
  double angle_scale = 0.1745;        // half-width of the orientation band, radians (10 degrees)
  double offset_x = 0, offset_y = 0;  // p0, the band's centroid minus the domain centre
  double position_scale = 0.05;       // half-width of the position band
};

enum class FrontEvaluation { Equivariant, Sampled };

class FrontEnergy {
public:
  FrontEnergy(const AllenCahnGroup& group, std::vector<double> u, std::int64_t n, FrontEnergyOptions options,
              FrontEvaluation evaluation = FrontEvaluation::Equivariant);
  double operator()(const Element& h) const;       // E(h . u)
  double of_moments(const FrontMoments& m) const;  // the energy of a field with these moments

private:
  const AllenCahnGroup& group_;
  std::vector<double> u_;
  std::int64_t n_;
  FrontEnergyOptions options_;
  FrontEvaluation evaluation_;
  FrontMoments moments_;
};

}  // namespace structura::canonicalisation
