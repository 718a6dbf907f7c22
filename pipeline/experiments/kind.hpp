// An experiment kind is the glue between the pipeline and a solver library:
// a schema for its TOML tables, a cross-field check, and an ordered list of
// stages. Each kind lives in its own folder pipeline/experiments/<folder>/,
// in namespace structura::pipeline::<folder> with a make_kind() factory, and
// is registered by one add_subdirectory line in experiments/CMakeLists.txt.
// Its stage bodies are a plugin (stage_module.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "experiments/stage_module.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline {

struct Stage {
  std::string name;   // unique within the run, e.g. "integrate/verlet"; "/" nests groups in result.h5
  std::string group;  // stages of one group run in one Slurm job; groups run in declaration order
  bool checkpointed = false;  // polls Checkpointer: gets --signal and requeue under Slurm
  std::function<void(StageContext&)> run;
};

// Data a kind makes once and shares among every run whose settings agree on
// `keys` (a sweep over a solver parameter reuses its phantoms and sinograms,
// say). Its stages run in a directory of their own,
// <runs_dir>/<experiment>/data-sets/<name>-<id>/, id the hash of those keys'
// values; each run then copies `groups` (and the `sidecars` files) into its
// own result.h5, so that a result file stays self-contained. The stages must
// read no key outside `keys`: they see every other key at its default (and
// those defaults need not make a valid run). They are the stages the run
// declares, so a stage declared only for some settings can make a data set.
struct DataSet {
  std::string name;                   // e.g. "sinograms"
  std::vector<std::string> keys;      // "image.size", or whole tables as "noise."
  std::vector<std::string> stages;    // the kind's stages that make it, in order
  std::vector<std::string> groups;    // what those stages write into result.h5, e.g. "/sinograms"
  std::vector<std::string> sidecars;  // files they write beside it, e.g. "truth.xdmf"
};

struct ExperimentKind {
  std::string name;
  std::string summary;
  Schema schema;
  std::function<void(const Config&)> check;  // throws ConfigError via Config::fail
  std::function<std::vector<Stage>(const Config&)> stages;
  std::function<std::string(const Config&, const std::string& result_file)> summary_lines;  // printed after a run
  std::function<std::vector<DataSet>(const Config&)> data_sets;  // optional: the shared data this run uses
};

const std::vector<ExperimentKind>& experiment_kinds();
const ExperimentKind* find_kind(const std::string& name);
std::vector<std::string> kind_names();

}  // namespace structura::pipeline
