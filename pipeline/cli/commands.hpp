// The subcommands of the `structura` executable, one file each.
#pragma once

#include <string>
#include <vector>

namespace structura::pipeline::cli {

struct RunArgs {
  std::string file;
  std::vector<std::string> overrides;
  int ranks = 0;  // 0: as launched
  std::string runs_dir;
  bool force = false;
  bool verbose = false;
  bool plots = true;
  std::vector<std::string> groups;
  int sweep_index = -1;  // -1: every run of the sweep
  bool data_sets_only = false;  // make the runs' shared data sets, nothing else (a Slurm job of its own)
  std::vector<std::string> argv;  // the original command line, for relaunching and provenance
};

// Each returns the process exit status: 0 ok, 1 failure, 2 usage/config error, 3 interrupted.
int run_command(RunArgs args);
int validate_command(const std::string& file, const std::vector<std::string>& overrides, const std::string& runs_dir);
int list_command(const std::string& kind);

}  // namespace structura::pipeline::cli
