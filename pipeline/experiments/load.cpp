#include "experiments/load.hpp"

#include <fmt/format.h>

#include <map>

namespace structura::pipeline {

std::vector<Config> load_runs(const std::string& file, const std::vector<std::string>& overrides) {
  LoadOptions options{overrides, kind_names()};
  auto lookup = [](const std::string& name) -> const Schema* {
    const ExperimentKind* k = find_kind(name);
    return k ? &k->schema : nullptr;
  };
  std::vector<Config> runs = load_experiment(file, lookup, options);
  for (const Config& c : runs) {
    const ExperimentKind* kind = find_kind(c.kind());
    if (!kind) c.fail("experiment.kind", fmt::format("unknown experiment kind \"{}\"", c.kind()));
    kind->check(c);
  }
  // Runs that differ only in keys outside the run identity (resources,
  // output compression) would share one directory.
  std::map<std::string, int> seen;
  for (const Config& c : runs) {
    auto [it, fresh] = seen.emplace(c.run_id(), c.sweep_index);
    if (!fresh)
      throw ConfigError(fmt::format("{}: [sweep]: runs {} and {} differ only in keys that do not change the result "
                                    "(such as output.* or slurm.*), so they would be the same run {}; sweep a key "
                                    "that changes the result instead",
                                    file, it->second, c.sweep_index, c.run_id()));
  }
  return runs;
}

}  // namespace structura::pipeline
