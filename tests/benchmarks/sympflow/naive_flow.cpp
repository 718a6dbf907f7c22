#include "naive_flow.hpp"

#include <string>

#include "hamiltonian/sympflow/mlp.hpp"

namespace structura::bench {

namespace {

namespace sf = hamiltonian::sympflow;

// grad_c F(c, t) - grad_c F(c, 0): one MLP evaluation and one backward pass
// per time, the input made a leaf that requires grad.
torch::Tensor increment(sf::MlpImpl& mlp, const torch::Tensor& c, const torch::Tensor& t, const torch::Tensor& zero) {
  const std::int64_t n = c.size(1);
  auto grad_at = [&](const torch::Tensor& time) {
    const torch::Tensor z = torch::cat({c, time}, 1).requires_grad_(true);
    const torch::Tensor f = mlp.forward(z);
    return torch::autograd::grad({f.sum()}, {z})[0].narrow(1, 0, n);
  };
  return grad_at(t) - grad_at(zero);
}

}  // namespace

torch::Tensor naive_flow(sf::SympFlow& model, const torch::Tensor& x0, const torch::Tensor& t) {
  torch::AutoGradMode grad_mode(true);
  const auto& a = model.architecture();
  const int n = a.dof;
  torch::Tensor q = x0.narrow(1, 0, n).detach(), p = x0.narrow(1, n, n).detach();
  const torch::Tensor zero = torch::zeros_like(t);
  const bool potential_first = a.order == hamiltonian::LayerOrder::PotentialFirst;
  const auto children = model.named_children();  // the MLPs, by the names SympFlow registers
  for (int i = 0; i < a.layers; ++i) {
    auto& v = *children["potential" + std::to_string(i)]->as<sf::MlpImpl>();
    auto& k = *children["kinetic" + std::to_string(i)]->as<sf::MlpImpl>();
    for (int half = 0; half < 2; ++half) {
      if ((half == 0) == potential_first) {
        p = p - increment(v, q, t, zero);
      } else {
        q = q + increment(k, p, t, zero);
      }
    }
  }
  return torch::cat({q, p}, 1).detach();
}

}  // namespace structura::bench
