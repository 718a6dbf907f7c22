#include "hamiltonian/sympflow/losses.hpp"

#include "core/error.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"
#include "hamiltonian/sympflow/torch_system.hpp"

namespace structura::hamiltonian::sympflow {

LossTerms unsupervised_loss(FlowModel& model, const System& system, const torch::Tensor& x0, const torch::Tensor& t,
                            const LossWeights& weights) {
  const FlowValue n = model.flow(x0, t, weights.residual != 0);
  LossTerms terms;
  terms.total = torch::zeros({}, x0.options());
  if (weights.residual != 0) {
    const torch::Tensor r = (n.xdot - vector_field(system, n.x)).square().sum();
    terms.residual = r.item<double>();
    terms.total = terms.total + weights.residual * r;
  }
  if (weights.matching != 0) {
    auto* symp = dynamic_cast<SympFlow*>(&model);
    if (symp == nullptr) throw InputError("Hamiltonian matching needs a SympFlow model (the baseline has no Hamiltonian)");
    const torch::Tensor m = (symp->hamiltonian(n.x, t) - energy(system, n.x)).square().sum();
    terms.matching = m.item<double>();
    terms.total = terms.total + weights.matching * m;
  }
  if (weights.energy != 0) {
    const torch::Tensor e = (energy(system, n.x) - energy(system, x0)).square().sum();
    terms.energy = e.item<double>();
    terms.total = terms.total + weights.energy * e;
  }
  return terms;
}

torch::Tensor data_loss(FlowModel& model, const torch::Tensor& x0, const torch::Tensor& t, const torch::Tensor& y) {
  return (model.flow(x0, t, false).x - y).square().sum();
}

}  // namespace structura::hamiltonian::sympflow
