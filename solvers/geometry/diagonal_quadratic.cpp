#include "geometry/diagonal_quadratic.hpp"

#include <cmath>

namespace structura::geometry {

DiagonalQuadratic::DiagonalQuadratic(std::int64_t dimension, bool learned) : dimension_(dimension), learned_(learned) {
  auto zero = torch::zeros({dimension});
  log_variances_ = learned ? register_parameter("log_variances", zero) : register_buffer("log_variances", zero);
}

torch::Tensor DiagonalQuadratic::energy(const torch::Tensor& z) const {
  return 0.5 * (z.square() * (-log_variances_).exp()).sum(-1);
}

torch::Tensor DiagonalQuadratic::log_density(const torch::Tensor& z) const {
  const double log_two_pi = std::log(2 * M_PI);
  return -energy(z) - 0.5 * log_variances_.sum() - 0.5 * static_cast<double>(dimension_) * log_two_pi;
}

}  // namespace structura::geometry
