#include "slurm/plan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "experiments/kind.hpp"
#include "experiments/load.hpp"
#include "run/data_sets.hpp"
#include "run/runner.hpp"
#include "slurm/process.hpp"
#include "slurm/templates.hpp"

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

namespace {

// A value for an #SBATCH line: sbatch reads these with its own word
// splitting, so a path with blanks must be quoted.
std::string directive_value(const std::string& s) {
  return s.find_first_of(" \t") == std::string::npos ? s : "\"" + s + "\"";
}

// A file-name-safe form of a group name.
std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
  return out;
}

bool same_resources(Resources a, Resources b) {
  a.origin.clear();
  b.origin.clear();
  return a == b;
}

struct GroupInfo {
  std::string name;
  std::vector<std::string> stages;
  bool checkpointed = false;
};

// Groups in declaration order over every run of the sweep (runs may differ
// in their stages, e.g. one without a reference).
std::vector<GroupInfo> stage_groups(const std::vector<Config>& runs) {
  std::vector<GroupInfo> groups;
  for (const Config& c : runs) {
    for (const Stage& s : find_kind(c.kind())->stages(c)) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const GroupInfo& g) { return g.name == s.group; });
      if (it == groups.end()) it = groups.insert(groups.end(), GroupInfo{s.group, {}, false});
      if (std::find(it->stages.begin(), it->stages.end(), s.name) == it->stages.end()) it->stages.push_back(s.name);
      it->checkpointed = it->checkpointed || s.checkpointed;
    }
  }
  return groups;
}

std::string sbatch_lines(const Plan& plan, const PlannedJob& job) {
  const Resources& r = plan.resources;
  std::vector<std::string> lines;
  if (!r.partition.empty()) lines.push_back("#SBATCH --partition=" + r.partition);
  if (!r.account.empty()) lines.push_back("#SBATCH --account=" + r.account);
  if (job.report) {
    // The report is serial and short: one task, at most 30 minutes.
    std::int64_t limit = 1800;
    if (auto t = time_limit_seconds(r.time)) limit = std::min(limit, *t);
    lines.push_back("#SBATCH --time=" + format_time_limit(limit));
  } else if (!r.time.empty()) {
    lines.push_back("#SBATCH --time=" + r.time);
  }
  if (job.array) lines.push_back("#SBATCH --array=" + (job.array_spec.empty() ? plan.array_spec : job.array_spec));
  for (const auto& e : r.extra) lines.push_back(e.rfind("#SBATCH", 0) == 0 ? e : "#SBATCH " + e);
  return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string quoted_words(const std::vector<std::string>& words) {
  std::vector<std::string> q;
  for (const auto& w : words) q.push_back(shell_quote(w));
  return fmt::format("{}", fmt::join(q, " "));
}

}  // namespace

Plan make_plan(const SubmitOptions& options) {
  Plan plan;
  plan.runs = load_runs(options.file, options.overrides);
  plan.file = fs::absolute(options.file).lexically_normal();
  plan.overrides = options.overrides;
  plan.workdir = fs::current_path();
  std::error_code ec;
  plan.executable = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot tell where the structura executable is (/proc/self/exe)");
  plan.data_dir = data_dir();

  const Config& first = plan.runs.front();
  plan.name = first.name();
  plan.kind = first.kind();
  for (const Config& c : plan.runs) {
    if (c.name() != plan.name) c.fail("experiment.name", "differs across the sweep; one submission is one experiment");
    if (options.runs_dir.empty() && c.get_string("experiment.runs_dir") != first.get_string("experiment.runs_dir"))
      c.fail("experiment.runs_dir", "differs across the sweep; one submission writes to one runs directory");
  }
  const std::string runs_dir = options.runs_dir.empty() ? first.get_string("experiment.runs_dir") : options.runs_dir;
  plan.runs_dir = fs::absolute(runs_dir).lexically_normal();
  plan.experiment_dir = plan.runs_dir / plan.name;
  plan.slurm_dir = plan.experiment_dir / "slurm";

  // Two runs of one sweep with one id would share a directory, and array
  // tasks running at once would write the same files.
  std::map<std::string, int> ids;
  for (const Config& c : plan.runs) {
    auto [it, fresh] = ids.emplace(c.run_id(), c.sweep_index);
    if (!fresh)
      throw ConfigError(fmt::format(
          "{}: sweep runs {} and {} are the same run (id {}): they differ only in settings that do not change the "
          "result (resources, Slurm, logging); sweep those in separate submissions",
          options.file, it->second, c.sweep_index, c.run_id()));
    plan.run_dirs.push_back(run_directory(c, plan.runs_dir.string()));
  }

  plan.resources = resolve_resources(first, plan.data_dir);
  for (const Config& c : plan.runs)
    if (!same_resources(resolve_resources(c, plan.data_dir), plan.resources))
      throw ConfigError(
          fmt::format("{}: the [slurm] settings of sweep run {} differ from those of run 0; all runs "
                      "of one submission share one job array and so one set of resources",
                      options.file, c.sweep_index));

  const std::size_t n = plan.runs.size();
  if (n > 1) {
    plan.array_spec = fmt::format("0-{}", n - 1);
    if (plan.resources.throttle > 0) plan.array_spec += fmt::format("%{}", plan.resources.throttle);
  }

  // The command of every stage-group job, minus --group and --sweep-index.
  std::vector<std::string> run_words = {plan.executable.string(), "run", plan.file.string()};
  for (const auto& o : plan.overrides) run_words.push_back(o);

  const std::string group_template = read_file(plan.data_dir / "slurm" / "group.sbatch");
  const std::string checkpointed_template = read_file(plan.data_dir / "slurm" / "group-checkpointed.sbatch");
  const std::string report_template = read_file(plan.data_dir / "slurm" / "report.sbatch");

  auto common_values = [&](const PlannedJob& job) {
    std::map<std::string, std::string> v;
    v["experiment"] = plan.name;
    v["kind"] = plan.kind;
    v["experiment_file"] = plan.file.string();
    v["job_name"] = directive_value(job.job_name);
    v["output"] = directive_value((plan.slurm_dir / (job.array ? "%x-%A_%a.out" : "%x-%j.out")).string());
    v["workdir"] = directive_value(plan.workdir.string());
    v["nodes"] = std::to_string(plan.resources.nodes);
    v["ntasks"] = std::to_string(plan.resources.ntasks);
    v["cpus_per_task"] = std::to_string(plan.resources.cpus_per_task);
    v["signal_seconds"] = std::to_string(plan.resources.signal_seconds);
    v["launcher"] = plan.resources.launcher;
    v["directives"] = sbatch_lines(plan, job);
    v["site"] = plan.resources.site;
    v["runs"] = n > 1 ? fmt::format("{} runs, array task i = sweep run i", n)
                      : fmt::format("run {}", plan.runs.front().run_id());
    return v;
  };

  // The shared data sets first: one array task per distinct data set (run
  // by the first sweep run that uses it), which every stage-group job waits
  // for; the runs then copy them (run/data_sets.hpp).
  {
    std::set<std::string> seen;
    for (const Config& c : plan.runs) {
      std::string identity;
      for (const DataSet& set : data_sets_of(c, *find_kind(c.kind())))
        identity += data_set_directory(c, set, plan.runs_dir.string()).string() + "\n";
      if (!identity.empty() && seen.insert(identity).second) plan.data_set_runs.push_back(c.sweep_index);
    }
  }
  if (!plan.data_set_runs.empty()) {
    PlannedJob job;
    job.group = "data-sets";
    job.array = n > 1;
    job.array_spec = fmt::format("{}", fmt::join(plan.data_set_runs, ","));
    job.job_name = fmt::format("structura-{}-data-sets", plan.name);
    job.script_path = plan.slurm_dir / "0-data-sets.sbatch";
    std::vector<std::string> words = run_words;
    words.push_back("--data-sets");
    job.stages = {"the shared data sets"};
    const std::string command = quoted_words(words) + " --sweep-index " +
                                (job.array ? "\"$SLURM_ARRAY_TASK_ID\"" : "0") + " --no-plots --runs-dir " +
                                shell_quote(plan.runs_dir.string());
    auto values = common_values(job);
    values["group"] = job.group;
    values["stages"] = fmt::format("{} data set(s)", plan.data_set_runs.size());
    values["command"] = command;
    values["template"] = (plan.data_dir / "slurm" / "group.sbatch").string();
    job.script = render(group_template, values, values["template"]);
    plan.jobs.push_back(std::move(job));
  }
  const std::size_t first_group = plan.jobs.size();

  const std::vector<GroupInfo> groups = stage_groups(plan.runs);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    PlannedJob job;
    job.group = groups[g].name;
    job.stages = groups[g].stages;
    job.checkpointed = groups[g].checkpointed;
    job.array = n > 1;
    job.job_name = fmt::format("structura-{}-{}", plan.name, job.group);
    job.script_path = plan.slurm_dir / fmt::format("{}-{}.sbatch", g + 1, file_safe(job.group));
    if (g > 0) {
      job.after = static_cast<int>(first_group + g) - 1;
      job.dependency_type = job.array ? "aftercorr" : "afterok";
    } else if (first_group > 0) {  // every data set made, whichever task made it
      job.after = 0;
      job.dependency_type = "afterok";
    }
    std::vector<std::string> words = run_words;
    words.insert(words.end(), {"--group", job.group});
    std::string command = quoted_words(words) + " --sweep-index " + (job.array ? "\"$SLURM_ARRAY_TASK_ID\"" : "0");
    command += " --no-plots --runs-dir " + shell_quote(plan.runs_dir.string());
    auto values = common_values(job);
    values["group"] = job.group;
    values["stages"] = fmt::format("{}", fmt::join(job.stages, ", "));
    values["command"] = command;
    const std::string& tmpl = job.checkpointed ? checkpointed_template : group_template;
    const fs::path tmpl_path =
        plan.data_dir / "slurm" / (job.checkpointed ? "group-checkpointed.sbatch" : "group.sbatch");
    values["template"] = tmpl_path.string();
    job.script = render(tmpl, values, tmpl_path.string());
    plan.jobs.push_back(std::move(job));
  }

  PlannedJob report;
  report.group = "report";
  report.report = true;
  report.job_name = fmt::format("structura-{}-report", plan.name);
  report.script_path = plan.slurm_dir / fmt::format("{}-report.sbatch", groups.size() + 1);
  report.after = static_cast<int>(plan.jobs.size()) - 1;
  report.dependency_type = "afterok";
  auto values = common_values(report);
  values["group"] = "report";
  values["stages"] = "";
  values["command"] = quoted_words({plan.executable.string(), "report", plan.experiment_dir.string()});
  values["template"] = (plan.data_dir / "slurm" / "report.sbatch").string();
  report.script = render(report_template, values, values["template"]);
  plan.jobs.push_back(std::move(report));
  return plan;
}

std::vector<std::string> sbatch_command(const Plan& plan, std::size_t i, const std::string& after_id) {
  const PlannedJob& job = plan.jobs.at(i);
  std::vector<std::string> cmd = {"sbatch", "--hold", "--parsable"};
  // A dependency that can never be met (an earlier job failed) cancels the
  // job instead of leaving it pending for ever.
  if (job.after >= 0) {
    cmd.push_back(fmt::format("--dependency={}:{}", job.dependency_type, after_id));
    cmd.push_back("--kill-on-invalid-dep=yes");
  }
  cmd.push_back(job.script_path.string());
  return cmd;
}

std::string describe(const Plan& plan) {
  const Resources& r = plan.resources;
  std::string s;
  s += fmt::format("experiment {} ({}), {} run(s), from {}\n", plan.name, plan.kind, plan.runs.size(),
                   plan.file.string());
  if (!plan.overrides.empty()) s += fmt::format("overrides: {}\n", fmt::join(plan.overrides, " "));
  s += fmt::format("runs directory: {}\n", plan.runs_dir.string());
  for (std::size_t i = 0; i < plan.runs.size(); ++i)
    s += fmt::format("  run {}  {}  {}\n", i, plan.runs[i].run_id(), plan.run_dirs[i].string());
  s += fmt::format("\nresources per job (site \"{}\"{}):\n", r.site,
                   r.site_file.empty() ? ", no profile file: built-in defaults" : ", " + r.site_file);
  auto row = [&](const std::string& key, const std::string& value) {
    if (value.empty()) s += fmt::format("  {:<15} {:<12} (not set: Slurm's default)\n", key, "-");
    else s += fmt::format("  {:<15} {:<12} ({})\n", key, value, r.origin.at(key));
  };
  row("partition", r.partition);
  row("account", r.account);
  row("time", r.time.empty() ? "" : r.time);
  row("nodes", std::to_string(r.nodes));
  row("ntasks", std::to_string(r.ntasks));
  row("cpus_per_task", std::to_string(r.cpus_per_task));
  row("launcher", r.launcher);
  row("throttle", r.throttle > 0 ? std::to_string(r.throttle) : "none");
  row("signal_seconds", std::to_string(r.signal_seconds));
  if (!r.extra.empty()) s += fmt::format("  {:<15} {}\n", "extra", fmt::join(r.extra, " "));

  s += "\njobs (submitted held, released together once every job exists):\n";
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    const PlannedJob& j = plan.jobs[i];
    s += fmt::format(
        "  {}. {}  {}\n", i + 1, j.job_name,
        j.array ? fmt::format("job array {} (task i runs sweep run i)", j.array_spec.empty() ? plan.array_spec : j.array_spec)
                : std::string("single job"));
    if (j.report) s += fmt::format("     runs: structura report {}\n", plan.experiment_dir.string());
    else s += fmt::format("     stages: {}\n", fmt::join(j.stages, ", "));
    if (j.after >= 0)
      s += fmt::format("     after: {} of job {} ({})\n", j.dependency_type, j.after + 1,
                       j.dependency_type == "aftercorr" ? "each task waits for the same task of that job"
                                                        : "waits for all of that job to succeed");
    if (j.checkpointed)
      s += fmt::format("     checkpointed: USR1 {} s before the time limit, checkpoint, requeue, resume\n",
                       r.signal_seconds);
    std::vector<std::string> cmd = sbatch_command(plan, i, fmt::format("<job {}>", j.after + 1));
    s += fmt::format("     {}\n", fmt::join(cmd, " "));
  }
  s += fmt::format("\nscripts, logs and submission.toml go to {}\n", plan.slurm_dir.string());
  return s;
}

}  // namespace structura::pipeline::slurm
