// `structura run`: validates the experiment file, runs itself under mpirun
// (launcher.hpp) when asked for more ranks than it was started with, and
// executes every run of the sweep in order.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/launcher.hpp"
#include "core/kokkos.hpp"
#include "core/mpi.hpp"
#include "experiments/load.hpp"
#include "report/report.hpp"
#include "run/data_sets.hpp"
#include "run/log.hpp"
#include "run/runner.hpp"
#include "run/signals.hpp"

namespace structura::pipeline::cli {

namespace fs = std::filesystem;

namespace {

std::string joined_command_line(const std::vector<std::string>& argv) { return fmt::format("{}", fmt::join(argv, " ")); }

// --group names a stage group of the experiment; anything else is a usage
// error (status 2), found before a run directory is touched.
void check_groups(const std::vector<Config>& runs, const std::vector<std::string>& groups) {
  for (const std::string& group : groups) {
    std::vector<std::string> known;
    for (const Config& config : runs)
      for (const Stage& stage : find_kind(config.kind())->stages(config))
        if (std::find(known.begin(), known.end(), stage.group) == known.end()) known.push_back(stage.group);
    if (std::find(known.begin(), known.end(), group) == known.end())
      throw ConfigError(fmt::format("--group {}: no stage of this experiment belongs to it (its groups: {})", group,
                                    fmt::join(known, ", ")));
  }
}

}  // namespace

int run_command(RunArgs args) {
  // First of all: a Slurm time-limit signal can arrive while MPI starts, and
  // its default action would kill the rank instead of checkpointing.
  install_signal_handlers();
  const int launched = launched_ranks();
  if (args.ranks > 0 && launched == 0 && args.ranks > 1) {
    // Validate before starting MPI so that a bad file fails fast, once.
    check_groups(load_runs(args.file, args.overrides), args.groups);
    return run_under_mpirun(args);
  }

  int argc = 1;
  char* argv0 = args.argv.empty() ? nullptr : args.argv[0].data();
  char** argv = &argv0;
  mpi::Environment mpi_env(argc, argv);
  KokkosRuntime kokkos(argc, argv);
  mpi::Comm comm;
  log::configure(comm.rank(), comm.size(), args.verbose);
  if (args.ranks > 0 && launched != 0 && comm.size() != args.ranks) {
    if (comm.is_root())
      std::fprintf(stderr, "error: --ranks %d, but the job was launched with %d ranks\n", args.ranks, comm.size());
    return 2;
  }

  std::vector<Config> runs;
  try {
    runs = load_runs(args.file, args.overrides);
    check_groups(runs, args.groups);
  } catch (const ConfigError& e) {
    if (comm.is_root()) std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  if (args.sweep_index >= 0) {
    if (args.sweep_index >= static_cast<int>(runs.size())) {
      if (comm.is_root())
        std::fprintf(stderr, "error: --sweep-index %d, but %s expands to %zu run(s)\n", args.sweep_index,
                     args.file.c_str(), runs.size());
      return 2;
    }
    runs = {runs[static_cast<std::size_t>(args.sweep_index)]};
  }

  RunOptions options{args.runs_dir, args.force, args.groups, joined_command_line(args.argv)};
  options.data_sets_only = args.data_sets_only;
  std::vector<fs::path> finished;
  for (const Config& config : runs) {
    const ExperimentKind& kind = *find_kind(config.kind());
    try {
      if (execute_run(config, kind, options, comm) == RunStatus::Interrupted) return 3;
    } catch (const InputError& e) {
      log::error("{}", e.what());
      return 2;
    } catch (const NumericalError& e) {
      log::error("{}", e.what());
      log::error("stage failed; nothing was marked done for it and result.h5 holds only completed stages");
      return 1;
    } catch (const structura::Error& e) {
      // Raised on every rank together (the runner's on_root): each stops.
      log::error("{}", e.what());
      return 1;
    }
    finished.push_back(run_directory(config, args.runs_dir));
  }

  if (args.data_sets_only) {  // no run has results yet: name the data sets made
    if (comm.is_root())
      for (const Config& config : runs)
        for (const DataSet& set : data_sets_of(config, *find_kind(config.kind())))
          std::printf("data set %s: %s\n", set.name.c_str(),
                      data_set_directory(config, set, args.runs_dir).string().c_str());
    return 0;
  }

  if (comm.is_root()) {
    std::string text = "\nsummary\n";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const fs::path result = finished[i] / "result.h5";
      const ExperimentKind& kind = *find_kind(runs[i].kind());
      text += fmt::format("\nrun {} ({})\n", runs[i].run_id(), finished[i].string());
      if (kind.summary_lines) text += kind.summary_lines(runs[i], result.string());
      text += fmt::format("  results: {}\n  config:  {}\n  log:     {}\n", result.string(),
                          (finished[i] / "config.toml").string(), (finished[i] / "log.txt").string());
      if (args.plots && args.groups.empty()) {
        for (const auto& png : report::make_run_plots(finished[i])) text += fmt::format("  plot:    {}\n", png);
      }
    }
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace structura::pipeline::cli
