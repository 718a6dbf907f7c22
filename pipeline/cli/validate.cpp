// `structura validate`: checks a file, its [slurm] table included, and lists
// the runs it expands to.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "experiments/load.hpp"
#include "run/runner.hpp"
#include "slurm/resources.hpp"
#include "slurm/templates.hpp"

namespace structura::pipeline::cli {

namespace {

// [slurm] resolved as `structura submit` resolves it (site profile, time
// format, resources, names), so that a file that validates also submits.
std::string check_slurm(const std::vector<Config>& runs) {
  std::filesystem::path data;
  try {
    data = slurm::data_dir();
  } catch (const Error& e) {
    return fmt::format("slurm: not checked ({})\n", e.what());
  }
  slurm::Resources first;
  for (const Config& c : runs) {
    slurm::Resources r = slurm::resolve_resources(c, data);
    if (&c == &runs.front()) first = r;
  }
  const auto or_default = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  return fmt::format(
      "slurm (site \"{}\"): partition {}, account {}, time {}, {} node(s), {} task(s), {} cpu(s) per task, {}\n",
      first.site, or_default(first.partition), or_default(first.account), or_default(first.time), first.nodes,
      first.ntasks, first.cpus_per_task, first.launcher);
}

}  // namespace

int validate_command(const std::string& file, const std::vector<std::string>& overrides, const std::string& runs_dir) {
  const std::vector<Config> runs = load_runs(file, overrides);
  for (const Config& c : runs) run_directory(c, runs_dir);  // refuses names that leave the runs directory
  const std::string slurm_line = check_slurm(runs);
  fmt::print("{}: valid, experiment kind {}, {} run(s)\n", file, runs.front().kind(), runs.size());
  for (const Config& c : runs) {
    const auto dir = run_directory(c, runs_dir);
    const bool exists = std::filesystem::exists(dir / "result.h5");
    fmt::print("  [{}] {}  {}{}\n", c.sweep_index, c.run_id(), dir.string(), exists ? "  (has results)" : "");
  }
  fmt::print("{}", slurm_line);
  if (runs.size() == 1) fmt::print("\ncanonical configuration:\n{}", runs.front().canonical_toml());
  return 0;
}

}  // namespace structura::pipeline::cli
