// What `structura submit` leaves behind so that `structura status` can find
// the jobs: <run dir>/slurm_jobs.toml per run (its group -> job/array task),
// and <experiment dir>/slurm/submission.toml (every submission, appended).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace structura::pipeline::slurm {

struct JobRecord {
  std::string group;    // stage group or "report"
  std::string job_id;   // the job, or the array job, as sbatch printed it
  int array_task = -1;  // this run's task of the array (-1: a plain job)
  // What squeue and scontrol take: "<id>" or "<id>_<task>".
  std::string slurm_id() const { return array_task >= 0 ? job_id + "_" + std::to_string(array_task) : job_id; }
};

struct RunJobs {
  std::string submitted_at;
  int sweep_index = -1, sweep_size = -1;
  std::vector<JobRecord> jobs;
};

inline const char* run_jobs_file_name = "slurm_jobs.toml";

void write_run_jobs(const std::filesystem::path& run_dir, const RunJobs& jobs);
// Empty optional when the run has no slurm_jobs.toml; throws Error when it is unreadable.
std::optional<RunJobs> read_run_jobs(const std::filesystem::path& run_dir);

// A TOML basic string (quoted and escaped).
std::string toml_string(const std::string& s);

}  // namespace structura::pipeline::slurm
