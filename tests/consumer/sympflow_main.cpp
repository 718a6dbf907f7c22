// Downstream smoke test of the installed learning libraries: a SympFlow
// built with structura::sympflow maps x to itself at t = 0 exactly, and its
// weights exported to the Kokkos inference kernel give the same N(1, x) as
// libtorch (to 1e-12). Exit status 0 only if both hold.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>

#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "hamiltonian/flow_map_kernel.hpp"
#include "hamiltonian/sympflow/sympflow.hpp"

namespace sh = structura::hamiltonian;

int main(int argc, char** argv) {
  structura::mpi::Environment mpi(argc, argv);
  structura::KokkosRuntime kokkos(argc, argv);
  torch::manual_seed(1);
  sh::FlowMapArchitecture a;
  a.dof = 2;
  sh::sympflow::SympFlow model(a);
  model.to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const torch::Tensor x0 = torch::rand({16, 4}, f64) * 2 - 1;
  const bool identity = torch::equal(model.flow(x0, torch::zeros({16, 1}, f64), false).x, x0);

  sh::Ensemble e(0, 16, 2);
  auto q = Kokkos::create_mirror_view(e.q);
  auto p = Kokkos::create_mirror_view(e.p);
  for (int i = 0; i < 16; ++i)
    for (int d = 0; d < 2; ++d) q(i, d) = x0[i][d].item<double>(), p(i, d) = x0[i][2 + d].item<double>();
  Kokkos::deep_copy(e.q, q);
  Kokkos::deep_copy(e.p, p);
  sh::FlowMapKernel(model.export_weights()).apply(e, 1.0);
  Kokkos::deep_copy(q, e.q);
  Kokkos::deep_copy(p, e.p);
  const torch::Tensor x1 = model.flow(x0, torch::ones({16, 1}, f64), false).x;
  double diff = 0;
  for (int i = 0; i < 16; ++i)
    for (int d = 0; d < 2; ++d)
      diff = std::fmax(diff, std::fmax(std::fabs(q(i, d) - x1[i][d].item<double>()),
                                       std::fabs(p(i, d) - x1[i][2 + d].item<double>())));
  std::printf("consumer_sympflow: N(0, x) = x %s; Kokkos vs libtorch at t = 1: %.2e\n", identity ? "exactly" : "FAILS",
              diff);
  return identity && diff < 1e-12 ? 0 : 1;
}
