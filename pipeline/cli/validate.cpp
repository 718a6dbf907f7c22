// `structura validate`: checks a file and lists the runs it expands to.
#include <fmt/format.h>

#include <filesystem>

#include "cli/commands.hpp"
#include "experiments/load.hpp"
#include "run/runner.hpp"

namespace structura::pipeline::cli {

int validate_command(const std::string& file, const std::vector<std::string>& overrides, const std::string& runs_dir) {
  const std::vector<Config> runs = load_runs(file, overrides);
  fmt::print("{}: valid, experiment kind {}, {} run(s)\n", file, runs.front().kind(), runs.size());
  for (const Config& c : runs) {
    const auto dir = run_directory(c, runs_dir);
    const bool exists = std::filesystem::exists(dir / "result.h5");
    fmt::print("  [{}] {}  {}{}\n", c.sweep_index, c.run_id(), dir.string(), exists ? "  (has results)" : "");
  }
  if (runs.size() == 1) fmt::print("\ncanonical configuration:\n{}", runs.front().canonical_toml());
  return 0;
}

}  // namespace structura::pipeline::cli
