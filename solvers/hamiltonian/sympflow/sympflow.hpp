// SympFlow: a neural flow map that is symplectic for every t by construction
// (see flow_map_weights.hpp for the layer maps). Besides the map it gives the
// network's own Hamiltonian H(N_theta)(t, x), whose exact flow it is, by
// walking the layers backwards with the composition rule
//   phi_H2 o phi_H1 is the flow of H2(t, x) + H1(t, phi_H2^{-1}(x)),
// and exports its weights for the Kokkos inference kernel.
#pragma once

#include "hamiltonian/flow_map_weights.hpp"
#include "hamiltonian/sympflow/flow_model.hpp"
#include "hamiltonian/sympflow/mlp.hpp"

namespace structura::hamiltonian::sympflow {

class SympFlow : public FlowModel {
public:
  explicit SympFlow(const FlowMapArchitecture& architecture);

  FlowValue flow(const torch::Tensor& x0, const torch::Tensor& t, bool with_time_derivative) override;
  int dof() const override { return architecture_.dof; }

  // H(N_theta)(t, x) at points x of phase space at time t, (batch, 1),
  // including the learnable constant tanh(h0) (the flow does not see it;
  // Hamiltonian matching does).
  torch::Tensor hamiltonian(const torch::Tensor& x, const torch::Tensor& t);

  const FlowMapArchitecture& architecture() const { return architecture_; }
  FlowMapWeights export_weights() const;
  void import_weights(const FlowMapWeights& weights);

private:
  // One potential (V) or kinetic (K) update: moves `moved` (p for V, q for
  // K) by -/+ [grad V(c, t) - grad V(c, 0)] where c is the other half; with
  // tangents when cdot/moved_dot are defined.
  struct Half {
    torch::Tensor moved, moved_dot;
  };
  Half update(Mlp& mlp, bool potential, const torch::Tensor& c, const torch::Tensor& cdot, const torch::Tensor& moved,
              const torch::Tensor& moved_dot, const torch::Tensor& t);

  FlowMapArchitecture architecture_;
  std::vector<Mlp> potentials_, kinetics_;
  torch::Tensor h0_;
};

}  // namespace structura::hamiltonian::sympflow
