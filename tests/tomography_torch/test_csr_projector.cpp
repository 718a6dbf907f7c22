// The CSR matrix operator against the matrix-free one (forward and adjoint,
// float32 and float64, parallel and fan beam, to rounding), its gradients
// against the matrix-free autograd ones, its nnz against the per-ray bound
// of the memory formula, and an angle range against the rows of the whole.
#include "torch_doctest.hpp"

#include <mpi.h>

#include <algorithm>

#include "core/mpi.hpp"
#include "finite_differences.hpp"
#include "geometries.hpp"
#include "tomography_torch/csr_projector.hpp"
#include "tomography_torch/projector_autograd.hpp"

using namespace structura;
using namespace structura::tomography::testing;
using structura::testing::max_abs;
using tomography_torch::CsrProjector;
using tomography_torch::TorchProjector;

namespace {
const mpi::Comm self{MPI_COMM_SELF};

torch::Tensor random(std::vector<std::int64_t> shape, torch::Dtype dtype, std::uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randn(shape, torch::TensorOptions().dtype(dtype));
}
}  // namespace

TEST_CASE("CSR operator equals the matrix-free projector, forward and adjoint, to rounding") {
  for (const auto& p : small_problems(24, 20, 13, 31)) {
    for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
      CAPTURE(p.name);
      CAPTURE(dtype);
      const TorchProjector free(p.image, p.beam, self);
      const CsrProjector csr(p.image, p.beam, dtype);
      const auto x = random({3, 1, p.image.ny, p.image.nx}, dtype, 1);
      const auto y = random({3, 1, (int)p.beam.angles.size(), p.beam.detectors}, dtype, 2);
      const double eps = dtype == torch::kFloat32 ? 1e-5 : 1e-13;
      const auto ax = free.forward_raw(x), aty = free.adjoint_raw(y);
      CHECK(max_abs(csr.forward_raw(x) - ax) <= eps * max_abs(ax));
      CHECK(max_abs(csr.adjoint_raw(y) - aty) <= eps * max_abs(aty));
      CHECK(max_abs(ax) > 0.5);
      // The memory formula's bound: at most two pixels per step, max(nx, ny) steps.
      CHECK(csr.nnz() <= 2L * std::max(p.image.nx, p.image.ny) * (long)p.beam.angles.size() * p.beam.detectors);
      CHECK(csr.nnz() == csr.matrix()._nnz());
      CHECK(csr.nnz() == csr.transposed()._nnz());
    }
  }
}

TEST_CASE("CSR gradients equal the matrix-free ones, first and second order (float64)") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const TorchProjector free(p.image, p.beam, self);
    const CsrProjector csr(p.image, p.beam, torch::kFloat64);
    const auto x0 = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 3);
    const auto v = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 4);
    auto grads = [&](auto project, auto backproject) {
      auto x = x0.clone().requires_grad_(true);
      const auto loss = torch::sin(project(x)).sum() + backproject(project(x)).pow(2).sum();
      const auto g = torch::autograd::grad({loss}, {x}, {}, true, true)[0];
      const auto hv = torch::autograd::grad({(g * v).sum()}, {x})[0];
      return std::make_pair(g, hv);
    };
    const auto [g_free, h_free] = grads([&](auto& t) { return free.project(t); },
                                        [&](const torch::Tensor& t) { return free.backproject(t); });
    const auto [g_csr, h_csr] = grads([&](auto& t) { return csr.project(t); },
                                      [&](const torch::Tensor& t) { return csr.backproject(t); });
    CHECK(max_abs(g_csr - g_free) <= 1e-12 * (1 + max_abs(g_free)));
    CHECK(max_abs(h_csr - h_free) <= 1e-12 * (1 + max_abs(h_free)));
    // and against finite differences, independently of the matrix-free path
    const auto fd = structura::testing::central_differences(
        [&](const torch::Tensor& t) { return (torch::sin(csr.project(t)).sum() + csr.backproject(csr.project(t)).pow(2).sum()).item<double>(); },
        x0);
    CHECK(max_abs(g_csr - fd) <= 1e-6 * (1 + max_abs(fd)));
  }
}

TEST_CASE("CSR operator of an angle range holds the rows of those angles") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const CsrProjector whole(p.image, p.beam, torch::kFloat64);
    const CsrProjector part(p.image, p.beam, Range{2, 3}, torch::kFloat64, torch::kCPU);
    const auto x = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 5);
    CHECK(max_abs(part.forward_raw(x) - whole.forward_raw(x).narrow(2, 2, 3)) == 0.0);
  }
}
