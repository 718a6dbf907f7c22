// A diffeomorphism φ: R^D → R^D as the pullback geometry needs it (issue 12
// §1): the map, its exact inverse and log-determinant, and products of its
// Jacobian with tangent vectors in forward mode (Dφ(x) v, many v at once,
// as the isometry loss and the geodesic's velocity need) and reverse mode
// (Dφ(x)ᵀ w, by autograd). Tensors are batch-first: points [B, D],
// directions [B, K, D] (K tangent vectors at each point).
//
// It is a torch::nn::Module so that a trainable flow's parameters reach
// nn::TrainingLoop, checkpoints and the EMA unchanged; a fixed map (a data
// set's ground-truth φ, a test's analytic map) simply has no parameters.
// All operations are differentiable in the parameters.
#pragma once
#include <torch/torch.h>
#include <cstdint>

namespace structura::geometry {

// φ and its forward-mode tangents at a batch of points.
struct FlowEvaluation {
  torch::Tensor z;        // φ(x)                  [B, D]
  torch::Tensor log_det;  // log |det Dφ(x)|       [B]
  torch::Tensor jv;       // Dφ(x) v for each v    [B, K, D] (undefined when no directions were given)
};

class Diffeomorphism : public torch::nn::Module {
public:
  ~Diffeomorphism() override = default;
  virtual std::int64_t dimension() const = 0;

  // φ(x), log|det Dφ(x)| and, if `directions` is defined, Dφ(x) v for the
  // K directions v at each point, in one pass.
  virtual FlowEvaluation evaluate(const torch::Tensor& x, const torch::Tensor& directions) const = 0;
  // φ⁻¹(z) and, if `directions` is defined, Dφ⁻¹(z) w for each w [B, K, D].
  virtual FlowEvaluation evaluate_inverse(const torch::Tensor& z, const torch::Tensor& directions) const = 0;

  torch::Tensor forward(const torch::Tensor& x) const { return evaluate(x, {}).z; }
  torch::Tensor inverse(const torch::Tensor& z) const { return evaluate_inverse(z, {}).z; }
  torch::Tensor log_abs_det_jacobian(const torch::Tensor& x) const { return evaluate(x, {}).log_det; }
  // Dφ(x) v, v [B, D] → [B, D].
  torch::Tensor jvp(const torch::Tensor& x, const torch::Tensor& v) const;
  // Dφ⁻¹(z) w, w [B, D] → [B, D].
  torch::Tensor inverse_jvp(const torch::Tensor& z, const torch::Tensor& w) const;
  // Dφ(x)ᵀ w by reverse-mode autograd, w [B, D] → [B, D]; differentiable
  // (create_graph) so it can sit inside a loss.
  torch::Tensor vjp(const torch::Tensor& x, const torch::Tensor& w) const;
  // The full Jacobian Dφ(x) [B, D, D] (row i = ∂φ_i/∂x), by forward mode
  // with the D unit directions.
  torch::Tensor jacobian(const torch::Tensor& x) const;
};

}  // namespace structura::geometry
