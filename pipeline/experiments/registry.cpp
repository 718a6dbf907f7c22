#include "experiments/kind.hpp"

namespace structura::pipeline {

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds = [] {
    std::vector<ExperimentKind> k;
    k.push_back(make_hamiltonian_ensemble_kind());
    k.push_back(make_ct_classical_kind());
#ifdef STRUCTURA_HAVE_SYMPFLOW
    k.push_back(make_sympflow_kind());
#endif
    return k;
  }();
  return kinds;
}

const ExperimentKind* find_kind(const std::string& name) {
  for (const auto& k : experiment_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::vector<std::string> kind_names() {
  std::vector<std::string> names;
  for (const auto& k : experiment_kinds()) names.push_back(k.name);
  return names;
}

}  // namespace structura::pipeline
