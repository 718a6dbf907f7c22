// Initial conditions from the periodic Gaussian random field of the
// physics-informed DeepONet work (Wang, Wang, Perdikaris 2021, GRF.m): mean
// zero, covariance sigma^2 (-Laplacian + tau^2)^(-gamma) on [0, length),
//   u(x) = sum_{k=1}^{K} s_k (a_k sqrt2 cos(q_k x) + b_k sqrt2 sin(q_k x)),
//   q_k = 2 pi k / length,  s_k = sigma (q_k^2 + tau^2)^(-gamma/2),
// a_k, b_k independent standard normals (sqrt2 cos, sqrt2 sin: orthonormal
// in L2 on a unit period), no constant mode (GRF.m's zero mean). Defaults
// are the Burgers data set's: gamma = 4, tau = 5, sigma = 25^2.
// A field is a pure function of (seed, index) through the counter-based
// generator (core/rng.hpp): sample `index` of a data set is the same on any
// number of ranks and in any order.
#pragma once

#include <cstdint>
#include <vector>

namespace structura::pde {

struct PeriodicGrfOptions {
  double sigma = 625;  // 25^2
  double tau = 5;
  double gamma = 4;
  double length = 1;
  std::int64_t modes = 0;  // K; 0: points / 2 (every mode the grid resolves)

  void validate() const;  // InputError naming sigma, tau, gamma, length or modes
};

// The standard deviation s_k of the coefficients of mode k >= 1.
double grf_mode_scale(const PeriodicGrfOptions& o, std::int64_t k);

// Sample `index` on the grid x_i = i length / points.
std::vector<double> periodic_grf(const PeriodicGrfOptions& o, std::int64_t points, std::uint64_t seed,
                                 std::uint64_t index);

}  // namespace structura::pde
