#include "experiments/sympflow/cost.hpp"

#include <cmath>

namespace structura::pipeline::sympflow {

namespace {
constexpr double kActivation = 20;
}

double flow_map_flops(const hamiltonian::FlowMapArchitecture& a) {
  const double in = a.inputs(), w = a.width, d = a.depth;
  const double matvecs = 2 * (in * w + (d - 1) * w * w + w);  // forward: all linear maps
  const double backward = 2 * ((d - 1) * w * w + w * in) + 2 * d * w;  // W^T e and the slopes
  const double activations = kActivation * d * w;
  const double gradient = matvecs + backward + activations;
  return 2.0 * a.layers * 2.0 * gradient + 4.0 * a.layers * a.dof;  // 2 MLPs x 2 times per layer, plus updates
}

double classical_step_flops(const hamiltonian::System& s) {
  const double n = hamiltonian::dof(s);
  const double force = std::visit(
      [&](const auto& sys) -> double {
        using S = std::decay_t<decltype(sys)>;
        if constexpr (std::is_same_v<S, hamiltonian::HarmonicOscillator>) return 2;
        if constexpr (std::is_same_v<S, hamiltonian::Pendulum>) return kActivation + 1;
        if constexpr (std::is_same_v<S, hamiltonian::HenonHeiles>) return 10;
        if constexpr (std::is_same_v<S, hamiltonian::Kepler>) return kActivation + 8;
        if constexpr (std::is_same_v<S, hamiltonian::FermiPastaUlam>) return 8 * n;
        return 3 * 16;  // damped oscillator: vector field ~16 flops, ~3 iterations
      },
      s);
  return force + 6 * n;  // two half kicks and a drift
}

double equal_cost_step(const hamiltonian::FlowMapArchitecture& a, const hamiltonian::System& s, double interval) {
  const double steps = std::max(1.0, std::round(flow_map_flops(a) / classical_step_flops(s)));
  return interval / steps;
}

}  // namespace structura::pipeline::sympflow
