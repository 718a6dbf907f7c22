// Decomposition independence of the variational solvers, run on 1 and 2
// ranks. Truths: one rank holding every angle (MPI_COMM_SELF) for a single
// image whose angles are split over the world (matrix-free TorchProjector
// and the CSR matrix with its rows split); the whole batch solved on one
// rank for a batch whose images are split over the world
// (tomography_torch/image_split.hpp), each rank holding the whole operator.
// Tolerance 1e-12 relative (measured: <= 3.2e-16 on 2 ranks, 0 for the
// batch split): the runs differ only in the order of the
// floating-point sums over angles (and CSR vs Joseph kernel), amplified by
// at most a few dozen iterations of a contraction.
#include <mpi.h>

#include "problems.hpp"
#include "tomography_torch/image_split.hpp"
#include "variational/gradient_descent.hpp"
#include "variational/primal_dual.hpp"
#include "variational/projector_operators.hpp"

using namespace structura;
using namespace structura::variational;
using namespace structura::variational::testing;

namespace {

const mpi::Comm world{};
const mpi::Comm self{MPI_COMM_SELF};

std::shared_ptr<regularisers::Acr> seeded_acr() {
  torch::manual_seed(11);  // the same weights on every rank
  auto acr = std::make_shared<regularisers::Acr>(small_acr());
  acr->to(torch::kFloat64);
  return acr;
}

GradientDescentOptions armijo_options(double a2) {
  GradientDescentOptions o;
  o.iterations = 40;
  o.rule = StepRule::Armijo;
  o.step = 5 / (2 * a2);
  o.gradient_tolerance = 1e-3;  // per-image stops take part in the comparison
  return o;
}

PrimalDualOptions pd_options() {
  PrimalDualOptions o;
  o.iterations = 40;
  o.sigma = 1;  // the dual lags: the dual variable's rows are split too
  return o;  // L_R estimated from the Hessian at the start (replicated computation)
}

void check_close(const torch::Tensor& a, const torch::Tensor& b) {
  const double relative = max_abs(a - b) / max_abs(b);
  if (world.size() > 1 && world.is_root()) MESSAGE("max relative difference to one rank: " << relative);
  CHECK(relative <= 1e-12);
}

}  // namespace

TEST_CASE("a single image reconstructed with its angles split over the ranks equals one rank holding them all") {
  const auto im = small_image();
  const auto beam = small_beam();
  const tomography_torch::TorchProjector whole(im, beam, self), split(im, beam, world);
  const TorchProjectorOperator A1(whole), A2(split);
  const auto truth = phantoms(1);
  const auto y = noisy(A1.forward(truth), 0.02, 3);
  const auto y_rows = y.narrow(2, split.angles().begin, split.angles().count);
  const auto acr = seeded_acr();
  const double a2 = std::pow(operator_norm(A1), 2);
  const double lambda = 0.2 * a2 / acr->strong_convexity_modulus();
  const Problem p1(A1, y, regulariser_of(*acr), lambda), p2(A2, y_rows, regulariser_of(*acr), lambda);
  const auto start = A1.adjoint(y) / a2;

  const auto g1 = gradient_descent(p1, start, armijo_options(a2), truth);
  const auto g2 = gradient_descent(p2, start, armijo_options(a2), truth);
  check_close(g2.x, g1.x);
  check_close(g2.energy, g1.energy);
  CHECK(g2.iterations == g1.iterations);
  CHECK(g1.iterations[0] > 5);

  const auto d1 = primal_dual(p1, start, pd_options());
  const auto d2 = primal_dual(p2, start, pd_options());
  check_close(d2.x, d1.x);
  check_close(d2.lyapunov, d1.lyapunov);
  CHECK(std::abs(d2.tau - d1.tau) <= 1e-11 * d1.tau);

  // The CSR matrix, rows split as the matrix-free operator's.
  const tomography_torch::CsrProjector csr(im, beam, split.angles(), torch::kFloat64, torch::kCPU);
  const CsrOperator A3(csr, world);
  const Problem p3(A3, y_rows, regulariser_of(*acr), lambda);
  check_close(gradient_descent(p3, start, armijo_options(a2), truth).x, g1.x);
  check_close(primal_dual(p3, start, pd_options()).x, d1.x);
}

TEST_CASE("a batch split over the ranks gives the images of the whole batch solved on one rank") {
  const tomography_torch::TorchProjector projector(small_image(), small_beam(), self);
  const TorchProjectorOperator A(projector);
  const auto truth = phantoms(4);
  const auto y = noisy(A.forward(truth), 0.02, 3);
  const auto acr = seeded_acr();
  const double a2 = std::pow(operator_norm(A), 2);
  const double lambda = 0.2 * a2 / acr->strong_convexity_modulus();
  const auto start = A.adjoint(y) / a2;
  const Range mine = tomography_torch::images_of_rank(4, world);
  using tomography_torch::own_images;

  const Problem all(A, y, regulariser_of(*acr), lambda), part(A, own_images(y, world), regulariser_of(*acr), lambda);
  const auto g_all = gradient_descent(all, start, armijo_options(a2), truth);
  const auto g_part = gradient_descent(part, own_images(start, world), armijo_options(a2), own_images(truth, world));
  check_close(g_part.x, g_all.x.narrow(0, mine.begin, mine.count));
  // The loop runs until the batch's last image stops, so the tables may
  // differ in length; a stopped image's rows repeat its last values.
  const auto rows = std::min(g_part.psnr.size(0), g_all.psnr.size(0));
  check_close(g_part.psnr.narrow(0, 0, rows), g_all.psnr.narrow(1, mine.begin, mine.count).narrow(0, 0, rows));
  for (std::int64_t j = 0; j < mine.count; ++j) CHECK(g_part.iterations[j] == g_all.iterations[mine.begin + j]);

  const auto d_all = primal_dual(all, start, pd_options());
  const auto d_part = primal_dual(part, own_images(start, world), pd_options());
  check_close(d_part.x, d_all.x.narrow(0, mine.begin, mine.count));
}
