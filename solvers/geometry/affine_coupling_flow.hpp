// An affine coupling flow φ = f_L ∘ … ∘ f_1 on R^D (issue 12 §1; the
// reference code's EuclideanDiffeomorphism with 'affine' coupling layers,
// reference notes §1.3; Dinh et al.'s RealNVP as nflows writes it).
// Layer l splits the coordinates by an alternating mask: layer 0 transforms
// the even indices 0, 2, 4, … and passes the odd ones through, layer 1 the
// reverse, and so on (nflows' create_alternating_binary_mask). With x_I the
// passed and x_T the transformed coordinates,
//   (raw, t) = conditioner(x_I)           (ResidualMlp, outputs 2|T|:
//                                          shift first, then raw scale)
//   s = sigmoid(raw + 2) + 1e−3           (in (0.001, 1.001); s ≈ 0.88 at
//                                          raw = 0, so a fresh flow contracts
//                                          a little, as the reference)
//   y_I = x_I,  y_T = s ⊙ x_T + t,  log|det Df_l| = Σ log s.
// The inverse is exact: x_T = (y_T − t) / s with (raw, t) from y_I = x_I.
// Forward-mode tangents are carried analytically through every layer:
//   dy_T = s ⊙ dx_T + x_T ⊙ s'(raw) draw + dt,  s' = σ(1 − σ) at raw + 2,
// and the inverse's dx_T = (dy_T − dt − x_T ⊙ ds) / s, so Dφ v for K
// directions costs K tangent passes of the MLPs, not an autograd Jacobian.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "geometry/diffeomorphism.hpp"
#include "geometry/residual_mlp.hpp"

namespace structura::geometry {

// The architecture, as the experiment file's [flow] table gives it.
struct CouplingFlowOptions {
  std::int64_t layers = 2;  // L coupling layers (reference: 2 banana, 4 river, 8–24 sinusoid/hemisphere)
  std::int64_t hidden = 64;  // width of each conditioner
  std::int64_t blocks = 2;   // residual blocks per conditioner

  // InputError naming where.layers / where.hidden / where.blocks for a
  // value out of range, and where.dimension for D < 2 (a coupling layer
  // needs a coordinate to condition on).
  void validate(const std::string& where, std::int64_t dimension) const;
};

class AffineCouplingFlow : public Diffeomorphism {
public:
  // Parameters in float32 as torch creates them; .to(torch::kFloat64) for
  // double precision. Validates the options (naming `where`).
  AffineCouplingFlow(std::int64_t dimension, CouplingFlowOptions options, const std::string& where = "flow");

  std::int64_t dimension() const override { return dimension_; }
  const CouplingFlowOptions& options() const { return options_; }

  FlowEvaluation evaluate(const torch::Tensor& x, const torch::Tensor& directions) const override;
  FlowEvaluation evaluate_inverse(const torch::Tensor& z, const torch::Tensor& directions) const override;

private:
  struct Split {
    torch::Tensor passed, transformed;  // coordinate indices (int64)
    torch::Tensor merge;                // cat(passed, transformed)[merge] restores the order
  };
  // The layer's scale and shift at its passed coordinates, with tangents.
  struct Affine {
    torch::Tensor scale, shift;     // [B, |T|]
    torch::Tensor dscale, dshift;   // [B, K, |T|]
  };
  Affine affine(std::size_t layer, const torch::Tensor& passed, const torch::Tensor& dpassed) const;

  std::int64_t dimension_;
  CouplingFlowOptions options_;
  std::vector<Split> splits_;  // per layer; plain members, not buffers (Module::to would cast them)
  std::vector<std::shared_ptr<ResidualMlp>> conditioners_;
};

}  // namespace structura::geometry
