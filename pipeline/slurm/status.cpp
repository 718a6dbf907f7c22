// `structura status`: the runs under some directories, the state of each of
// their stages from result.h5 (and result.h5.partial), and the Slurm state of
// the jobs `structura submit` recorded for them. Works without Slurm
// accounting: states come from squeue, then scontrol (jobs stay known for
// MinJobAge after they end), else the job is reported as finished.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/h5.hpp"
#include "experiments/kind.hpp"
#include "experiments/load.hpp"
#include "run/runner.hpp"
#include "slurm/process.hpp"
#include "slurm/records.hpp"
#include "slurm/slurm.hpp"

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

namespace {

// Run directories (those holding config.toml) at or below `dir`: a runs
// directory, an experiment directory or a run directory.
void find_runs(const fs::path& dir, int depth, std::vector<fs::path>& out) {
  std::error_code ec;
  if (fs::is_regular_file(dir / "config.toml", ec)) {
    out.push_back(dir);
    return;
  }
  if (depth == 0) return;
  std::vector<fs::path> children;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec) && !e.is_symlink(ec)) children.push_back(e.path());
  std::sort(children.begin(), children.end());
  for (const auto& c : children) find_runs(c, depth - 1, out);
}

// The stage whose checkpoint result.h5.partial holds, with the checkpoint's
// integer attributes (e.g. next_frame); empty when there is none.
struct Checkpoint {
  std::string stage;
  std::string detail;
  std::string problem;  // set when the partial file could not be read
};

Checkpoint read_checkpoint(const fs::path& partial) {
  Checkpoint c;
  if (!fs::exists(partial)) return c;
  try {
    h5::File f = h5::File::open(partial.string(), h5::Mode::ReadOnly);
    if (!f.exists("/checkpoint")) return c;
    h5::Group g = f.open_group("/checkpoint");
    if (!g.has_attribute("stage")) return c;
    c.stage = g.string_attribute("stage");
    std::vector<std::string> parts;
    for (const auto& name : g.attribute_names()) {
      if (name == "stage") continue;
      try {
        const double v = g.double_attribute(name);
        parts.push_back(v == std::floor(v) && std::fabs(v) < 1e15 ? fmt::format("{} = {}", name, std::int64_t(v))
                                                                  : fmt::format("{} = {:.3g}", name, v));
      } catch (const std::exception&) {
      }
    }
    c.detail = fmt::format("{}", fmt::join(parts, ", "));
  } catch (const std::exception& e) {
    c.problem = "result.h5.partial is being written or unreadable";
  }
  return c;
}

// "(i of n)" from the first line of log.txt, for runs that Slurm did not
// submit (they have no slurm_jobs.toml).
std::string sweep_from_log(const fs::path& log) {
  std::ifstream in(log);
  std::string line;
  static const std::regex re(R"(run \S+ of \S+ \((\d+) of (\d+)\))");
  for (int i = 0; i < 50 && std::getline(in, line); ++i) {
    std::smatch m;
    if (std::regex_search(line, m, re)) return fmt::format("{} of {}", std::stoi(m[1]) - 1, m[2].str());
  }
  return "";
}

// "KEY=value" fields of one `scontrol -o show job` record.
std::map<std::string, std::string> fields(const std::string& line) {
  std::map<std::string, std::string> f;
  std::istringstream words(line);
  std::string w;
  while (words >> w)
    if (const auto eq = w.find('='); eq != std::string::npos) f.emplace(w.substr(0, eq), w.substr(eq + 1));
  return f;
}

class SlurmStates {
public:
  SlurmStates() : squeue_(find_on_path("squeue").has_value()), scontrol_(find_on_path("scontrol").has_value()) {}

  // One squeue call for every job at once (per job if that fails, e.g.
  // because one id is no longer known).
  void prefetch(const std::set<std::string>& base_ids) {
    if (!squeue_ || base_ids.empty()) return;
    const std::string list = fmt::format("{}", fmt::join(base_ids, ","));
    if (!squeue(list))
      for (const auto& id : base_ids) squeue(id);
  }

  std::string state(const JobRecord& job) {
    const std::string id = job.slurm_id();
    if (auto it = states_.find(id); it != states_.end()) return it->second;
    std::string s;
    if (!squeue_ && !scontrol_) s = "unknown (neither squeue nor scontrol is on PATH)";
    if (s.empty() && scontrol_) s = scontrol(id);
    if (s.empty()) s = "finished (no longer known to Slurm)";
    states_[id] = s;
    return s;
  }

private:
  bool squeue(const std::string& ids) {
    const ProcessResult r = run_process({"squeue", "-h", "-r", "-j", ids, "-o", "%i|%T|%r"});
    if (!r.ok()) return false;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      std::vector<std::string> parts;
      std::stringstream ss(line);
      std::string p;
      while (std::getline(ss, p, '|')) parts.push_back(trim(p));
      if (parts.size() < 2 || parts[0].empty()) continue;
      std::string s = parts[1];
      if (parts.size() > 2 && s == "PENDING" && !parts[2].empty() && parts[2] != "None") s += " (" + parts[2] + ")";
      states_[parts[0]] = s;
    }
    return true;
  }

  std::string scontrol(const std::string& id) {
    const ProcessResult r = run_process({"scontrol", "-o", "show", "job", id});
    if (!r.ok()) return "";
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      auto f = fields(line);
      if (!f.count("JobState")) continue;
      std::string s = f["JobState"];
      if (s == "PENDING" && f.count("Reason") && f["Reason"] != "None") s += " (" + f["Reason"] + ")";
      if (s == "FAILED" && f.count("ExitCode")) s += " (exit " + f["ExitCode"] + ")";
      if (f.count("Restarts") && f["Restarts"] != "0") s += fmt::format(", requeued {}x", f["Restarts"]);
      return s;
    }
    return "";
  }

  bool squeue_, scontrol_;
  std::map<std::string, std::string> states_;
};

struct StageLine {
  std::string name, state;
};

}  // namespace

int status_command(const std::vector<std::string>& dirs) {
  int rc = 0;
  std::vector<fs::path> runs;
  for (const auto& d : dirs) {
    if (!fs::is_directory(d)) {
      std::fprintf(stderr, "error: %s: no such directory\n", d.c_str());
      rc = 2;
      continue;
    }
    const std::size_t before = runs.size();
    find_runs(d, 4, runs);
    if (runs.size() == before) fmt::print("no runs under {}\n", d);
  }
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());

  // Every run's jobs and sweep position first: runs are listed by
  // experiment and sweep index, and squeue is asked once.
  struct Entry {
    fs::path dir;
    std::optional<RunJobs> jobs;
    std::string job_problem;
    int sweep_index = -1;
    std::string sweep;  // "i of n"
  };
  std::vector<Entry> entries;
  std::set<std::string> base_ids;
  for (const auto& dir : runs) {
    Entry e{dir, std::nullopt, "", -1, ""};
    try {
      e.jobs = read_run_jobs(dir);
    } catch (const std::exception& ex) {
      e.job_problem = ex.what();
    }
    if (e.jobs && e.jobs->sweep_size > 0) e.sweep = fmt::format("{} of {}", e.jobs->sweep_index, e.jobs->sweep_size);
    if (e.sweep.empty()) e.sweep = sweep_from_log(dir / "log.txt");
    if (!e.sweep.empty()) e.sweep_index = std::stoi(e.sweep);
    if (e.jobs)
      for (const auto& j : e.jobs->jobs) base_ids.insert(j.job_id);
    entries.push_back(std::move(e));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.dir.parent_path() != b.dir.parent_path()) return a.dir.parent_path() < b.dir.parent_path();
    return a.sweep_index < b.sweep_index;
  });
  SlurmStates slurm;
  slurm.prefetch(base_ids);

  int complete = 0;
  for (const Entry& entry : entries) {
    const fs::path& dir = entry.dir;
    std::optional<Config> config;
    std::string problem;
    try {
      config = load_runs((dir / "config.toml").string(), {}).front();
    } catch (const std::exception& e) {
      problem = e.what();
    }

    const std::string& sweep = entry.sweep;
    const std::string name = config ? config->name() : dir.parent_path().filename().string();
    const std::string id = config ? config->run_id() : dir.filename().string();
    fmt::print("run {}  {}  sweep run {}  {}\n", id, name, sweep.empty() ? "?" : sweep, dir.string());
    if (!problem.empty()) fmt::print("  config.toml: {}\n", problem);

    std::vector<std::string> done;
    try {
      done = done_stages(dir / "result.h5");
    } catch (const std::exception& e) {
      fmt::print("  result.h5: unreadable: {}\n", e.what());
    }
    const Checkpoint ck = read_checkpoint(dir / "result.h5.partial");
    std::vector<StageLine> lines;
    if (config) {
      for (const Stage& s : find_kind(config->kind())->stages(*config)) {
        std::string state = "pending";
        if (std::find(done.begin(), done.end(), s.name) != done.end()) state = "done";
        else if (ck.stage == s.name)
          state = ck.detail.empty() ? "partial (checkpoint)" : fmt::format("partial (checkpoint: {})", ck.detail);
        lines.push_back({s.name, state});
      }
    } else {
      for (const auto& s : done) lines.push_back({s, "done"});
      if (!ck.stage.empty()) lines.push_back({ck.stage, "partial (checkpoint)"});
    }
    std::size_t width = 0;
    for (const auto& l : lines) width = std::max(width, l.name.size());
    const bool all_done =
        !lines.empty() && std::all_of(lines.begin(), lines.end(), [](const StageLine& l) { return l.state == "done"; });
    complete += all_done ? 1 : 0;
    fmt::print("  stages\n");
    for (const auto& l : lines) fmt::print("    {:<{}}  {}\n", l.name, width, l.state);
    if (!ck.problem.empty()) fmt::print("    ({})\n", ck.problem);

    if (!entry.job_problem.empty()) fmt::print("  slurm jobs: {}\n", entry.job_problem);
    if (entry.jobs && !entry.jobs->jobs.empty()) {
      fmt::print("  slurm jobs (submitted {})\n", entry.jobs->submitted_at);
      std::size_t gw = 0, iw = 0;
      for (const auto& j : entry.jobs->jobs) {
        gw = std::max(gw, j.group.size());
        iw = std::max(iw, j.slurm_id().size());
      }
      for (const auto& j : entry.jobs->jobs)
        fmt::print("    {:<{}}  {:<{}}  {}\n", j.group, gw, j.slurm_id(), iw, slurm.state(j));
    }
    fmt::print("\n");
  }
  if (!runs.empty()) fmt::print("{} run(s), {} with every stage done\n", runs.size(), complete);
  return rc;
}

}  // namespace structura::pipeline::slurm
