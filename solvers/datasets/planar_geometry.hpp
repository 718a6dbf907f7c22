// The ground-truth pullback geometry of the 2-D sets (what the experiment's
// geodesic error is measured against). With psi(z) = z^T A^-1 z / 2 the
// metric is G(x) = D phi(x)^T A^-2 D phi(x) (the Euclidean metric pulled back
// through grad psi o phi), geodesics are phi^-1 of straight latent lines
// and the distance is the A^-1-weighted latent norm.
#pragma once

#include <span>
#include <vector>

#include "datasets/planar_sets.hpp"

namespace structura::datasets {

// G(x) = D phi^T A^-2 D phi, row-major 2 x 2.
Mat2 pullback_metric(const PlanarSet& set, Vec2 x);

// gamma(t) = phi^-1((1 - t) phi(x) + t phi(y)).
Vec2 geodesic_point(const PlanarSet& set, Vec2 x, Vec2 y, double t);

// Geodesics of P pairs (x, y rows [P, 2]) at T times: [P, T, 2] row-major;
// InputError naming the argument if x and y differ in size or are not [P, 2].
std::vector<double> geodesics(const PlanarSet& set, std::span<const double> x, std::span<const double> y,
                              std::span<const double> t);

// |A^-1 (phi(x) - phi(y))|, the length of gamma under G.
double pullback_distance(const PlanarSet& set, Vec2 x, Vec2 y);

}  // namespace structura::datasets
