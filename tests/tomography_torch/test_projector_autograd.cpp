// The matrix-free torch operator against independent truths: the adjoint
// identity through the torch interface (float32, float64), the batch against
// the raw projector image by image, autograd gradients (first and second
// order, through A and through Aᵀ) against central finite differences and
// the analytic Hessian AᵀA, and angles split over 2 ranks against one rank
// holding every angle. Parallel and fan beam. Run on 1 and 2 ranks.
#include "torch_doctest.hpp"

#include <mpi.h>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "finite_differences.hpp"
#include "geometries.hpp"
#include "tomography/projector.hpp"
#include "tomography_torch/projector_autograd.hpp"

using namespace structura;
using namespace structura::tomography;
using namespace structura::tomography::testing;
using structura::testing::central_differences;
using structura::testing::max_abs;
using tomography_torch::TorchProjector;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

torch::Tensor random(std::vector<std::int64_t> shape, torch::Dtype dtype, std::uint64_t seed) {
  torch::manual_seed(seed);  // the same values on every rank
  return torch::randn(shape, torch::TensorOptions().dtype(dtype));
}

// The global sum of a per-rank sum (the sinogram part of a loss).
double global_sum(const torch::Tensor& t) { return world.sum(t.sum().item<double>()); }

// This rank's sinogram rows of a full (N, 1, angles, detectors) tensor.
torch::Tensor own_rows(const torch::Tensor& full, const TorchProjector& dist) {
  return full.narrow(2, dist.angles().begin, dist.angles().count);
}

}  // namespace

TEST_CASE("adjoint identity <Ax, y> = <x, A^T y> through torch, float32 and float64, summed over ranks") {
  for (const auto& p : small_problems(16, 12, 10, 19)) {
    for (auto dtype : {torch::kFloat32, torch::kFloat64}) {
      CAPTURE(p.name);
      CAPTURE(dtype);
      const TorchProjector A(p.image, p.beam, world);
      const auto x = random({3, 1, p.image.ny, p.image.nx}, dtype, 1);
      const auto y = own_rows(random({3, 1, (int)p.beam.angles.size(), p.beam.detectors}, dtype, 2), A);
      const double lhs = global_sum(A.project(x).to(torch::kFloat64) * y.to(torch::kFloat64));
      const double rhs = (x.to(torch::kFloat64) * A.backproject(y).to(torch::kFloat64)).sum().item<double>();
      const double tol = dtype == torch::kFloat32 ? 1e-5 : 1e-13;
      CHECK(std::abs(lhs - rhs) <= tol * std::abs(lhs));
      CHECK(std::abs(lhs) > 1.0);  // not a trivially zero pairing
    }
  }
}

TEST_CASE("a batch equals the raw projector image by image (exact), non-contiguous input accepted") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const TorchProjector A(p.image, p.beam, self);
    const Projector<double> raw(p.image, p.beam);
    // A transposed (non-contiguous) view of a (N, 1, nx, ny) tensor.
    const auto x = random({4, 1, p.image.nx, p.image.ny}, torch::kFloat64, 3).transpose(2, 3);
    const auto y = A.project(x);
    const auto back = A.backproject(y);
    for (std::int64_t n = 0; n < 4; ++n) {
      auto image = raw.make_image();
      auto sino = raw.make_sinogram();
      auto xn = x[n][0].contiguous();
      for (int r = 0; r < p.image.ny; ++r)
        for (int c = 0; c < p.image.nx; ++c) image(r, c) = xn[r][c].item<double>();
      raw.forward(image, sino);
      auto image_back = raw.make_image();
      raw.adjoint(sino, image_back);
      double dy = 0, dx = 0;
      for (int a = 0; a < (int)p.beam.angles.size(); ++a)
        for (int u = 0; u < p.beam.detectors; ++u) dy = std::max(dy, std::abs(sino(a, u) - y[n][0][a][u].item<double>()));
      for (int r = 0; r < p.image.ny; ++r)
        for (int c = 0; c < p.image.nx; ++c)
          dx = std::max(dx, std::abs(image_back(r, c) - back[n][0][r][c].item<double>()));
      CHECK(dy == 0.0);
      CHECK(dx == 0.0);
    }
  }
}

TEST_CASE("autograd gradient through A equals central differences of the global loss (float64)") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const TorchProjector A(p.image, p.beam, world);
    const auto x0 = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 4);
    const auto data = own_rows(random({2, 1, (int)p.beam.angles.size(), p.beam.detectors}, torch::kFloat64, 5), A);
    // Sinogram terms summed over ranks; an image term computed on every
    // rank and counted once (projector_autograd.hpp's global loss).
    auto sinogram_terms = [&](const torch::Tensor& x) {
      return 0.5 * (A.project(x) - data).pow(2).sum() + 0.1 * torch::sin(A.project(x)).sum();
    };
    auto image_term = [&](const torch::Tensor& x) { return 0.05 * x.pow(4).sum(); };
    auto x = x0.clone().requires_grad_(true);
    const auto g = torch::autograd::grad({sinogram_terms(x) + image_term(x)}, {x})[0];
    const auto fd = central_differences(
        [&](const torch::Tensor& v) { return global_sum(sinogram_terms(v)) + image_term(v).item<double>(); }, x0);
    CHECK(max_abs(g - fd) <= 1e-6 * (1 + max_abs(fd)));
  }
}

TEST_CASE("autograd gradient through A^T equals central differences (float64)") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const TorchProjector A(p.image, p.beam, world);
    const auto y0 = own_rows(random({2, 1, (int)p.beam.angles.size(), p.beam.detectors}, torch::kFloat64, 6), A);
    const auto target = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 7);
    // The loss of the replicated backprojection, counted once: every rank
    // computes it, the global value is that one.
    auto loss = [&](const torch::Tensor& y) { return torch::cos(A.backproject(y) - target).sum(); };
    auto y = y0.clone().requires_grad_(true);
    const auto g = torch::autograd::grad({loss(y)}, {y})[0];
    // Perturb one rank's entry at a time: every rank runs the collective.
    for (int owner = 0; owner < world.size(); ++owner) {
      auto fd = central_differences(
          [&](const torch::Tensor& v) {
            return loss(world.rank() == owner ? v : y0).item<double>();
          },
          world.rank() == owner ? y0 : torch::zeros_like(y0));
      // central_differences perturbs every entry, so ranks must agree on
      // the entry count: an empty slice on some rank would skip collectives.
      if (world.rank() == owner) CHECK(max_abs(g - fd) <= 1e-6 * (1 + max_abs(fd)));
    }
  }
}

TEST_CASE("double backward: the gradient of <grad L, v> is A^T A v, and the graph reaches second order") {
  for (const auto& p : small_problems()) {
    CAPTURE(p.name);
    const TorchProjector A(p.image, p.beam, world);
    auto x = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 8).requires_grad_(true);
    const auto v = random({2, 1, p.image.ny, p.image.nx}, torch::kFloat64, 9);
    const auto data = own_rows(random({2, 1, (int)p.beam.angles.size(), p.beam.detectors}, torch::kFloat64, 10), A);
    const auto loss = 0.5 * (A.project(x) - data).pow(2).sum();
    const auto g = torch::autograd::grad({loss}, {x}, {}, true, true)[0];
    const auto hv = torch::autograd::grad({(g * v).sum()}, {x})[0];
    const auto expected = A.adjoint_raw(A.forward_raw(v));
    CHECK(max_abs(hv - expected) <= 1e-12 * (1 + max_abs(expected)));
    CHECK(max_abs(expected) > 0.1);
  }
}

TEST_CASE("angles split over the ranks give the one-rank products and gradients") {
  for (const auto& p : small_problems(12, 10, 7, 13)) {
    CAPTURE(p.name);
    const TorchProjector dist(p.image, p.beam, world);
    const TorchProjector full(p.image, p.beam, self);
    const auto x0 = random({3, 1, p.image.ny, p.image.nx}, torch::kFloat64, 11);
    const auto data_full = random({3, 1, (int)p.beam.angles.size(), p.beam.detectors}, torch::kFloat64, 12);
    CHECK(max_abs(dist.forward_raw(x0) - own_rows(full.forward_raw(x0), dist)) == 0.0);
    CHECK(max_abs(dist.adjoint_raw(own_rows(data_full, dist)) - full.adjoint_raw(data_full)) <=
          1e-13 * max_abs(full.adjoint_raw(data_full)));
    auto grad_of = [&](const TorchProjector& A, const torch::Tensor& data) {
      auto x = x0.clone().requires_grad_(true);
      const auto loss = (A.project(x) - data).pow(2).sum() + torch::tanh(A.backproject(A.project(x))).sum();
      return torch::autograd::grad({loss}, {x})[0];
    };
    const auto g_dist = grad_of(dist, own_rows(data_full, dist));
    const auto g_full = grad_of(full, data_full);
    // The data term is summed over ranks, the tanh term of replicated values counted once.
    CHECK(max_abs(g_dist - g_full) <= 1e-12 * (1 + max_abs(g_full)));
  }
}

TEST_CASE("bad input: wrong shape, dtype or device names the argument") {
  const auto p = small_problems()[0];
  const TorchProjector A(p.image, p.beam, self);
  CHECK(thrown_input_error([&] { A.project(torch::zeros({2, 1, p.image.nx, p.image.ny}, torch::kFloat64)); })
            .find("images must be (N, 1, 7, 9)") != std::string::npos);
  CHECK(thrown_input_error([&] { A.project(torch::zeros({2, 1, p.image.ny, p.image.nx}, torch::kInt32)); })
            .find("float32 or float64") != std::string::npos);
  CHECK(thrown_input_error([&] { A.backproject(torch::zeros({2, 2, 6, 11}, torch::kFloat32)); }).find("sinograms") !=
        std::string::npos);
}

TEST_CASE("the collective adjoint refuses together: one rank's bad batch or a batch size that differs") {
  const auto p = small_problems()[0];
  const TorchProjector A(p.image, p.beam, world);
  const std::int64_t rows = A.angles().count, cols = p.beam.detectors;
  // Rank 0 passes a wrong shape, the others a good one: every rank throws
  // (before this check the good ranks waited in MPI_Allreduce for ever).
  const auto bad_on_root = thrown_input_error([&] {
    A.backproject(world.rank() == 0 ? torch::zeros({1, 1, rows + 1, cols}, torch::kFloat64)
                                    : torch::zeros({1, 1, rows, cols}, torch::kFloat64));
  });
  CHECK(bad_on_root.find("sinograms must be") != std::string::npos);
  if (world.size() > 1) CHECK(bad_on_root.find("(rank 0 of") != std::string::npos);
  if (world.size() > 1) {
    const auto sizes = thrown_input_error([&] { A.backproject(torch::zeros({1 + world.rank(), 1, rows, cols}, torch::kFloat64)); });
    CHECK(sizes.find("disagree on the batch") != std::string::npos);
  }
  // And the operator still works afterwards (nothing left half-reduced).
  CHECK(A.backproject(torch::ones({2, 1, rows, cols}, torch::kFloat64)).size(0) == 2);
}
