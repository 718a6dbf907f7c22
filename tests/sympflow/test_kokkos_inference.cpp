// The Kokkos inference kernel evaluates the same map as the libtorch model
// it was exported from (float64), for every activation and layer order, at
// single times and for rollouts beyond the training interval.
#include "torch_doctest.hpp"

#include "hamiltonian/flow_map_kernel.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"

using namespace structura;
using namespace structura::hamiltonian;
using namespace structura::hamiltonian::sympflow;

namespace {

const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);

// Ensemble rows from a (batch, 2n) tensor, and back.
Ensemble to_ensemble(const torch::Tensor& x, int n) {
  Ensemble e(0, x.size(0), n);
  auto q = Kokkos::create_mirror_view(e.q);
  auto p = Kokkos::create_mirror_view(e.p);
  for (int64_t i = 0; i < x.size(0); ++i)
    for (int d = 0; d < n; ++d) q(i, d) = x[i][d].item<double>(), p(i, d) = x[i][n + d].item<double>();
  Kokkos::deep_copy(e.q, q);
  Kokkos::deep_copy(e.p, p);
  return e;
}

torch::Tensor to_tensor(const Ensemble& e) {
  const int n = e.dof();
  auto q = Kokkos::create_mirror_view_and_copy(HostSpace(), e.q);
  auto p = Kokkos::create_mirror_view_and_copy(HostSpace(), e.p);
  torch::Tensor x = torch::empty({e.size(), 2 * n}, f64);
  for (int64_t i = 0; i < e.size(); ++i)
    for (int d = 0; d < n; ++d) x[i][d] = q(i, d), x[i][n + d] = p(i, d);
  return x;
}

}  // namespace

TEST_CASE("Kokkos inference equals the libtorch model to 1e-12") {
  torch::manual_seed(11);
  for (int dof : {1, 2}) {
    for (Activation act : {Activation::Tanh, Activation::Sin, Activation::Swish}) {
      for (LayerOrder order : {LayerOrder::PotentialFirst, LayerOrder::KineticFirst}) {
        CAPTURE(dof);
        CAPTURE(static_cast<int>(act));
        CAPTURE(static_cast<int>(order));
        FlowMapArchitecture a;
        a.dof = dof;
        a.layers = 3;
        a.width = 10;
        a.depth = 2;
        a.activation = act;
        a.order = order;
        SympFlow model(a);
        model.to(torch::kFloat64);
        {
          torch::NoGradGuard no_grad;
          for (auto& p : model.parameters()) p.normal_(0.0, 0.5);
        }
        const FlowMapKernel kernel(model.export_weights());
        torch::NoGradGuard no_grad;
        const torch::Tensor x0 = torch::randn({64, 2 * dof}, f64);

        for (double t : {0.0, 0.37, 1.0, -0.1}) {
          Ensemble e = to_ensemble(x0, dof);
          kernel.apply(e, t);
          const torch::Tensor expected = model.flow(x0, torch::full({64, 1}, t, f64), false).x;
          CHECK((to_tensor(e) - expected).abs().max().item<double>() < 1e-12);
        }
        // Rollout to t = 3.25 by composition, against the libtorch model composed the same way.
        Ensemble e = to_ensemble(x0, dof);
        kernel.rollout(e, 3.25, 1.0);
        torch::Tensor x = x0;
        for (int k = 0; k < 3; ++k) x = model.flow(x, torch::ones({64, 1}, f64), false).x;
        x = model.flow(x, torch::full({64, 1}, 0.25, f64), false).x;
        const double scale = std::max(1.0, x.abs().max().item<double>());
        CHECK((to_tensor(e) - x).abs().max().item<double>() < 1e-12 * scale);
      }
    }
  }
}
