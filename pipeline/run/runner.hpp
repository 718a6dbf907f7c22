// Executes one run: its directory, config.toml, log.txt and result.h5, and
// its stages in order, skipping those already done.
//
// Crash safety: a stage never writes to result.h5 itself. It works on
// result.h5.partial (a copy of result.h5, or the file a checkpointed stage
// left behind), marks itself done there, and the file is renamed over
// result.h5 only then. A crash at any point leaves the previous result.h5
// intact; an interrupted stage leaves a consistent partial file with its
// /checkpoint to resume from.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/mpi.hpp"
#include "experiments/kind.hpp"

namespace structura::pipeline {

struct RunOptions {
  std::string runs_dir;                 // overrides experiment.runs_dir when not empty
  bool force = false;                   // redo stages already done
  std::vector<std::string> groups;      // only stages of these groups (empty: all)
  std::string command_line;
  std::string directory;                // the run's directory, instead of run_directory() (data sets)
  bool data_sets_only = false;          // make the shared data sets, then stop
  std::string result_name = "result.h5";  // data sets write data.h5, so that no run listing mistakes them for runs
};

enum class RunStatus { Done, Interrupted };

std::filesystem::path run_directory(const Config& config, const std::string& runs_dir_override);

RunStatus execute_run(const Config& config, const ExperimentKind& kind, const RunOptions& options,
                      const mpi::Comm& comm);

// The stages of `result_file` marked done (serial read; empty if no file).
std::vector<std::string> done_stages(const std::filesystem::path& result_file);

}  // namespace structura::pipeline
