// The PETSc-backed methods of `ct.classical` (lsqr, tikhonov) and their
// `<method>.petsc_options` keys: one place that names the key and the
// options prefix (`ct_<method>_`), used by settings.cpp, which reads and
// checks them for validation and for the stage.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/shared/petsc_settings.hpp"  // check_petsc_settings
#include "petsc/option_syntax.hpp"

namespace structura::pipeline::ct_classical {

// The key of a PETSc-backed method's options (lsqr, tikhonov): "<method>.petsc_options".
std::string petsc_options_key(const std::string& method);

// The user's `options` of `method` with its key and prefix.
petsc::PetscSettings petsc_settings(const std::string& method, std::vector<std::string> options);

}  // namespace structura::pipeline::ct_classical
