#include "hamiltonian/sympflow/baseline.hpp"

namespace structura::hamiltonian::sympflow {

MlpBaseline::MlpBaseline(int dof, int width, int depth, Activation activation)
    : dof_(dof), mlp_(register_module("mlp", Mlp(2 * dof + 1, width, depth, 2 * dof, activation))) {}

FlowValue MlpBaseline::flow(const torch::Tensor& x0, const torch::Tensor& t, bool with_time_derivative) {
  const torch::Tensor z = torch::cat({x0, t}, 1);
  const torch::Tensor s = torch::tanh(t);
  FlowValue v;
  if (!with_time_derivative) {
    v.x = x0 + s * mlp_->forward(z);
    return v;
  }
  // d/dt along (x0, t) -> (0, 1): the last input only.
  torch::Tensor zdot = torch::zeros_like(z);
  zdot.narrow(1, 2 * dof_, 1).fill_(1.0);
  auto [m, mdot] = mlp_->forward_with_tangent(z, zdot);
  v.x = x0 + s * m;
  v.xdot = (1 - s * s) * m + s * mdot;
  return v;
}

}  // namespace structura::hamiltonian::sympflow
