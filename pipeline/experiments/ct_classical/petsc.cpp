#include "experiments/ct_classical/petsc.hpp"

#include "core/error.hpp"

namespace structura::pipeline::ct_classical {

const std::vector<std::string>& petsc_methods() {
  static const std::vector<std::string> methods{"lsqr", "tikhonov"};
  return methods;
}

tomography::PetscSettings petsc_settings(const Config& c, const std::string& method) {
  const std::string key = method + ".petsc_options";
  return {c.get_strings(key), key, "ct_" + method + "_"};
}

void check_petsc_settings(const Config& c) {
  for (const std::string& method : petsc_methods()) {
    const tomography::PetscSettings s = petsc_settings(c, method);
    try {
      tomography::parse_petsc_options(s);
    } catch (const InputError& e) {
      std::string message = e.what();
      const std::string lead = s.key + ": ";
      if (message.rfind(lead, 0) == 0) message = message.substr(lead.size());  // fail() names the key itself
      c.fail(s.key, message);
    }
  }
}

}  // namespace structura::pipeline::ct_classical
