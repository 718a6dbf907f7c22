// The most negative curvature of a function at given points, from
// Hessian-vector products (double backward): a lower bound of its
// weak-convexity modulus that needs no luck in the choice of pairs (a random
// direction sees about the mean eigenvalue, not the smallest). With
// rho-weak convexity, Hess f(x) >= -rho I wherever f is twice
// differentiable (almost everywhere for leaky-ReLU and SiLU networks), so
// max over points of -lambda_min(Hess f(x)) <= rho; the Rayleigh quotient
// returned is >= lambda_min, which keeps the estimate on the safe side.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "regularisers/convexity.hpp"

namespace structura::regularisers {

struct CurvatureEstimate {
  torch::Tensor smallest;  // (P) float64: Rayleigh quotients >= lambda_min(Hess f(x_i))
  torch::Tensor largest;   // (P) float64: estimates of the largest |eigenvalue|
};

// Power iteration on Hess f (for the spectral radius r_i), then on
// r_i I - Hess f (for lambda_min), `iterations` products each, from
// directions seeded by `seed`. x: (P, ...) points, items independent.
CurvatureEstimate hessian_extreme_eigenvalues(const ScalarFunction& f, const torch::Tensor& x, int iterations,
                                              std::uint64_t seed);

}  // namespace structura::regularisers
