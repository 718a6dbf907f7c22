// Training losses of the adversarial regularisers. Every function returns
// the SUM over its (local) batch; the caller divides by the GLOBAL batch
// size, so that shards summed over ranks give the global mean (as in
// hamiltonian/sympflow/losses.hpp).
//   wasserstein       sum_i R(x_true_i) - R(x_gen_i)   (R small on truths, large on reconstructions)
//   gradient penalty  sum_i p(|grad_x R(xhat_i)|_2 - 1),
//                     xhat_i = eps_i x_gen_i + (1 - eps_i) x_true_i,
//                     p(s) = max(s, 0)^2 (one-sided, AR: Lunz et al., weight 20)
//                     p(s) = s^2         (two-sided, ACR: Mukherjee et al., weight 5, ICNN part only)
// The penalty's gradient with respect to the parameters needs the input
// gradient kept in the graph (create_graph): backward() on the result is
// a double backward.
// Draw eps by the global index of the sample (interpolation_weights), so
// that a shard's eps do not depend on the number of ranks.
#pragma once

#include <torch/torch.h>

#include <cstdint>

#include "regularisers/regulariser.hpp"

namespace structura::regularisers {

enum class GradientPenalty { OneSided, TwoSided };

// truth, generated: (N, 1, H, W). Differentiable in R's parameters.
torch::Tensor wasserstein_loss(Regulariser& critic, const torch::Tensor& truth, const torch::Tensor& generated);

// epsilon: (N), in [0, 1]. Differentiable in R's parameters (double backward).
torch::Tensor gradient_penalty(Regulariser& critic, const torch::Tensor& truth, const torch::Tensor& generated,
                               const torch::Tensor& epsilon, GradientPenalty kind);

struct CriticLossTerms {
  torch::Tensor total;                  // wasserstein + weight * penalty, differentiable
  double wasserstein = 0, penalty = 0;  // unweighted sums, for the history
};

// The critic's training loss: Wasserstein term on `critic`, the penalty on
// `penalised` (the critic itself for AR; Acr::icnn() for the ACR).
CriticLossTerms critic_loss(Regulariser& critic, Regulariser& penalised, const torch::Tensor& truth,
                            const torch::Tensor& generated, const torch::Tensor& epsilon, GradientPenalty kind,
                            double penalty_weight);

// eps of the samples [begin, begin + count) of a global batch, uniform on
// (0, 1), keyed by (seed, key, global index): the same on 1 rank or many.
torch::Tensor interpolation_weights(std::uint64_t seed, std::uint64_t key, std::int64_t begin, std::int64_t count,
                                    torch::ScalarType dtype = torch::kFloat64);

// The lambda heuristic of the AR paper, 2 E|A^T(A x* - y)|_2 (the mean norm
// of the gradient of |Ax - y|^2 at the truth), from the residual gradients
// g_i = A^T(A x*_i - y_i), (N, ...) computed by the caller's operator:
// the sum of |g_i| over this shard (reduce over ranks, then
// lambda_from_residual_sum with the global count) ...
double residual_gradient_norm_sum(const torch::Tensor& residual_gradients);
// ... 2 * sum / count (InputError for count < 1 or a negative sum) ...
double lambda_from_residual_sum(double norm_sum, std::int64_t count);
// ... or both at once when one process holds all the pairs.
double lambda_heuristic(const torch::Tensor& residual_gradients);

}  // namespace structura::regularisers
