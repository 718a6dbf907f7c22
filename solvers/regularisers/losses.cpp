#include "regularisers/losses.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::regularisers {

namespace {

void require_pairs(const torch::Tensor& truth, const torch::Tensor& generated, const char* where) {
  require_image_batch(truth, std::string(where) + " (truth)");
  require_image_batch(generated, std::string(where) + " (generated)");
  require(truth.sizes() == generated.sizes(), fmt::format("{}: truth and generated batches differ in shape", where));
}

}  // namespace

torch::Tensor wasserstein_loss(Regulariser& critic, const torch::Tensor& truth, const torch::Tensor& generated) {
  require_pairs(truth, generated, "wasserstein_loss");
  return per_image(critic.forward(truth)).sum() - per_image(critic.forward(generated)).sum();
}

torch::Tensor gradient_penalty(Regulariser& critic, const torch::Tensor& truth, const torch::Tensor& generated,
                               const torch::Tensor& epsilon, GradientPenalty kind) {
  require_pairs(truth, generated, "gradient_penalty");
  require(epsilon.dim() == 1 && epsilon.size(0) == truth.size(0),
          fmt::format("gradient_penalty: epsilon must be (N) = ({}), got {} dimensions", truth.size(0), epsilon.dim()));
  const torch::Tensor e = epsilon.to(truth.scalar_type()).view({-1, 1, 1, 1});
  torch::Tensor xhat = (e * generated.detach() + (1 - e) * truth.detach()).requires_grad_(true);
  const torch::Tensor values = per_image(critic.forward(xhat));
  const torch::Tensor g = torch::autograd::grad({values.sum()}, {xhat}, {}, /*retain_graph=*/true,
                                                /*create_graph=*/true)[0];
  const torch::Tensor s = g.flatten(1).norm(2, 1) - 1;
  return kind == GradientPenalty::OneSided ? s.clamp_min(0).square().sum() : s.square().sum();
}

CriticLossTerms critic_loss(Regulariser& critic, Regulariser& penalised, const torch::Tensor& truth,
                            const torch::Tensor& generated, const torch::Tensor& epsilon, GradientPenalty kind,
                            double penalty_weight) {
  require(penalty_weight >= 0 && std::isfinite(penalty_weight),
          fmt::format("critic_loss: penalty_weight must be a finite number >= 0, got {}", penalty_weight));
  const torch::Tensor w = wasserstein_loss(critic, truth, generated);
  const torch::Tensor p = gradient_penalty(penalised, truth, generated, epsilon, kind);
  return {w + penalty_weight * p, w.item<double>(), p.item<double>()};
}

torch::Tensor interpolation_weights(std::uint64_t seed, std::uint64_t key, std::int64_t begin, std::int64_t count,
                                    torch::ScalarType dtype) {
  require(begin >= 0 && count >= 0,
          fmt::format("interpolation_weights: begin {} and count {} must be >= 0", begin, count));
  const CounterRng rng(seed, key);
  std::vector<double> eps(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) eps[i] = rng.uniform4(static_cast<std::uint64_t>(begin + i), 0).u[0];
  return torch::tensor(eps, torch::kFloat64).to(dtype);
}

double residual_gradient_norm_sum(const torch::Tensor& residual_gradients) {
  require(residual_gradients.defined() && residual_gradients.dim() >= 1,
          "residual_gradient_norm_sum: expected residual gradients (N, ...)");
  if (residual_gradients.size(0) == 0) return 0;
  return residual_gradients.detach().flatten(1).to(torch::kFloat64).norm(2, 1).sum().item<double>();
}

double lambda_from_residual_sum(double norm_sum, std::int64_t count) {
  require(count >= 1, fmt::format("lambda heuristic: needs at least one training pair, got {}", count));
  require(
      norm_sum >= 0 && std::isfinite(norm_sum),
      fmt::format("lambda heuristic: the sum of residual gradient norms must be finite and >= 0, got {}", norm_sum));
  return 2 * norm_sum / static_cast<double>(count);
}

double lambda_heuristic(const torch::Tensor& residual_gradients) {
  return lambda_from_residual_sum(residual_gradient_norm_sum(residual_gradients), residual_gradients.size(0));
}

}  // namespace structura::regularisers
