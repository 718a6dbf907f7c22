#include "experiments/shared/petsc_settings.hpp"

#include "core/error.hpp"

namespace structura::pipeline {

void check_petsc_settings(const Config& c, const petsc::PetscSettings& s) {
  try {
    petsc::parse_petsc_options(s);
  } catch (const InputError& e) {
    std::string message = e.what();
    const std::string lead = s.key + ": ";
    if (message.rfind(lead, 0) == 0) message = message.substr(lead.size());  // fail() names the key itself
    c.fail(s.key, message);
  }
}

}  // namespace structura::pipeline
