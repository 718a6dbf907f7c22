#include "experiments/load.hpp"

namespace structura::pipeline {

std::vector<Config> load_runs(const std::string& file, const std::vector<std::string>& overrides) {
  LoadOptions options{overrides, kind_names()};
  auto lookup = [](const std::string& name) -> const Schema* {
    const ExperimentKind* k = find_kind(name);
    return k ? &k->schema : nullptr;
  };
  std::vector<Config> runs = load_experiment(file, lookup, options);
  for (const Config& c : runs) find_kind(c.kind())->check(c);
  return runs;
}

}  // namespace structura::pipeline
