// Shared data sets (experiments/kind.hpp, DataSet): made once in
// <runs_dir>/<experiment>/data-sets/<name>-<id>/ by the kind's own stages,
// then copied into every run's result.h5 that uses them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/mpi.hpp"
#include "experiments/kind.hpp"

namespace structura::pipeline {

struct RunOptions;

// The configuration a data set is made with: `run`, with every key that is
// part of the identity but not of `set.keys` at its default (experiment.kind
// and experiment.name kept), so that runs agreeing on set.keys agree on it.
Config data_set_config(const Config& run, const DataSet& set);

// Where it is made: <runs_dir>/<experiment>/data-sets/<name>-<id>, id the
// run id of data_set_config().
std::filesystem::path data_set_directory(const Config& run, const DataSet& set, const std::string& runs_dir_override);

// The data sets of `run` (none when the kind declares none).
std::vector<DataSet> data_sets_of(const Config& run, const ExperimentKind& kind);

// Makes every data set of the run that is not made yet (collective: its
// stages run on all ranks, with their own log.txt and data.h5). Returns
// false when a signal interrupted one (it resumes from its checkpoint on the
// next attempt).
bool make_data_sets(const Config& run, const ExperimentKind& kind, const RunOptions& options, const mpi::Comm& comm);

// Copies each data set's groups, its stages' /stages entries (with the
// attribute data_set naming its directory) and sidecar files into the run's
// result.h5 in `run_dir`, through result.h5.partial as every stage writes.
// Collective; returns the names of the stages it imported, which the run
// then does not run itself.
std::vector<std::string> import_data_sets(const Config& run, const ExperimentKind& kind, const RunOptions& options,
                                          const std::filesystem::path& run_dir, const mpi::Comm& comm);

}  // namespace structura::pipeline
