// The unstructured baseline of the SympFlow papers: N(t, x) = x + tanh(t) MLP(x, t).
// N(0, x) = x holds, but nothing makes N(t, .) symplectic; it is trained with
// an energy-conservation penalty instead.
#pragma once

#include "hamiltonian/flow_map_weights.hpp"
#include "hamiltonian/sympflow/flow_model.hpp"
#include "hamiltonian/sympflow/mlp.hpp"

namespace structura::hamiltonian::sympflow {

class MlpBaseline : public FlowModel {
public:
  // The MLP has 2n + 1 inputs and 2n outputs.
  MlpBaseline(int dof, int width, int depth, Activation activation);

  FlowValue flow(const torch::Tensor& x0, const torch::Tensor& t, bool with_time_derivative) override;
  int dof() const override { return dof_; }

private:
  int dof_;
  Mlp mlp_;
};

}  // namespace structura::hamiltonian::sympflow
