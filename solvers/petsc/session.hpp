// PETSc's life cycle and errors for every structura library that uses it
// (the CT solvers, the PDE solvers): initialisation on an MPI that already
// runs, PETSc error codes as exceptions carrying PETSc's own message, and a
// scope in which PETSc does not print its traceback.
#pragma once

#include <petscsys.h>

#include <string>

namespace structura::petsc {

// PetscInitialize on an MPI that is already running, PetscFinalize at the
// end, unless PETSc was already initialised by someone else.
class PetscSession {
public:
  PetscSession();
  ~PetscSession();
  PetscSession(const PetscSession&) = delete;
  PetscSession& operator=(const PetscSession&) = delete;

private:
  bool owns_ = false;
};

// Throws NumericalError naming `what` and PETSc's message when a PETSc call fails.
void petsc_check(PetscErrorCode code, const char* what);

// PETSc's message for the error that was last raised ("" if none).
std::string petsc_error_message(PetscErrorCode code);

// While alive, PETSc returns errors without printing its traceback (the
// exception we throw carries its message instead).
class QuietPetscErrors {
public:
  QuietPetscErrors();
  ~QuietPetscErrors();
  QuietPetscErrors(const QuietPetscErrors&) = delete;
  QuietPetscErrors& operator=(const QuietPetscErrors&) = delete;
};

}  // namespace structura::petsc
