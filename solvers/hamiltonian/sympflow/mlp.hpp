// Multilayer perceptrons whose derivatives with respect to their inputs are
// written out in closed form as tensor operations, instead of asking autograd
// for them with create_graph. SympFlow's layer maps are input-gradients of
// scalar MLPs and its residual loss needs their time derivative; building
// both by hand keeps the autograd graph that the parameter gradient walks
// small (one backward pass instead of three nested ones), which is where the
// training time goes.
//
// Conventions: inputs z are (batch, inputs); a "tangent" zdot of the same
// shape is a direction, and the *_dot results are the directional
// derivatives along it (forward mode), e.g. d/dt with zdot = dz/dt.
#pragma once

#include <torch/torch.h>

#include "hamiltonian/flow_map_weights.hpp"

namespace structura::hamiltonian::sympflow {

// sigma(a), sigma'(a), sigma''(a) elementwise.
struct ActivationTerms {
  torch::Tensor value, first, second;
};
ActivationTerms activation_terms(Activation activation, const torch::Tensor& a, bool need_second);

// Linear(inputs -> width) act [Linear(width -> width) act] x (depth - 1) Linear(width -> outputs).
class MlpImpl : public torch::nn::Module {
public:
  MlpImpl(int inputs, int width, int depth, int outputs, Activation activation);

  torch::Tensor forward(const torch::Tensor& z);
  // The output and its directional derivative along zdot.
  std::pair<torch::Tensor, torch::Tensor> forward_with_tangent(const torch::Tensor& z, const torch::Tensor& zdot);

  // For a scalar MLP (outputs == 1): the gradient with respect to z, and,
  // when zdot is defined, its directional derivative (Hessian times zdot).
  struct Gradient {
    torch::Tensor value;  // (batch, inputs)
    torch::Tensor dot;    // (batch, inputs), undefined without zdot
  };
  Gradient input_gradient(const torch::Tensor& z, const torch::Tensor& zdot = {});

  const std::vector<torch::nn::Linear>& linears() const { return linears_; }
  Activation activation() const { return activation_; }

private:
  std::vector<torch::nn::Linear> linears_;
  Activation activation_;
};
TORCH_MODULE(Mlp);

}  // namespace structura::hamiltonian::sympflow
