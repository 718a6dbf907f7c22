// The methods the `sympflow` evaluation compares, behind one interface: a
// trained SympFlow (Kokkos kernel), the MLP baseline (libtorch), a classical
// integrator, and the accurate reference. Each advances a local ensemble
// whose current time is a whole multiple of the flow-map interval.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "hamiltonian/ensemble.hpp"
#include "hamiltonian/flow_map_kernel.hpp"
#include "hamiltonian/sympflow/flow_model.hpp"

namespace structura::pipeline::sympflow {

class Propagator {
public:
  virtual ~Propagator() = default;
  // e advances by `t`, a whole multiple of the interval (flow maps compose
  // maps of one interval; integrators take whole steps).
  virtual void advance(hamiltonian::Ensemble& e, double t) = 0;
  // Samples at times j * delta, j = 0..samples-1, starting from e at time 0;
  // `visit(j, state)` sees each. Flow maps evaluate N(tau) from the last
  // whole interval, as the rollout defines them; delta divides the interval.
  virtual void dense(hamiltonian::Ensemble& e, double delta, std::int64_t samples,
                     const std::function<void(std::int64_t, const hamiltonian::Ensemble&)>& visit);
};

std::unique_ptr<Propagator> flow_map_propagator(const hamiltonian::FlowMapWeights& weights, double interval);
std::unique_ptr<Propagator> torch_propagator(std::shared_ptr<hamiltonian::sympflow::FlowModel> model, double interval,
                                             torch::Dtype dtype);
// Verlet for separable systems, implicit midpoint otherwise, step h.
std::unique_ptr<Propagator> classical_propagator(const hamiltonian::System& system, double h);
// The exact flow where one is known, else Dormand-Prince with tolerances.
// Dormand-Prince carries each trajectory's step size from call to call, so
// one reference propagator advances one ensemble.
std::unique_ptr<Propagator> reference_propagator(const hamiltonian::System& system, double rtol, double atol);

}  // namespace structura::pipeline::sympflow
