// The conditioner of an affine coupling layer (issue 12 §1; the reference
// code's vendored nflows ResidualNet, reference notes §1.3): a residual MLP
//   h_0 = W_in x + b_in,
//   h_{j+1} = h_j + W_j2 relu(W_j1 relu(h_j) + b_j1) + b_j2   (j < blocks),
//   y = W_out h_blocks + b_out,
// [B, inputs] → [B, outputs], no batch norm, no dropout. The last layer of
// each block starts at U(−1e−3, 1e−3) (nflows' zero_initialization), so a
// fresh block is nearly the identity.
//
// Besides y it carries tangents forward analytically: for directions dx
// [B, K, inputs] it returns dy = Dy(x) dx [B, K, outputs], the product the
// flow's Jacobian-vector products are built from (linear layers act on the
// tangents without bias, relu multiplies them by 1[h > 0]). Everything is
// made of differentiable torch operations, so losses on dy train the MLP.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace structura::geometry {

struct MlpEvaluation {
  torch::Tensor y;   // [B, outputs]
  torch::Tensor dy;  // [B, K, outputs]; undefined when no tangents were given
};

class ResidualMlp : public torch::nn::Module {
public:
  ResidualMlp(std::int64_t inputs, std::int64_t outputs, std::int64_t hidden, std::int64_t blocks);

  MlpEvaluation evaluate(const torch::Tensor& x, const torch::Tensor& tangents) const;

private:
  torch::nn::Linear input_{nullptr}, output_{nullptr};
  // Block j: first_[j] then second_[j] (the one initialised near zero).
  std::vector<torch::nn::Linear> first_, second_;
};

}  // namespace structura::geometry
