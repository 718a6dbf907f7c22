// The "modified MLP" of Wang, Teng and Perdikaris (arXiv 2001.04536, eq. 2.36;
// used for the branch and trunk nets of the physics-informed DeepONet,
// PredictiveIntelligenceLab/Physics-informed-DeepONets, modified_MLP):
//   U = tanh(x W_U + b_U),  V = tanh(x W_V + b_V)        (two encoders)
//   H_1 = x
//   Z_k = tanh(H_k W_k + b_k),  H_{k+1} = (1 - Z_k) * U + Z_k * V,  k = 1 .. L
//   f(x) = H_{L+1} W_out + b_out                            (linear output)
// The paper's form; the reference code writes Z * U + (1 - Z) * V, the same
// family with U and V swapped (both encoders are initialised alike).
// Glorot-normal weights and zero biases, as the reference's xavier_init.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace structura::neural_operators {

struct ModifiedMlpOptions {
  std::int64_t inputs = 2;
  std::int64_t width = 100;        // every hidden layer and both encoders
  std::int64_t hidden_layers = 6;  // L; the reference's [in, 100 x 7] has 6 hidden layers and the output
  std::int64_t outputs = 100;

  // InputError naming where.<field> for a value < 1.
  void validate(const std::string& where) const;
};

class ModifiedMlpImpl : public torch::nn::Module {
public:
  explicit ModifiedMlpImpl(const ModifiedMlpOptions& options, const std::string& where = "modified_mlp");
  // (..., inputs) -> (..., outputs).
  torch::Tensor forward(const torch::Tensor& x);
  const ModifiedMlpOptions& options() const { return options_; }

private:
  ModifiedMlpOptions options_;
  torch::nn::Linear encoder_u_{nullptr}, encoder_v_{nullptr}, out_{nullptr};  // "encoder_u", "encoder_v", "out"
  std::vector<torch::nn::Linear> hidden_;                                     // "hidden<k>"
};
TORCH_MODULE(ModifiedMlp);

}  // namespace structura::neural_operators
