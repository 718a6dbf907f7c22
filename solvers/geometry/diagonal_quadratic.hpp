// The strongly convex ψ(z) = ½ zᵀ A⁻¹ z with A = diag(a) of the score-based
// pullback geometry (issue 12 §1; the reference code's learnable_psi.py and
// standard_normal_psi.py): p(x) ∝ exp(−ψ(φ(x))) makes the latent z = φ(x)
// N(0, diag a). Learned, a_i = exp(r_i) with r = 0 at the start (a = 1);
// fixed, a ≡ 1 (the standard and isometric flows of the baselines). r is
// a parameter named "log_variances" when learned and a buffer of the same
// name when fixed, so both save and load alike.
#pragma once
#include <torch/torch.h>

#include <cstdint>

namespace structura::geometry {

class DiagonalQuadratic : public torch::nn::Module {
public:
  DiagonalQuadratic(std::int64_t dimension, bool learned);

  std::int64_t dimension() const { return dimension_; }
  bool learned() const { return learned_; }
  torch::Tensor variances() const { return log_variances_.exp(); }  // a [D]

  // ψ(z) [B] for z [B, D].
  torch::Tensor energy(const torch::Tensor& z) const;
  // log N(z; 0, diag a) = −ψ(z) − ½ Σ log a_i − (D/2) log 2π: [B].
  torch::Tensor log_density(const torch::Tensor& z) const;

private:
  std::int64_t dimension_;
  bool learned_;
  torch::Tensor log_variances_;
};

}  // namespace structura::geometry
