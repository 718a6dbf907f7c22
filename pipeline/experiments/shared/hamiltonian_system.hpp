// The [system] table shared by the experiment kinds on Hamiltonian systems
// (hamiltonian.ensemble, sympflow): its schema, and its reader, which checks
// it and returns the hamiltonian::System it describes.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "hamiltonian/ensemble.hpp"

namespace structura::pipeline {

// system.name restricted to `names` (all systems when empty), default `default_name`.
void add_system_params(Schema& s, const std::string& default_name, const std::vector<std::string>& names = {});

struct SystemSettings {
  hamiltonian::System system;
  std::string name;  // system.name
};
// Reads the [system] keys of the named system. ConfigError (Config::fail)
// naming the key for a non-default value of another system's parameter.
SystemSettings read_system(const Config& c);

}  // namespace structura::pipeline
