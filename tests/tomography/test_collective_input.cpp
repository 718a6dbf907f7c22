// Refused input in the collective CT entry points ends every rank: the last
// rank passes a wrong shape (or, for operator_norm, a bad option), the
// others good ones, and every rank throws the same InputError naming the
// argument and the refused rank. Before the checks were made collective the
// good ranks waited in the reduction for ever; ctest's TIMEOUT for this test
// turns such a hang into a failure. After each refusal the operator still
// works (nothing was left half-reduced).
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "beams.hpp"
#include "core/error.hpp"
#include "core/mpi.hpp"
#include "tomography/fbp.hpp"
#include "tomography/iterative.hpp"
#include "tomography/iterative_krylov.hpp"
#include "tomography/petsc_operator.hpp"
#include "tomography/projector.hpp"
#include "tomography/tv_pdhg.hpp"

using namespace structura;
using namespace structura::tomography;
using namespace structura::tomography::testing;

namespace {

const mpi::Comm world(MPI_COMM_WORLD);

bool last_rank() { return world.rank() == world.size() - 1; }

ImageGeometry square_image(int n) {
  ImageGeometry g;
  g.nx = g.ny = n;
  g.width = g.height = 2.0;
  return g;
}

// The parts every rank's message must hold: the argument's description and,
// on several ranks, the refused rank (the last).
void check_refusal(const std::string& message, const std::string& argument) {
  INFO(message);
  CHECK(message.find(argument) != std::string::npos);
  if (world.size() > 1)
    CHECK(message.find("(rank " + std::to_string(world.size() - 1) + " of " + std::to_string(world.size()) + ")") !=
          std::string::npos);
}

// y with one row too many on the last rank, the right shape elsewhere.
template <class T>
Sinogram<T> slice_wrong_on_last(std::int64_t rows, int detectors) {
  return Sinogram<T>("y", last_rank() ? rows + 1 : rows, detectors);
}

double image_sum(const Image<double>& x) {
  auto h = Kokkos::create_mirror_view_and_copy(HostSpace{}, x);
  double s = 0;
  for (std::size_t i = 0; i < h.size(); ++i) s += h.data()[i];
  return s;
}

}  // namespace

TEST_CASE_TEMPLATE("DistributedProjector: adjoint and gather refuse together", T, float, double) {
  const ImageGeometry image = square_image(12);
  const BeamGeometry beam = parallel_beam(10, 17, 2.0 / 12);
  const DistributedProjector<T> A(image, beam, world);
  Image<T> x = A.make_image();
  const Sinogram<T> bad = slice_wrong_on_last<T>(A.angles().count, beam.detectors);
  check_refusal(thrown_input_error([&] { A.adjoint(bad, x); }),
                "DistributedProjector::adjoint: sinogram_slice is");
  check_refusal(thrown_input_error([&] { A.gather(bad); }), "DistributedProjector::gather: sinogram_slice");
  // A wrong image on one rank only, too.
  Image<T> small("small", last_rank() ? 11 : 12, 12);
  check_refusal(thrown_input_error([&] { A.adjoint(A.make_sinogram_slice(), small); }),
                "DistributedProjector::adjoint: image is");
  // Still collective and whole afterwards: Aᵀ 1 sums every rank's rays.
  Sinogram<T> ones = A.make_sinogram_slice();
  Kokkos::deep_copy(ones, T(1));
  A.adjoint(ones, x);
  CHECK(A.gather(ones).extent(0) == beam.angles.size());
}

TEST_CASE("operator_norm: an option refused on one rank is refused on every rank") {
  const DistributedProjector<double> A(square_image(8), parallel_beam(6, 13, 0.25), world);
  check_refusal(thrown_input_error([&] { operator_norm(A, {.max_iterations = last_rank() ? 0 : 5}); }),
                "operator_norm: max_iterations must be >= 1");
  CHECK(operator_norm(A) > 0);
}

TEST_CASE_TEMPLATE("Fbp: reconstruct and backproject refuse together", T, float, double) {
  const ImageGeometry image = square_image(11);
  const BeamGeometry beam = parallel_beam(9, 17, 2.0 / 11);
  const Fbp<T> fbp(image, beam, FilterKind::Ramp, world);
  Image<T> out = fbp.make_image();
  const Sinogram<T> bad = slice_wrong_on_last<T>(fbp.angles().count, beam.detectors);
  check_refusal(thrown_input_error([&] { fbp.reconstruct(bad, out); }), "Fbp::reconstruct: local_rows is");
  check_refusal(thrown_input_error([&] { fbp.backproject(bad, out); }), "Fbp::backproject: local_rows is");
  Image<T> small("small", 11, last_rank() ? 10 : 11);
  check_refusal(thrown_input_error([&] { fbp.reconstruct(fbp.make_sinogram_slice(), small); }),
                "Fbp::reconstruct: out is");
  fbp.reconstruct(fbp.make_sinogram_slice(), out);  // still collective
}

TEST_CASE("iterative solvers and residual_norm refuse together") {
  petsc::PetscSession petsc;
  const ImageGeometry image = square_image(10);
  const BeamGeometry beam = parallel_beam(8, 15, 0.2);
  const DistributedProjector<double> A(image, beam, world);
  const Sinogram<double> bad = slice_wrong_on_last<double>(A.angles().count, beam.detectors);
  Image<double> x = A.make_image();
  check_refusal(thrown_input_error([&] { residual_norm(A, bad, x); }), "residual_norm: y is");
  check_refusal(thrown_input_error([&] { landweber(A, bad, x, {.iterations = 2}); }), "landweber: y is");
  check_refusal(thrown_input_error([&] { sirt(A, bad, x, {.iterations = 2}); }), "sirt: y is");
  check_refusal(thrown_input_error([&] { tv_pdhg(A, bad, x, {.iterations = 2}); }), "tv_pdhg: y is");
  check_refusal(thrown_input_error([&] { lsqr(A, bad, x, {.max_iterations = 2}); }), "lsqr: y is");
  check_refusal(thrown_input_error([&] { tikhonov(A, bad, x, {.alpha = 1, .max_iterations = 2}); }),
                "tikhonov: y is");
  // An option refused on one rank only.
  check_refusal(thrown_input_error([&] { sirt(A, A.make_sinogram_slice(), x, {.relaxation = last_rank() ? 2.0 : 1.0}); }),
                "sirt: relaxation must be in (0, 2)");
  // And a good solve still runs on every rank: SIRT from zeros on data A 1
  // moves towards 1.
  Image<double> ones = A.make_image();
  Kokkos::deep_copy(ones, 1.0);
  Sinogram<double> y = A.make_sinogram_slice();
  A.forward(ones, y);
  sirt(A, y, x, {.iterations = 3});
  CHECK(image_sum(x) > 0);
}
