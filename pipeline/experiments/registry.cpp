// The kinds of this build, from the list CMake generates (structura/kinds.inc,
// one STRUCTURA_KIND(<folder>) per structura_add_kind): each folder's
// namespace has a make_kind().
#include "experiments/kind.hpp"

#define STRUCTURA_KIND(folder)            \
  namespace structura::pipeline::folder { \
  ExperimentKind make_kind();             \
  }
#include "structura/kinds.inc"
#undef STRUCTURA_KIND

namespace structura::pipeline {

const std::vector<ExperimentKind>& experiment_kinds() {
  static const std::vector<ExperimentKind> kinds = [] {
    std::vector<ExperimentKind> k;
#define STRUCTURA_KIND(folder) k.push_back(folder::make_kind());
#include "structura/kinds.inc"
#undef STRUCTURA_KIND
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
