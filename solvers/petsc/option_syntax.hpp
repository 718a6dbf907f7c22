// A solver's PETSc options as an experiment file states them, and their
// checks that need no PETSc (so that `structura validate` runs them without
// mapping PETSc); petsc/options.hpp puts them into a private database.
#pragma once

#include <string>
#include <vector>

namespace structura::petsc {

// One solver's options as the user wrote them: entries "name" or
// "name=value", names without the leading '-' and without the prefix.
struct PetscSettings {
  std::vector<std::string> options;
  std::string key = "petsc_options";  // what error messages name (the configuration key)
  std::string prefix;                 // e.g. "ct_lsqr_"; [a-z0-9_]*, ends in '_' when not empty
  // The types of the objects the solver creates: an option's name must start
  // with one of them and '_' (a Krylov solve: ksp, pc, mat, vec; a time
  // integration adds ts, snes, da).
  std::vector<std::string> objects = {"ksp", "pc", "mat", "vec"};
};

struct PetscOptionEntry {
  std::string name;   // e.g. "ksp_rtol"
  std::string value;  // "" for a flag
};

// The entries parsed and checked without PETSc: syntax (name[=value], no
// leading '-', no white space), names made of [a-z0-9_] that start with the
// type of an object the solver creates (settings.objects), no name
// twice. InputError naming settings.key and the entry.
std::vector<PetscOptionEntry> parse_petsc_options(const PetscSettings& settings);

}  // namespace structura::petsc
