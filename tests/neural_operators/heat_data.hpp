// Exact data of the periodic heat solution operator on [0, 1): random
// smooth initial conditions
//   u0(x) = sum_{k=1}^{K} (a_k cos(2 pi k x) + b_k sin(2 pi k x)) / k,
// a_k, b_k standard normal, drawn by the counter-based generator at
// (seed, sample index), and their exact solutions at time T, the Fourier
// multiplier exp(-nu (2 pi k)^2 T) applied to each mode. Written with plain
// loops (no FFT), so it is independent of the spectral convolution.
#pragma once

#include <torch/torch.h>

#include <cmath>
#include <cstdint>
#include <numbers>

#include "core/rng.hpp"

namespace structura::testing {

struct HeatData {
  torch::Tensor u0, u;  // (n, points) each
};

inline HeatData heat_data(std::int64_t first, std::int64_t n, std::int64_t points, double nu, double t,
                          std::uint64_t seed, int modes = 8, torch::Dtype dtype = torch::kFloat64) {
  const CounterRng rng(seed, 0);
  torch::Tensor u0 = torch::zeros({n, points}, torch::kFloat64), u = torch::zeros({n, points}, torch::kFloat64);
  auto a0 = u0.accessor<double, 2>(), at = u.accessor<double, 2>();
  for (std::int64_t i = 0; i < n; ++i)
    for (int k = 1; k <= modes; ++k) {
      const auto r = rng.uniform4(static_cast<std::uint64_t>(first + i), static_cast<std::uint64_t>(k));
      double a, b;
      box_muller(r.u[0], r.u[1], a, b);
      const double q = 2 * std::numbers::pi * k, decay = std::exp(-nu * q * q * t);
      for (std::int64_t j = 0; j < points; ++j) {
        const double x = static_cast<double>(j) / points;
        const double mode = (a * std::cos(q * x) + b * std::sin(q * x)) / k;
        a0[i][j] += mode;
        at[i][j] += decay * mode;
      }
    }
  return {u0.to(dtype), u.to(dtype)};
}

}  // namespace structura::testing
