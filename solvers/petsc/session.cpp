#include "petsc/session.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::petsc {

void petsc_check(PetscErrorCode code, const char* what) {
  if (code != 0)
    throw NumericalError(
        fmt::format("PETSc: {} failed (error code {}): {}", what, static_cast<int>(code), petsc_error_message(code)));
}

PetscSession::PetscSession() {
  PetscBool initialised = PETSC_FALSE;
  petsc_check(PetscInitialized(&initialised), "PetscInitialized");
  if (initialised) return;
  // MPI runs already (mpi::Environment): PETSc then uses it and leaves it running.
  petsc_check(PetscInitializeNoArguments(), "PetscInitialize");
  owns_ = true;
}

PetscSession::~PetscSession() {
  if (owns_) PetscFinalize();
}

std::string petsc_error_message(PetscErrorCode code) {
  const char* text = nullptr;
  char* specific = nullptr;
  if (PetscErrorMessage(code, &text, &specific) != 0) return "";
  std::string out = specific != nullptr ? specific : "";
  if (out.empty() && text != nullptr) out = text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

QuietPetscErrors::QuietPetscErrors() { PetscPushErrorHandler(PetscReturnErrorHandler, nullptr); }
QuietPetscErrors::~QuietPetscErrors() { PetscPopErrorHandler(); }

}  // namespace structura::petsc
