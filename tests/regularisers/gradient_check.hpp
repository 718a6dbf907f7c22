// Central differences of a regulariser's input gradient, the independent
// truth for autograd in these tests (float64).
#pragma once

#include <algorithm>
#include <cmath>

#include "regularisers/regulariser.hpp"
#include "torch_doctest.hpp"

namespace structura::regularisers::testing {

// Largest |dR/dx_j - (R(x + h e_j) - R(x - h e_j)) / 2h| over the first
// `coordinates` pixels of image 0, relative to max_j |dR/dx_j|.
inline double gradient_error(Regulariser& model, const torch::Tensor& x, std::int64_t coordinates, double h = 1e-6) {
  torch::Tensor xg = x.detach().clone().requires_grad_(true);
  torch::Tensor g = torch::autograd::grad({model.forward(xg).sum()}, {xg})[0].flatten(1)[0];
  torch::NoGradGuard no_grad;
  double error = 0, size = 0;
  const std::int64_t n = std::min<std::int64_t>(coordinates, g.size(0));
  for (std::int64_t j = 0; j < n; ++j) {
    torch::Tensor e = torch::zeros_like(x).flatten(1);
    e[0][j] = h;
    e = e.view(x.sizes());
    const double fd = (model.forward(x + e)[0][0].item<double>() - model.forward(x - e)[0][0].item<double>()) / (2 * h);
    error = std::max(error, std::abs(g[j].item<double>() - fd));
    size = std::max(size, std::abs(g[j].item<double>()));
  }
  return error / size;
}

}  // namespace structura::regularisers::testing
