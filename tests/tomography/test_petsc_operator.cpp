// The projector as a PETSc MatShell: its products equal the projector's,
// it passes the adjoint test through PETSc Vecs, and KSP (LSQR) on the shell
// gives the same iterates as KSP on the assembled MPIAIJ matrix of the same
// operator; the solution on all ranks equals one rank's alone.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/mpi.hpp"
#include "tomography/projector_operator.hpp"

using namespace structura;
using namespace structura::tomography;

namespace {

struct Problem {
  ImageGeometry image;
  BeamGeometry beam;
};

Problem small_problem() {
  Problem p;
  p.image.nx = 14;
  p.image.ny = 11;
  p.image.width = 2.0 * 14 / 11;
  p.image.height = 2.0;
  p.beam.angles = uniform_angles(9, 3.14159265358979323846);
  p.beam.detectors = 17;
  p.beam.detector_spacing = 3.0 / 17;
  return p;
}

// The shell's matrix assembled column by column (A e_j) into an MPIAIJ
// matrix with the same row and column layouts.
Mat assemble(const ShellOperator& op) {
  Mat shell = op.mat();
  PetscInt m = 0, n = 0, M = 0, N = 0;
  petsc::petsc_check(MatGetLocalSize(shell, &m, &n), "MatGetLocalSize");
  petsc::petsc_check(MatGetSize(shell, &M, &N), "MatGetSize");
  Mat A = nullptr;
  petsc::petsc_check(MatCreateAIJ(PETSC_COMM_WORLD, m, n, M, N, n, nullptr, N, nullptr, &A), "MatCreateAIJ");
  petsc::petsc_check(MatSetOption(A, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_FALSE), "MatSetOption");
  Vec e = op.create_image(), col = op.create_sinogram();
  PetscInt row0 = 0, row1 = 0;
  petsc::petsc_check(VecGetOwnershipRange(col, &row0, &row1), "VecGetOwnershipRange");
  for (PetscInt j = 0; j < N; ++j) {
    petsc::petsc_check(VecSet(e, 0.0), "VecSet");
    petsc::petsc_check(VecSetValue(e, j, 1.0, INSERT_VALUES), "VecSetValue");
    petsc::petsc_check(VecAssemblyBegin(e), "VecAssemblyBegin");
    petsc::petsc_check(VecAssemblyEnd(e), "VecAssemblyEnd");
    petsc::petsc_check(MatMult(shell, e, col), "MatMult");
    const PetscScalar* c = nullptr;
    petsc::petsc_check(VecGetArrayRead(col, &c), "VecGetArrayRead");
    for (PetscInt i = row0; i < row1; ++i)
      if (c[i - row0] != 0.0) petsc::petsc_check(MatSetValue(A, i, j, c[i - row0], INSERT_VALUES), "MatSetValue");
    petsc::petsc_check(VecRestoreArrayRead(col, &c), "VecRestoreArrayRead");
  }
  petsc::petsc_check(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY), "MatAssemblyBegin");
  petsc::petsc_check(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY), "MatAssemblyEnd");
  VecDestroy(&e);
  VecDestroy(&col);
  return A;
}

// x_true: a smooth bump; b = A x_true.
void fill_truth(const ImageGeometry& g, Vec x) {
  PetscInt lo = 0, hi = 0;
  petsc::petsc_check(VecGetOwnershipRange(x, &lo, &hi), "VecGetOwnershipRange");
  for (PetscInt k = lo; k < hi; ++k) {
    const double r = static_cast<double>(k / g.nx) / g.ny - 0.5, c = static_cast<double>(k % g.nx) / g.nx - 0.4;
    petsc::petsc_check(VecSetValue(x, k, std::exp(-8 * (r * r + c * c)), INSERT_VALUES), "VecSetValue");
  }
  petsc::petsc_check(VecAssemblyBegin(x), "VecAssemblyBegin");
  petsc::petsc_check(VecAssemblyEnd(x), "VecAssemblyEnd");
}

// LSQR, no preconditioner, a fixed number of iterations from x = 0.
Vec lsqr(Mat A, Vec b, Vec like, int iterations) {
  KSP ksp = nullptr;
  petsc::petsc_check(KSPCreate(PetscObjectComm(reinterpret_cast<PetscObject>(A)), &ksp), "KSPCreate");
  petsc::petsc_check(KSPSetOperators(ksp, A, A), "KSPSetOperators");
  petsc::petsc_check(KSPSetType(ksp, KSPLSQR), "KSPSetType");
  PC pc = nullptr;
  petsc::petsc_check(KSPGetPC(ksp, &pc), "KSPGetPC");
  petsc::petsc_check(PCSetType(pc, PCNONE), "PCSetType");
  petsc::petsc_check(KSPSetTolerances(ksp, 0.0, 0.0, 1e300, iterations), "KSPSetTolerances");
  petsc::petsc_check(KSPSetConvergenceTest(ksp, KSPConvergedSkip, nullptr, nullptr), "KSPSetConvergenceTest");
  Vec x = nullptr;
  petsc::petsc_check(VecDuplicate(like, &x), "VecDuplicate");
  petsc::petsc_check(VecSet(x, 0.0), "VecSet");
  petsc::petsc_check(KSPSolve(ksp, b, x), "KSPSolve");
  KSPDestroy(&ksp);
  return x;
}

std::vector<double> gather_all(Vec x) {
  VecScatter to_all = nullptr;
  Vec full = nullptr;
  petsc::petsc_check(VecScatterCreateToAll(x, &to_all, &full), "VecScatterCreateToAll");
  petsc::petsc_check(VecScatterBegin(to_all, x, full, INSERT_VALUES, SCATTER_FORWARD), "VecScatterBegin");
  petsc::petsc_check(VecScatterEnd(to_all, x, full, INSERT_VALUES, SCATTER_FORWARD), "VecScatterEnd");
  PetscInt n = 0;
  petsc::petsc_check(VecGetSize(full, &n), "VecGetSize");
  const PetscScalar* a = nullptr;
  petsc::petsc_check(VecGetArrayRead(full, &a), "VecGetArrayRead");
  std::vector<double> out(a, a + n);
  petsc::petsc_check(VecRestoreArrayRead(full, &a), "VecRestoreArrayRead");
  VecScatterDestroy(&to_all);
  VecDestroy(&full);
  return out;
}

}  // namespace

TEST_CASE("the projector MatShell: adjoint test through PETSc, KSP equals KSP on the assembled matrix") {
  petsc::PetscSession petsc;
  const Problem p = small_problem();
  mpi::Comm world(MPI_COMM_WORLD);
  DistributedProjector<double> projector(p.image, p.beam, world);
  auto op = make_projector_operator(projector);

  // Adjoint test with PETSc vectors (random, from PETSc's generator).
  Vec x = op->create_image(), y = op->create_sinogram(), Ax = op->create_sinogram(), Aty = op->create_image();
  PetscRandom rnd = nullptr;
  petsc::petsc_check(PetscRandomCreate(PETSC_COMM_WORLD, &rnd), "PetscRandomCreate");
  petsc::petsc_check(VecSetRandom(x, rnd), "VecSetRandom");
  petsc::petsc_check(VecSetRandom(y, rnd), "VecSetRandom");
  petsc::petsc_check(MatMult(op->mat(), x, Ax), "MatMult");
  petsc::petsc_check(MatMultTranspose(op->mat(), y, Aty), "MatMultTranspose");
  PetscScalar lhs = 0, rhs = 0;
  petsc::petsc_check(VecDot(Ax, y, &lhs), "VecDot");
  petsc::petsc_check(VecDot(x, Aty, &rhs), "VecDot");
  CHECK(std::fabs(lhs - rhs) <= 1e-12 * std::fabs(lhs));

  // KSP on the shell and on the assembled matrix: the same LSQR iterates.
  // The two apply A with sums in different orders; Krylov iterations amplify
  // such rounding differences by roughly the condition number reached so far
  // (this system is nearly square and ill-conditioned), so compare after a
  // few iterations, where the amplification is small.
  constexpr int kIterations = 10;
  Mat A = assemble(*op);
  Vec truth = op->create_image(), b = op->create_sinogram();
  fill_truth(p.image, truth);
  petsc::petsc_check(MatMult(op->mat(), truth, b), "MatMult");
  Vec xs = lsqr(op->mat(), b, truth, kIterations), xa = lsqr(A, b, truth, kIterations);
  const std::vector<double> shell = gather_all(xs), assembled = gather_all(xa), t = gather_all(truth);
  double diff = 0, scale = 0, error = 0;
  for (std::size_t k = 0; k < shell.size(); ++k) {
    diff = std::max(diff, std::fabs(shell[k] - assembled[k]));
    scale = std::max(scale, std::fabs(assembled[k]));
    error = std::max(error, std::fabs(shell[k] - t[k]));
  }
  MESSAGE("LSQR " << kIterations << " iterations: |shell - assembled| = " << diff << ", |x - truth| = " << error);
  CHECK(diff <= 1e-8 * scale);  // measured 2e-10: rounding (1e-16) amplified by the iterations
  // One product: the shell and the assembled matrix agree to rounding.
  Vec As = op->create_sinogram(), Aa = op->create_sinogram();
  petsc::petsc_check(MatMult(op->mat(), truth, As), "MatMult");
  petsc::petsc_check(MatMult(A, truth, Aa), "MatMult");
  petsc::petsc_check(VecAXPY(Aa, -1.0, As), "VecAXPY");
  PetscReal product_diff = 0, product_norm = 0;
  petsc::petsc_check(VecNorm(Aa, NORM_INFINITY, &product_diff), "VecNorm");
  petsc::petsc_check(VecNorm(As, NORM_INFINITY, &product_norm), "VecNorm");
  CHECK(product_diff <= 1e-14 * product_norm);
  VecDestroy(&As);
  VecDestroy(&Aa);

  // All ranks together against this rank alone (one-rank communicator).
  MPI_Comm self_comm = MPI_COMM_NULL;
  MPI_Comm_split(MPI_COMM_WORLD, world.rank(), 0, &self_comm);
  {
    DistributedProjector<double> alone(p.image, p.beam, mpi::Comm(self_comm));
    auto op1 = make_projector_operator(alone);
    Vec t1 = op1->create_image(), b1 = op1->create_sinogram();
    PetscInt lo = 0, hi = 0;
    petsc::petsc_check(VecGetOwnershipRange(t1, &lo, &hi), "VecGetOwnershipRange");
    for (PetscInt k = lo; k < hi; ++k) petsc::petsc_check(VecSetValue(t1, k, t[k], INSERT_VALUES), "VecSetValue");
    petsc::petsc_check(VecAssemblyBegin(t1), "VecAssemblyBegin");
    petsc::petsc_check(VecAssemblyEnd(t1), "VecAssemblyEnd");
    petsc::petsc_check(MatMult(op1->mat(), t1, b1), "MatMult");
    Vec x1 = lsqr(op1->mat(), b1, t1, kIterations);
    const std::vector<double> one = gather_all(x1);
    double d = 0;
    for (std::size_t k = 0; k < one.size(); ++k) d = std::max(d, std::fabs(one[k] - shell[k]));
    CHECK(d <= 1e-8 * scale);  // the same amplified rounding as above (adjoint sums in another order)
    VecDestroy(&t1);
    VecDestroy(&b1);
    VecDestroy(&x1);
  }
  MPI_Comm_free(&self_comm);

  for (Vec* v : {&x, &y, &Ax, &Aty, &truth, &b, &xs, &xa}) VecDestroy(v);
  MatDestroy(&A);
  PetscRandomDestroy(&rnd);
}

TEST_CASE("ShellOperator rejects bad sizes with a clear message") {
  petsc::PetscSession petsc;
  mpi::Comm world(MPI_COMM_WORLD);
  auto nothing = [](const double*, double*) {};
  CHECK_THROWS_WITH_AS(ShellOperator(world, 0, 1, nothing, nothing), doctest::Contains("pixels"), InputError);
  CHECK_THROWS_WITH_AS(ShellOperator(world, 4, -1, nothing, nothing), doctest::Contains("local_rows"), InputError);
}
