#include "tomography/petsc_operator.hpp"

#include <fmt/format.h>

#include <vector>

#include "core/error.hpp"

namespace structura::tomography {

namespace {

// A C++ exception must not cross PETSc's C frames: report it and return an
// error code instead, which PETSc propagates to the caller's petsc_check.
template <class F>
bool call_safely(F&& f) {
  try {
    f();
    return true;
  } catch (const std::exception& e) {
    PetscPrintf(PETSC_COMM_SELF, "structura: operator callback failed: %s\n", e.what());
    return false;
  }
}

}  // namespace

ShellOperator::ShellOperator(const mpi::Comm& comm, PetscInt pixels, PetscInt local_rows, Forward forward,
                             Adjoint adjoint, petsc::SharedPetscOptions options)
    : comm_(comm),
      pixels_(pixels),
      forward_(std::move(forward)),
      adjoint_(std::move(adjoint)),
      options_(options ? std::move(options) : std::make_shared<const petsc::PetscOptionsDatabase>(petsc::PetscSettings{})) {
  if (pixels < 1) throw InputError(fmt::format("ShellOperator: pixels = {} must be positive", pixels));
  if (local_rows < 0) throw InputError(fmt::format("ShellOperator: local_rows = {} is negative", local_rows));
  try {
    petsc::petsc_check(MatCreateShell(comm.get(), local_rows, PETSC_DECIDE, PETSC_DETERMINE, pixels, this, &mat_),
                "MatCreateShell");
    petsc::attach_options(reinterpret_cast<PetscObject>(mat_), *options_);
    petsc::petsc_check(MatShellSetOperation(mat_, MATOP_MULT, reinterpret_cast<void (*)(void)>(&ShellOperator::mult)),
                "MatShellSetOperation(MULT)");
    petsc::petsc_check(MatShellSetOperation(mat_, MATOP_MULT_TRANSPOSE,
                                     reinterpret_cast<void (*)(void)>(&ShellOperator::mult_transpose)),
                "MatShellSetOperation(MULT_TRANSPOSE)");
    petsc::petsc_check_options(MatSetFromOptions(mat_), "MatSetFromOptions", *options_);
    petsc::petsc_check(MatSetUp(mat_), "MatSetUp");
    // An assembled matrix honours mat_view in MatAssemblyEnd; a shell is never assembled.
    petsc::petsc_check_options(MatViewFromOptions(mat_, nullptr, "-mat_view"), "MatViewFromOptions", *options_);
    // The image layout PETSc chose, the scatter that copies it to every rank,
    // and the block sizes the transpose's reduce-scatter needs.
    Vec image = create_image();
    petsc::petsc_check(VecScatterCreateToAll(image, &to_all_, &full_), "VecScatterCreateToAll");
    // The work copy gets the database too, but not VecSetFromOptions: the
    // scatter was built for its sequential type and layout.
    petsc::attach_options(reinterpret_cast<PetscObject>(full_), *options_);
    const PetscInt* ranges = nullptr;
    petsc::petsc_check(VecGetOwnershipRanges(image, &ranges), "VecGetOwnershipRanges");
    for (int r = 0; r < comm.size(); ++r) block_sizes_.push_back(static_cast<int>(ranges[r + 1] - ranges[r]));
    VecDestroy(&image);
  } catch (...) {
    release();  // the destructor does not run for a constructor that throws
    throw;
  }
}

ShellOperator::~ShellOperator() { release(); }

void ShellOperator::release() {
  if (full_ != nullptr) VecDestroy(&full_);
  if (to_all_ != nullptr) VecScatterDestroy(&to_all_);
  if (mat_ != nullptr) MatDestroy(&mat_);
}

Vec ShellOperator::create_image() const {
  Vec v = nullptr;
  petsc::petsc_check(MatCreateVecs(mat_, &v, nullptr), "MatCreateVecs(image)");
  with_options(v);
  return v;
}

Vec ShellOperator::create_sinogram() const {
  Vec v = nullptr;
  petsc::petsc_check(MatCreateVecs(mat_, nullptr, &v), "MatCreateVecs(sinogram)");
  with_options(v);
  return v;
}

void ShellOperator::with_options(Vec v) const {
  petsc::attach_options(reinterpret_cast<PetscObject>(v), *options_);
  const PetscErrorCode code = VecSetFromOptions(v);
  if (code != 0) VecDestroy(&v);
  petsc::petsc_check_options(code, "VecSetFromOptions", *options_);
}

PetscErrorCode ShellOperator::mult(Mat A, Vec x, Vec y) {
  ShellOperator* self = nullptr;
  PetscCall(MatShellGetContext(A, &self));
  PetscCall(VecScatterBegin(self->to_all_, x, self->full_, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(self->to_all_, x, self->full_, INSERT_VALUES, SCATTER_FORWARD));
  const PetscScalar* full = nullptr;
  PetscScalar* out = nullptr;
  PetscCall(VecGetArrayRead(self->full_, &full));
  PetscCall(VecGetArray(y, &out));
  const bool ok = call_safely([&] { self->forward_(full, out); });
  PetscCall(VecRestoreArray(y, &out));
  PetscCall(VecRestoreArrayRead(self->full_, &full));
  return ok ? 0 : PETSC_ERR_LIB;
}

PetscErrorCode ShellOperator::mult_transpose(Mat A, Vec y, Vec x) {
  ShellOperator* self = nullptr;
  PetscCall(MatShellGetContext(A, &self));
  std::vector<double> partial(static_cast<std::size_t>(self->pixels_), 0.0);
  const PetscScalar* in = nullptr;
  PetscCall(VecGetArrayRead(y, &in));
  const bool ok = call_safely([&] { self->adjoint_(in, partial.data()); });
  PetscCall(VecRestoreArrayRead(y, &in));
  if (!ok) return PETSC_ERR_LIB;  // the message was logged; ranks fail together in PETSc's checks
  PetscScalar* out = nullptr;
  PetscCall(VecGetArray(x, &out));
  // Sum the partial images over ranks; each keeps its own block.
  const int err =
      MPI_Reduce_scatter(partial.data(), out, self->block_sizes_.data(), MPI_DOUBLE, MPI_SUM, self->comm_.get());
  PetscCall(VecRestoreArray(x, &out));
  return err == MPI_SUCCESS ? 0 : PETSC_ERR_LIB;
}

}  // namespace structura::tomography
