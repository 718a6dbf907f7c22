// What `structura submit` will do: the runs of the experiment file, one
// Slurm job per stage group (a job array when the file is a sweep), chained
// by dependencies, then a report job; with each job's rendered script.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "slurm/resources.hpp"
#include "slurm/slurm.hpp"

namespace structura::pipeline::slurm {

struct PlannedJob {
  std::string group;  // stage group, or "report" for the report job
  bool report = false;
  std::vector<std::string> stages;  // the group's stages (over all runs), in order
  bool checkpointed = false;        // a stage polls checkpoints: --signal, --requeue, trap
  bool array = false;
  std::string array_spec;  // this job's --array (empty: the plan's)
  std::string job_name;
  std::filesystem::path script_path;
  std::string script;           // rendered sbatch script
  int after = -1;               // index of the job this one waits for (-1: none)
  std::string dependency_type;  // "aftercorr" (array task by task) or "afterok"
};

struct Plan {
  std::filesystem::path file;  // the experiment file, absolute
  std::vector<std::string> overrides;
  std::vector<Config> runs;
  std::vector<std::filesystem::path> run_dirs;  // absolute, by sweep index
  std::string name, kind;
  std::filesystem::path runs_dir, experiment_dir, slurm_dir, workdir, executable, data_dir;
  Resources resources;
  std::string array_spec;  // "0-3%2"; empty for a single run
  // One sweep index per distinct shared data set (the first run that uses
  // it): the data-sets job's array tasks. Empty when the kind shares none.
  std::vector<int> data_set_runs;
  std::vector<PlannedJob> jobs;
};

// Loads and checks everything; throws ConfigError (exit 2) or Error (exit 1).
Plan make_plan(const SubmitOptions& options);

// The plan in words: runs, resources, jobs and their dependencies.
std::string describe(const Plan& plan);

// The sbatch command line of job i, given the id of the job it waits for.
std::vector<std::string> sbatch_command(const Plan& plan, std::size_t i, const std::string& after_id);

}  // namespace structura::pipeline::slurm
