// PETSc options the PETSc way, without the global options database: the
// user's options for one solver (e.g. an experiment file's
// `lsqr.petsc_options = ["ksp_rtol=1e-8", "ksp_monitor_true_residual"]`)
// go into a private database (PetscOptionsCreate) under the solver's prefix
// (e.g. `ct_lsqr_`), every PETSc object of that solver gets this database
// (PetscObjectSetOptions) and prefix and reads it in its *SetFromOptions,
// and the database is destroyed after the last of them. So two solvers with
// different options cannot see each other's, PETSC_OPTIONS and .petscrc (the
// global database) cannot change a run behind its configuration's back, and
// nothing of ours is left in the global database.
//
// Errors: a malformed entry is an InputError naming the key (checkable
// without PETSc, so `structura validate` reports it); PETSc rejecting a name
// (an option no object read) or a value (PETSC_ERR_ARG_*, unknown type) is an
// InputError naming the key and PETSc's reason; other PETSc failures stay
// NumericalErrors (petsc_check).
#pragma once

#include <petscsys.h>

#include "petsc/option_syntax.hpp"
#include "petsc/session.hpp"

#include <memory>
#include <string>
#include <vector>

namespace structura::petsc {

// A private options database holding `settings` under its prefix; shared by
// the objects it is attached to (attach_options), destroyed after the last.
class PetscOptionsDatabase {
public:
  explicit PetscOptionsDatabase(const PetscSettings& settings);  // parses; InputError as parse_petsc_options
  ~PetscOptionsDatabase();
  PetscOptionsDatabase(const PetscOptionsDatabase&) = delete;
  PetscOptionsDatabase& operator=(const PetscOptionsDatabase&) = delete;

  PetscOptions get() const { return options_; }
  const PetscSettings& settings() const { return settings_; }
  // InputError naming the key and the options no object read (unknown names,
  // or options for an object type or method that is not in use). Call after
  // the objects have read their options (after the solve: some are read by
  // KSPSolve itself, e.g. ksp_view, ksp_converged_reason).
  void require_all_used() const;
  // The entries joined by spaces as the user wrote them ("" when none), for
  // result attributes.
  std::string text() const;

private:
  PetscSettings settings_;
  PetscOptions options_ = nullptr;
};

using SharedPetscOptions = std::shared_ptr<const PetscOptionsDatabase>;

// The database and prefix onto `object`; call right after creating it,
// before its *SetFromOptions.
void attach_options(PetscObject object, const PetscOptionsDatabase& options);

// petsc_check for calls that read the user's options: an argument error
// (PETSC_ERR_ARG_*, unknown type, user input) when the user gave options is an
// InputError naming the key and PETSc's message; anything else as
// petsc_check (NumericalError).
void petsc_check_options(PetscErrorCode code, const char* what, const PetscOptionsDatabase& options);

}  // namespace structura::petsc
