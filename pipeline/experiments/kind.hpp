// An experiment kind is the glue between the pipeline and a solver library:
// a schema for its TOML tables, a cross-field check, and an ordered list of
// stages. Each kind lives in one file in this folder and is registered in
// registry.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "run/stage_context.hpp"

namespace structura::pipeline {

struct Stage {
  std::string name;   // unique within the run, e.g. "integrate/verlet"; "/" nests groups in result.h5
  std::string group;  // stages of one group run in one Slurm job; groups run in declaration order
  bool checkpointed = false;  // polls Checkpointer: gets --signal and requeue under Slurm
  std::function<void(StageContext&)> run;
};

struct ExperimentKind {
  std::string name;
  std::string summary;
  Schema schema;
  std::function<void(const Config&)> check;  // throws ConfigError via Config::fail
  std::function<std::vector<Stage>(const Config&)> stages;
  std::function<std::string(const Config&, const std::string& result_file)> summary_lines;  // printed after a run
};

const std::vector<ExperimentKind>& experiment_kinds();
const ExperimentKind* find_kind(const std::string& name);
std::vector<std::string> kind_names();

// One factory per kind (each in its own file).
ExperimentKind make_hamiltonian_ensemble_kind();
ExperimentKind make_sympflow_kind();  // built with libtorch only (STRUCTURA_HAVE_SYMPFLOW)
ExperimentKind make_ct_classical_kind();

}  // namespace structura::pipeline
