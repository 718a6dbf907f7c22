// The PETSc-backed methods of `ct.classical` (lsqr, tikhonov) and their
// `<method>.petsc_options` keys: one place that names the key and the
// options prefix (`ct_<method>_`), used by validation and by the stage.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "tomography/petsc_settings.hpp"

namespace structura::pipeline::ct_classical {

// The methods whose solver runs on PETSc objects.
const std::vector<std::string>& petsc_methods();

// The user's options of `method` (one of petsc_methods()) with its key and prefix.
tomography::PetscSettings petsc_settings(const Config& c, const std::string& method);

// Validation: each method's entries well formed (tomography::parse_petsc_options),
// else ConfigError naming the key. Whether PETSc knows a name or accepts a
// value is only known to the objects that read them: the stage reports it,
// as an InputError naming the key, before it writes anything.
void check_petsc_settings(const Config& c);

}  // namespace structura::pipeline::ct_classical
