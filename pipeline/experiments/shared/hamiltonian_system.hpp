// The [system] table shared by the experiment kinds on Hamiltonian systems
// (hamiltonian.ensemble, sympflow): its schema, its cross-field check, and
// the hamiltonian::System it describes.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "hamiltonian/ensemble.hpp"

namespace structura::pipeline {

// system.name restricted to `names` (all systems when empty), default `default_name`.
void add_system_params(Schema& s, const std::string& default_name, const std::vector<std::string>& names = {});
// Rejects a non-default value of another system's parameter.
void check_system_params(const Config& c);
hamiltonian::System make_system(const Config& c);

}  // namespace structura::pipeline
