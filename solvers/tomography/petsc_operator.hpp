// A linear operator A: image -> sinogram distributed over MPI ranks, exposed
// as a PETSc MatShell so that KSP solvers (CGLS/LSQR, ...) and PETSc's own
// vector operations work on it unchanged.
//
// Layout: the image Vec (N pixels) is split in contiguous blocks over the
// ranks as PETSc chooses; the sinogram Vec (M values) is split by the
// caller's row ranges (for a projector: this rank's angles). The operator
// itself is given by two local callbacks that see the WHOLE image:
//   forward(x_full, y_local)        y_local = this rank's rows of A x
//   adjoint(y_local, x_partial)     x_partial = (this rank's rows of A)^T y_local
// MatMult gathers the image to every rank first; MatMultTranspose sums the
// partial images over ranks and keeps each rank's block (one
// MPI_Reduce_scatter), so the transpose is exact up to the order of sums.
//
// Options (petsc/options.hpp): the Mat, and every Vec made by create_image /
// create_sinogram, read the solver's private options database under its
// prefix (*SetFromOptions); without one the operator makes an empty private
// database of its own, so it never reads the global one.
#pragma once

#include <petscksp.h>

#include <functional>
#include <memory>

#include "core/mpi.hpp"
#include "petsc/options.hpp"

namespace structura::tomography {

class ShellOperator {
public:
  using Forward = std::function<void(const double* x_full, double* y_local)>;
  using Adjoint = std::function<void(const double* y_local, double* x_partial_full)>;

  // local_rows: this rank's share of the M sinogram values (collective).
  // options: the solver's private database (null: an empty one of its own).
  ShellOperator(const mpi::Comm& comm, PetscInt pixels, PetscInt local_rows, Forward forward, Adjoint adjoint,
                petsc::SharedPetscOptions options = nullptr);
  ~ShellOperator();
  ShellOperator(const ShellOperator&) = delete;
  ShellOperator& operator=(const ShellOperator&) = delete;

  Mat mat() const { return mat_; }
  // Vecs with this operator's layouts: the image (domain) and sinogram (range);
  // they read the operator's options database, so destroy them before it.
  Vec create_image() const;
  Vec create_sinogram() const;

  const petsc::PetscOptionsDatabase& options() const { return *options_; }
  const petsc::SharedPetscOptions& shared_options() const { return options_; }

private:
  void with_options(Vec v) const;
  void release();  // the database and prefix, then VecSetFromOptions
  static PetscErrorCode mult(Mat A, Vec x, Vec y);
  static PetscErrorCode mult_transpose(Mat A, Vec y, Vec x);

  mpi::Comm comm_;
  PetscInt pixels_;
  Forward forward_;
  Adjoint adjoint_;
  petsc::SharedPetscOptions options_;  // outlives mat_ and the Vecs below (declared before them)
  Mat mat_ = nullptr;
  VecScatter to_all_ = nullptr;   // image Vec -> full copy on every rank
  Vec full_ = nullptr;            // sequential full image
  std::vector<int> block_sizes_;  // the image Vec's local sizes, for the reduce-scatter
};

}  // namespace structura::tomography
