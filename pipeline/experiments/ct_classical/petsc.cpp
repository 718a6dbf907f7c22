#include "experiments/ct_classical/petsc.hpp"

#include <utility>

#include "core/error.hpp"

namespace structura::pipeline::ct_classical {

std::string petsc_options_key(const std::string& method) { return method + ".petsc_options"; }

petsc::PetscSettings petsc_settings(const std::string& method, std::vector<std::string> options) {
  return {std::move(options), petsc_options_key(method), "ct_" + method + "_"};
}

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

}  // namespace structura::pipeline::ct_classical
