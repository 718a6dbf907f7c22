// structura: run, submit and analyse structure-preserving SciML experiments.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "report/report.hpp"
#include "run/provenance.hpp"
#include "slurm/slurm.hpp"

using namespace structura::pipeline;

int main(int argc, char** argv) {
  CLI::App app{"structura: structure-preserving scientific ML and inverse-problem experiments on clusters.\n"
               "Exit status: 0 success, 1 failure, 2 usage or configuration error, 3 interrupted (checkpoint "
               "written; run again to resume)."};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] { return version_text(); });

  cli::RunArgs run;
  for (int i = 0; i < argc; ++i) run.argv.emplace_back(argv[i]);
  auto* run_cmd = app.add_subcommand("run", "Run an experiment file (every run of its sweep) on this machine.");
  run_cmd->add_option("file", run.file, "experiment file (TOML)")->required();
  run_cmd->add_option("overrides", run.overrides, "key.path=value overrides, e.g. integration.dt=0.005");
  run_cmd->add_option("--ranks,-n", run.ranks,
                      "MPI ranks; when not started by mpirun/srun, structura re-launches itself under mpirun")
      ->check(CLI::Range(1, 1 << 20));
  run_cmd->add_option("--runs-dir", run.runs_dir, "directory of runs (default: experiment.runs_dir, \"runs\")");
  run_cmd->add_flag("--force", run.force, "redo stages that are already done");
  run_cmd->add_flag("--verbose,-v", run.verbose, "print the messages of all ranks, not only rank 0");
  run_cmd->add_flag("!--no-plots", run.plots, "do not draw the run's plots at the end");
  run_cmd->add_flag("--data-sets", run.data_sets_only,
                    "only make the shared data sets these runs use (the first Slurm job of a submission)");
  run_cmd->add_option("--group", run.groups, "only stages of this group (repeatable; used by Slurm jobs)");
  run_cmd->add_option("--sweep-index", run.sweep_index, "only this run of the sweep (0-based; Slurm array task)")
      ->check(CLI::NonNegativeNumber);

  slurm::SubmitOptions submit;
  auto* submit_cmd = app.add_subcommand("submit", "Submit an experiment file to Slurm (job array for a sweep).");
  submit_cmd->add_option("file", submit.file, "experiment file (TOML)")->required();
  submit_cmd->add_option("overrides", submit.overrides, "key.path=value overrides");
  submit_cmd->add_flag("--dry-run", submit.dry_run, "print the plan and the sbatch scripts, submit nothing");
  submit_cmd->add_option("--runs-dir", submit.runs_dir, "directory of runs (default: experiment.runs_dir)");

  std::vector<std::string> status_dirs;
  auto* status_cmd = app.add_subcommand("status", "Show runs, their stages, and their Slurm jobs.");
  status_cmd->add_option("dirs", status_dirs, "runs directories or run directories (default: runs)");

  std::vector<std::string> report_dirs;
  std::string report_out;
  auto* report_cmd = app.add_subcommand("report", "Gather the metrics of runs into one table and draw the plots.");
  report_cmd->add_option("dirs", report_dirs, "directories to search for runs")->required();
  report_cmd->add_option("--out,-o", report_out, "output directory (default: <first dir>/report)");

  std::string validate_file, validate_runs_dir;
  std::vector<std::string> validate_overrides;
  auto* validate_cmd = app.add_subcommand("validate", "Check an experiment file and show the runs it expands to.");
  validate_cmd->add_option("file", validate_file, "experiment file (TOML)")->required();
  validate_cmd->add_option("overrides", validate_overrides, "key.path=value overrides");
  validate_cmd->add_option("--runs-dir", validate_runs_dir, "directory of runs");

  std::string list_kind;
  auto* list_cmd = app.add_subcommand("list", "List experiment kinds and every parameter: type, default, meaning.");
  list_cmd->add_option("kind", list_kind, "only this kind");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (*run_cmd) return cli::run_command(run);
    if (*submit_cmd) return slurm::submit_command(submit);
    if (*status_cmd) return slurm::status_command(status_dirs.empty() ? std::vector<std::string>{"runs"} : status_dirs);
    if (*report_cmd) return report::report_command(report_dirs, report_out);
    if (*validate_cmd) return cli::validate_command(validate_file, validate_overrides, validate_runs_dir);
    if (*list_cmd) return cli::list_command(list_kind);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
