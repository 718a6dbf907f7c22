// `structura submit`: renders one sbatch script per stage group (plus a
// report job), submits them all held with their dependencies, records the
// job ids for `structura status`, and releases them together, so that no
// job starts before the whole chain exists.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>

#include "core/error.hpp"
#include "run/files.hpp"
#include "run/provenance.hpp"
#include "slurm/plan.hpp"
#include "slurm/process.hpp"
#include "slurm/records.hpp"
#include "slurm/slurm.hpp"

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

namespace {

// The job id in `sbatch --parsable` output: "<id>" or "<id>;<cluster>".
std::string parse_job_id(const std::string& out) {
  std::string id = trim(out);
  if (const auto semi = id.find(';'); semi != std::string::npos) id = id.substr(0, semi);
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) return "";
  return id;
}

void cancel(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string> cmd = {"scancel"};
  cmd.insert(cmd.end(), ids.begin(), ids.end());
  const ProcessResult r = run_process(cmd);
  if (r.ok())
    std::fprintf(stderr, "cancelled the jobs already submitted: %s\n", fmt::format("{}", fmt::join(ids, " ")).c_str());
  else
    std::fprintf(stderr, "could not cancel the jobs already submitted (%s): %s; cancel them with scancel\n",
                 fmt::format("{}", fmt::join(ids, " ")).c_str(), r.message().c_str());
}

std::string submission_record(const Plan& plan, const std::vector<std::string>& ids, const std::string& when) {
  std::string s = "\n[[submission]]\n";
  s += fmt::format("submitted_at = {}\n", toml_string(when));
  s += fmt::format("experiment_file = {}\n", toml_string(plan.file.string()));
  std::vector<std::string> overrides;
  for (const auto& o : plan.overrides) overrides.push_back(toml_string(o));
  s += fmt::format("overrides = [{}]\n", fmt::join(overrides, ", "));
  s += fmt::format("runs_dir = {}\n", toml_string(plan.runs_dir.string()));
  s += fmt::format("executable = {}\n", toml_string(plan.executable.string()));
  s += fmt::format("site = {}\n", toml_string(plan.resources.site));
  std::vector<std::string> runs;
  for (const auto& c : plan.runs) runs.push_back(toml_string(c.run_id()));
  s += fmt::format("runs = [{}]  # by sweep index = array task\n", fmt::join(runs, ", "));
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const PlannedJob& j = plan.jobs[i];
    s += "\n[[submission.job]]\n";
    s += fmt::format("group = {}\njob_id = {}\nname = {}\nscript = {}\n", toml_string(j.group), toml_string(ids[i]),
                     toml_string(j.job_name), toml_string(j.script_path.string()));
    if (j.array) s += fmt::format("array = {}\n", toml_string(plan.array_spec));
    if (j.after >= 0)
      s += fmt::format("dependency = {}\n",
                       toml_string(j.dependency_type + ":" + ids[static_cast<std::size_t>(j.after)]));
  }
  return s;
}

void write_records(const Plan& plan, const std::vector<std::string>& ids, const std::string& when) {
  for (std::size_t r = 0; r < plan.runs.size(); ++r) {
    const fs::path& dir = plan.run_dirs[r];
    fs::create_directories(dir);
    // config.toml makes the run visible to `structura status` before its
    // first job starts; the runner writes the same canonical text.
    if (!fs::exists(dir / "config.toml")) write_file_atomically(dir / "config.toml", plan.runs[r].canonical_toml());
    RunJobs jobs;
    jobs.submitted_at = when;
    jobs.sweep_index = plan.runs[r].sweep_index;
    jobs.sweep_size = plan.runs[r].sweep_size;
    for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
      const PlannedJob& j = plan.jobs[i];
      jobs.jobs.push_back({j.group, ids[i], j.array ? plan.runs[r].sweep_index : -1});
    }
    write_run_jobs(dir, jobs);
  }
  const fs::path submission = plan.slurm_dir / "submission.toml";
  const bool fresh = !fs::exists(submission);
  std::ofstream out(submission, std::ios::app);
  if (fresh) out << "# Every `structura submit` of this experiment, appended in order.\n";
  out << submission_record(plan, ids, when);
  if (!out) throw Error(fmt::format("cannot write {}", submission.string()));
}

}  // namespace

int submit_command(const SubmitOptions& options) {
  const Plan plan = make_plan(options);
  // slurmctld looks at time limits every 30 s and may send the signal up to
  // that much early: a job could be asked to stop right after it starts.
  const auto limit = time_limit_seconds(plan.resources.time);
  const bool checkpointed =
      std::any_of(plan.jobs.begin(), plan.jobs.end(), [](const auto& j) { return j.checkpointed; });
  if (checkpointed && limit && plan.resources.signal_seconds + 30 >= *limit)
    std::fprintf(stderr,
                 "warning: slurm.signal_seconds = %lld with slurm.time = %s: Slurm may send the signal up to 30 s "
                 "early, i.e. as soon as a job starts; each attempt may then make little progress\n",
                 static_cast<long long>(plan.resources.signal_seconds), plan.resources.time.c_str());

  if (options.dry_run) {
    fmt::print("{}", describe(plan));
    for (const PlannedJob& j : plan.jobs) fmt::print("\n==> {} <==\n{}", j.script_path.string(), j.script);
    fmt::print("\n--dry-run: nothing was written or submitted\n");
    return 0;
  }

  for (const char* tool : {"sbatch", "scontrol", "scancel"})
    if (!find_on_path(tool))
      throw Error(
          fmt::format("{} is not on PATH: structura submit needs the Slurm client commands (is this a "
                      "Slurm login node? --dry-run shows the scripts without them)",
                      tool));

  fs::create_directories(plan.slurm_dir);
  for (const PlannedJob& j : plan.jobs) {
    write_file_atomically(j.script_path, j.script);
    fs::permissions(j.script_path, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
  }

  std::vector<std::string> ids;
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const PlannedJob& j = plan.jobs[i];
    const auto cmd = sbatch_command(plan, i, j.after >= 0 ? ids[static_cast<std::size_t>(j.after)] : "");
    const ProcessResult r = run_process(cmd);
    const std::string id = r.ok() ? parse_job_id(r.out) : "";
    if (id.empty()) {
      std::fprintf(stderr, "error: %s failed%s: %s\n", fmt::format("{}", fmt::join(cmd, " ")).c_str(),
                   r.started ? fmt::format(" (exit status {})", r.status).c_str() : "",
                   r.message().empty() ? "no job id in its output" : r.message().c_str());
      cancel(ids);
      return 1;
    }
    ids.push_back(id);
  }

  const std::string when = now_iso8601();
  try {
    write_records(plan, ids, when);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    cancel(ids);
    return 1;
  }

  const ProcessResult release = run_process({"scontrol", "release", fmt::format("{}", fmt::join(ids, ","))});
  if (!release.ok()) {
    std::fprintf(stderr, "error: scontrol release %s failed: %s\n", fmt::format("{}", fmt::join(ids, ",")).c_str(),
                 release.message().c_str());
    cancel(ids);
    return 1;
  }

  fmt::print("submitted experiment {} ({} run(s)) from {}\n", plan.name, plan.runs.size(), plan.file.string());
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const PlannedJob& j = plan.jobs[i];
    std::string what = j.array ? fmt::format("array {}", plan.array_spec) : "job";
    if (j.after >= 0) what += fmt::format(", {}:{}", j.dependency_type, ids[static_cast<std::size_t>(j.after)]);
    fmt::print("  {:<10} {}  {} ({})\n", j.group, ids[i], j.job_name, what);
  }
  fmt::print("scripts and logs: {}\nfollow with:      structura status {}\n", plan.slurm_dir.string(),
             plan.experiment_dir.string());
  return 0;
}

}  // namespace structura::pipeline::slurm
