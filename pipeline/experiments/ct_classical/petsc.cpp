#include "experiments/ct_classical/petsc.hpp"

#include <utility>

namespace structura::pipeline::ct_classical {

std::string petsc_options_key(const std::string& method) { return method + ".petsc_options"; }

petsc::PetscSettings petsc_settings(const std::string& method, std::vector<std::string> options) {
  return {std::move(options), petsc_options_key(method), "ct_" + method + "_"};
}

}  // namespace structura::pipeline::ct_classical
