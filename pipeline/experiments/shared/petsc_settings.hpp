// Validation of a PETSc-backed solver's options as an experiment file states
// them (petsc/option_syntax.hpp), for every kind that has such a key.
#pragma once

#include "config/config.hpp"
#include "petsc/option_syntax.hpp"

namespace structura::pipeline {

// The entries well formed (petsc::parse_petsc_options), else ConfigError
// (c.fail) naming s.key. Whether PETSc knows a name or accepts a value is
// only known to the objects that read them: the stage reports it, as an
// InputError naming the key, before it writes anything.
void check_petsc_settings(const Config& c, const petsc::PetscSettings& s);

}  // namespace structura::pipeline
