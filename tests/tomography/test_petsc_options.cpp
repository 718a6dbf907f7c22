// PETSc options through private databases (petsc_options.hpp): an option
// changes the solver's behaviour observably, nothing reaches the global
// database, two solvers' options do not mix, a malformed, misspelt or
// rejected option is an InputError naming the key; and a solve that yields
// NaN (no ray crosses the image) is a NumericalError, not a result.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "tomography/iterative.hpp"
#include "tomography/iterative_krylov.hpp"
#include "tomography/petsc_operator.hpp"
#include "petsc/options.hpp"
#include "tomography/phantoms.hpp"

using namespace structura;
using namespace structura::tomography;

namespace {

constexpr double kPi = 3.14159265358979323846;

struct Problem {
  ImageGeometry image;
  BeamGeometry beam;
};

// 16 x 16 pixels on [-1, 1]^2, 12 angles, detectors covering the diagonal.
Problem problem(double spacing = 2.0 / 16) {
  Problem p;
  p.image.nx = p.image.ny = 16;
  p.image.width = p.image.height = 2.0;
  p.beam.angles = uniform_angles(12, kPi);
  p.beam.detectors = 24;
  p.beam.detector_spacing = spacing;
  return p;
}

// y = A (Shepp-Logan): consistent data, so LSQR runs long before it stalls.
Sinogram<double> data(const DistributedProjector<double>& A, const Problem& p) {
  const std::vector<double> truth = shepp_logan(p.image);
  Image<double> x("truth", p.image.ny, p.image.nx);
  auto h = Kokkos::create_mirror_view(x);
  for (std::size_t i = 0; i < truth.size(); ++i) h.data()[i] = truth[i];
  Kokkos::deep_copy(x, h);
  Sinogram<double> y = A.make_sinogram_slice();
  A.forward(x, y);
  return y;
}

bool in_global_database(const char* name) {
  PetscBool has = PETSC_FALSE;
  petsc::petsc_check(PetscOptionsHasName(nullptr, nullptr, name, &has), "PetscOptionsHasName");
  return has == PETSC_TRUE;
}

petsc::PetscSettings lsqr_settings(std::vector<std::string> options) {
  return {std::move(options), "lsqr.petsc_options", "ct_lsqr_"};
}

}  // namespace

TEST_CASE("(a) malformed entries are InputErrors naming the key and the entry, without PETSc") {
  auto refused = [](std::vector<std::string> options, const char* words) {
    CHECK_THROWS_WITH_AS(petsc::parse_petsc_options(lsqr_settings(std::move(options))), doctest::Contains(words), InputError);
  };
  refused({"-ksp_rtol=1e-8"}, "lsqr.petsc_options: \"-ksp_rtol=1e-8\" starts with '-'");
  refused({""}, "lsqr.petsc_options: \"\" is empty");
  refused({"ksp_rtol="}, "no value after '='");
  refused({"ksp rtol=1"}, "is not name or name=value");
  refused({"KSP_RTOL=1"}, "is not name or name=value");
  refused({"ksp_view=ascii:a b"}, "white space");
  refused({"log_view"}, "must start with ksp_, pc_, mat_ or vec_");
  refused({"snes_rtol=1"}, "must start with ksp_, pc_, mat_ or vec_");
  refused({"ksp_rtol=1e-8", "ksp_rtol=1e-6"}, "sets ksp_rtol a second time");
  const auto ok = petsc::parse_petsc_options(lsqr_settings({"ksp_rtol=1e-8", "ksp_monitor_true_residual", "pc_type=none"}));
  REQUIRE(ok.size() == 3);
  CHECK(ok[0].name == "ksp_rtol");
  CHECK(ok[0].value == "1e-8");
  CHECK(ok[1].name == "ksp_monitor_true_residual");
  CHECK(ok[1].value.empty());
}

TEST_CASE("(b) an option changes the solve, and the global database is untouched") {
  petsc::PetscSession petsc;
  mpi::Comm world(MPI_COMM_WORLD);
  const Problem p = problem();
  DistributedProjector<double> A(p.image, p.beam, world);
  const Sinogram<double> y = data(A, p);

  Image<double> plain = A.make_image();
  const IterationHistory h0 = lsqr(A, y, plain, {.max_iterations = 40});
  CHECK(h0.iterations == 40);  // consistent data: no stop before the cap
  CHECK(h0.stop_reason == "iterations");

  Image<double> x3 = A.make_image();
  const IterationHistory h3 = lsqr(A, y, x3, {.max_iterations = 40, .petsc = lsqr_settings({"ksp_max_it=3"})});
  CHECK(h3.iterations == 3);
  CHECK(h3.residual_norms.size() == 4);
  for (int k = 0; k <= 3; ++k) CHECK(h3.residual_norms[k] == doctest::Approx(h0.residual_norms[k]).epsilon(1e-12));

  // ksp_rtol switches PETSc's own test on (our default is rtol = 0): LSQR
  // stops at the first iterate with ‖r‖ <= rtol ‖b‖, which the full history
  // locates independently.
  Image<double> xr = A.make_image();
  const IterationHistory hr = lsqr(A, y, xr, {.max_iterations = 40, .petsc = lsqr_settings({"ksp_rtol=0.05"})});
  int first = 0;
  while (h0.residual_norms[first] > 0.05 * h0.residual_norms[0]) ++first;
  CHECK(first > 1);
  CHECK(hr.iterations == first);
  CHECK(hr.stop_reason.find("CONVERGED") == 0);

  // Tikhonov's CG reads its own prefix.
  Image<double> xt = A.make_image();
  const IterationHistory ht =
      tikhonov(A, y, xt, {.alpha = 0.1, .petsc = {{"ksp_max_it=5"}, "tikhonov.petsc_options", "ct_tikhonov_"}});
  CHECK(ht.iterations == 5);

  for (const char* name : {"-ksp_max_it", "-ct_lsqr_ksp_max_it", "-ct_lsqr_ksp_rtol", "-ksp_rtol",
                           "-ct_tikhonov_ksp_max_it", "-lsqr_ksp_max_it"})
    CHECK_MESSAGE(!in_global_database(name), name);
}

TEST_CASE("(c) two objects with different private databases do not interfere") {
  petsc::PetscSession petsc;
  petsc::PetscOptionsDatabase first({{"ksp_type=cg", "ksp_max_it=7"}, "first", "one_"});
  petsc::PetscOptionsDatabase second({{"ksp_type=gmres", "ksp_max_it=9"}, "second", "one_"});  // same prefix on purpose
  KSP a = nullptr, b = nullptr;
  petsc::petsc_check(KSPCreate(PETSC_COMM_WORLD, &a), "KSPCreate");
  petsc::petsc_check(KSPCreate(PETSC_COMM_WORLD, &b), "KSPCreate");
  petsc::attach_options(reinterpret_cast<PetscObject>(a), first);
  petsc::attach_options(reinterpret_cast<PetscObject>(b), second);
  petsc::petsc_check(KSPSetFromOptions(a), "KSPSetFromOptions");
  petsc::petsc_check(KSPSetFromOptions(b), "KSPSetFromOptions");
  KSPType ta = nullptr, tb = nullptr;
  PetscInt ma = 0, mb = 0;
  petsc::petsc_check(KSPGetType(a, &ta), "KSPGetType");
  petsc::petsc_check(KSPGetType(b, &tb), "KSPGetType");
  petsc::petsc_check(KSPGetTolerances(a, nullptr, nullptr, nullptr, &ma), "KSPGetTolerances");
  petsc::petsc_check(KSPGetTolerances(b, nullptr, nullptr, nullptr, &mb), "KSPGetTolerances");
  CHECK(std::string(ta) == "cg");
  CHECK(std::string(tb) == "gmres");
  CHECK(ma == 7);
  CHECK(mb == 9);
  KSPDestroy(&a);
  KSPDestroy(&b);
  CHECK(!in_global_database("-one_ksp_type"));
  CHECK(!in_global_database("-ksp_type"));
}

TEST_CASE("(d) options PETSc rejects or nobody reads are InputErrors naming the key") {
  petsc::PetscSession petsc;
  mpi::Comm world(MPI_COMM_WORLD);
  const Problem p = problem();
  DistributedProjector<double> A(p.image, p.beam, world);
  const Sinogram<double> y = data(A, p);
  auto refused = [&](std::vector<std::string> options, const char* words) {
    Image<double> x = A.make_image();
    CHECK_THROWS_WITH_AS(lsqr(A, y, x, {.max_iterations = 5, .petsc = lsqr_settings(options)}),
                         doctest::Contains(words), InputError);
  };
  refused({"ksp_type=nonsense"}, "lsqr.petsc_options");
  refused({"ksp_type=nonsense"}, "nonsense");
  refused({"ksp_max_it=abc"}, "lsqr.petsc_options");
  refused({"ksp_monitr"}, "lsqr.petsc_options: no PETSc object of this solver read ksp_monitr");
  refused({"ksp_gmres_restart=10"}, "ksp_gmres_restart");  // an option of a type not in use
  // A type that cannot solve the rectangular least-squares system.
  refused({"ksp_type=cg"}, "lsqr.petsc_options");
  // Without user options, the solve works (and the errors left no state).
  Image<double> x = A.make_image();
  CHECK(lsqr(A, y, x, {.max_iterations = 5}).iterations == 5);
}

TEST_CASE("(e) no ray crosses the image: LSQR's NaN is a NumericalError, SIRT and Tikhonov stay finite") {
  petsc::PetscSession petsc;
  mpi::Comm world(MPI_COMM_WORLD);
  const Problem p = problem(10.0);  // 24 detectors 10 apart: the nearest rays pass at 5 from the centre
  DistributedProjector<double> A(p.image, p.beam, world);
  // y = 0 (the data of a geometry that misses the image): PETSc's own test,
  // which now runs beside the discrepancy principle, stops at x0 = 0 (before,
  // LSQR went on with ‖b‖ = 0 and divided by it).
  const Sinogram<double> zero = data(A, p);
  Image<double> x0 = A.make_image();
  const IterationHistory h0 = lsqr(A, zero, x0, {.max_iterations = 10});
  CHECK(h0.iterations == 0);
  CHECK(all_finite(x0));
  // Data on rays that miss the image (Aᵀ y = 0, y != 0): LSQR's recurrence
  // divides by ‖Aᵀ u‖ = 0; the NaN stops the solve as a NumericalError.
  Sinogram<double> y = A.make_sinogram_slice();
  Kokkos::deep_copy(y, 1.0);
  Image<double> x = A.make_image();
  CHECK_THROWS_WITH_AS(lsqr(A, y, x, {.max_iterations = 10}), doctest::Contains("lsqr: "), NumericalError);
  Image<double> xs = A.make_image();
  sirt(A, y, xs, {.iterations = 5});  // R = C = 0 where nothing is crossed: x stays 0
  CHECK(all_finite(xs));
  Image<double> xt = A.make_image();
  tikhonov(A, zero, xt, {.alpha = 0.1});
  CHECK(all_finite(xt));
}

TEST_CASE("(f) all_finite finds one NaN or Inf pixel") {
  Image<double> x("x", 5, 7);
  CHECK(all_finite(x));
  auto h = Kokkos::create_mirror_view(x);
  h(4, 6) = std::nan("");
  Kokkos::deep_copy(x, h);
  CHECK(!all_finite(x));
  h(4, 6) = 0;
  h(0, 0) = -HUGE_VAL;
  Kokkos::deep_copy(x, h);
  CHECK(!all_finite(x));
}
