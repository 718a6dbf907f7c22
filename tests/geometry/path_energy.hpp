// An independent geodesic: the minimiser of the discrete path energy of a
// T-step path x = p_0, p_1, …, p_T = y under the metric G alone,
//   E(p) = T Σ_k Δ_kᵀ G(m_k) Δ_k,  Δ_k = p_{k+1} − p_k,  m_k = (p_k + p_{k+1}) / 2,
// with Δᵀ G(m) Δ = ‖A⁻¹ Dφ(m) Δ‖² (no φ⁻¹, no latent straight line), found
// by L-BFGS over the interior points from the straight line in x. The
// midpoint rule makes the minimiser and its length second-order accurate
// in 1/T.
#pragma once
#include <torch/torch.h>

#include <cstdint>

#include "geometry/diffeomorphism.hpp"

namespace structura::geometry::testing {

// Δᵀ G(m) Δ for the T segments of a path [T + 1, D]: [T].
inline torch::Tensor segment_energies(const Diffeomorphism& phi, const torch::Tensor& a, const torch::Tensor& path) {
  const auto steps = path.size(0) - 1;
  const auto delta = path.narrow(0, 1, steps) - path.narrow(0, 0, steps);
  const auto mid = 0.5 * (path.narrow(0, 1, steps) + path.narrow(0, 0, steps));
  return (phi.jvp(mid, delta) / a).pow(2).sum(1);
}

// Σ_k sqrt(Δ_kᵀ G(m_k) Δ_k).
inline double path_length(const Diffeomorphism& phi, const torch::Tensor& a, const torch::Tensor& path) {
  return segment_energies(phi, a, path).sqrt().sum().item<double>();
}

// The straight line from x to y [D] in `steps` steps: [steps + 1, D].
inline torch::Tensor straight_path(const torch::Tensor& x, const torch::Tensor& y, std::int64_t steps) {
  const auto s = torch::linspace(0, 1, steps + 1, x.options()).unsqueeze(1);
  return (1 - s) * x + s * y;
}

// The energy minimiser [steps + 1, D] between x and y [D].
inline torch::Tensor minimise_path_energy(const Diffeomorphism& phi, const torch::Tensor& a, const torch::Tensor& x,
                                          const torch::Tensor& y, std::int64_t steps) {
  auto interior = straight_path(x, y, steps).narrow(0, 1, steps - 1).clone().requires_grad_(true);
  torch::optim::LBFGS optimiser({interior}, torch::optim::LBFGSOptions(1.0)
                                                .max_iter(4000)
                                                .max_eval(8000)
                                                .history_size(50)
                                                .tolerance_grad(1e-14)
                                                .tolerance_change(1e-18)
                                                .line_search_fn("strong_wolfe"));
  auto energy = [&] {
    optimiser.zero_grad();
    const auto path = torch::cat({x.unsqueeze(0), interior, y.unsqueeze(0)});
    auto e = static_cast<double>(steps) * segment_energies(phi, a, path).sum();
    e.backward();
    return e;
  };
  for (int round = 0; round < 3; ++round) optimiser.step(energy);
  torch::NoGradGuard no_grad;
  return torch::cat({x.unsqueeze(0), interior.detach(), y.unsqueeze(0)});
}

}  // namespace structura::geometry::testing
