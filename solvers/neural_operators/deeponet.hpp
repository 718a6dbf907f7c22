// DeepONet (Lu et al., arXiv 1910.03193) with modified-MLP branch and trunk,
// the architecture of the physics-informed DeepONet for Burgers (Wang, Wang,
// Perdikaris, Sci. Adv. 7 eabi8605; reference: branch [101, 100 x 7], trunk
// [2, 100 x 7], tanh):
//   G(u0)(y) = sum_k b_k(u0) t_k(y) + bias,
// b = branch(u0 at the sensors), t = trunk(y), y = (x, t). The reference
// has no bias; DeepXDE's DeepONet adds one (bias = true here, 0 at start).
// Every output depends on its own query point only (the trunk is applied
// pointwise), so derivatives in y of the summed output are the pointwise
// derivatives the physics-informed residual needs.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "neural_operators/modified_mlp.hpp"

namespace structura::neural_operators {

struct DeepOnetOptions {
  std::int64_t sensors = 101;      // m: u0 sampled at m fixed points
  std::int64_t coordinates = 2;    // d: (x, t)
  std::int64_t width = 100;        // hidden width of branch and trunk
  std::int64_t hidden_layers = 6;  // of branch and trunk
  std::int64_t latent = 100;       // p: terms of the sum over k
  bool bias = true;

  // InputError naming where.<field>.
  void validate(const std::string& where) const;
};

class DeepOnetImpl : public torch::nn::Module {
public:
  explicit DeepOnetImpl(const DeepOnetOptions& options, const std::string& where = "deeponet");
  // u0 (N, m); y (N, P, d), P query points per function, or (P, d) shared
  // by all N -> (N, P).
  torch::Tensor forward(const torch::Tensor& u0, const torch::Tensor& y);
  const DeepOnetOptions& options() const { return options_; }
  ModifiedMlp branch() const { return branch_; }
  ModifiedMlp trunk() const { return trunk_; }

private:
  DeepOnetOptions options_;
  ModifiedMlp branch_{nullptr}, trunk_{nullptr};  // "branch", "trunk"
  torch::Tensor bias_;                            // "bias" (1), if options.bias
};
TORCH_MODULE(DeepOnet);

}  // namespace structura::neural_operators
