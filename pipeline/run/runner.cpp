#include "run/runner.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/h5.hpp"
#include "run/checkpointer.hpp"
#include "run/collective_errors.hpp"
#include "run/data_sets.hpp"
#include "run/files.hpp"
#include "run/log.hpp"
#include "run/provenance.hpp"
#include "run/result_trust.hpp"
#include "run/run_lock.hpp"

namespace structura::pipeline {

namespace fs = std::filesystem;

fs::path experiment_directory(const Config& config, const std::string& runs_dir_override) {
  const std::string base = runs_dir_override.empty() ? config.get_string("experiment.runs_dir") : runs_dir_override;
  const std::string name = config.name();
  const std::string quoted = value_to_string(Value(name));  // escaped: a line break shows as \n
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      config.fail("experiment.name", fmt::format("{} holds the control character 0x{:02x}", quoted, int(c)));
  if (name.empty()) config.fail("experiment.name", "is empty; it names the directory of the runs");
  if (name == "." || name == "..") config.fail("experiment.name", fmt::format("{} is not a directory name", quoted));
  if (name.find('/') != std::string::npos)
    config.fail("experiment.name",
                fmt::format("{} holds '/': it names one directory inside the runs directory", quoted));
  return fs::path(base) / name;
}

fs::path run_directory(const Config& config, const std::string& runs_dir_override) {
  return experiment_directory(config, runs_dir_override) / config.run_id();
}

namespace {

[[noreturn]] void abort_run(const mpi::Comm& comm, const std::string& message) {
  log::error("{}", message);
  log::error("aborting all ranks");
  MPI_Abort(comm.get(), 1);
  std::abort();
}

bool stage_done(const h5::Group& root, const std::string& stage) {
  const std::string path = "/stages/" + stage;
  if (!root.exists(path)) return false;
  const h5::Group g = root.open_group(path);
  return g.has_attribute("status") && g.string_attribute("status") == "done";
}

// Rank 0: the run directory, or an error that says why not. A name longer
// than the file system allows is the experiment file's fault (status 2).
void create_run_directory(const fs::path& dir, const Config& config) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) return;
  if (ec.value() == ENAMETOOLONG)
    throw InputError(fmt::format("experiment.name: the run directory {} is too long for the file system ({}); "
                                 "experiment.name is {} bytes, a file name can have at most 255",
                                 dir.string(), ec.message(), config.name().size()));
  throw Error(fmt::format("cannot create the run directory {}: {}", dir.string(), ec.message()));
}

// Rank 0, before any stage: a result.h5 that is corrupt or belongs to
// another run is moved aside, so that its stages are redone rather than
// served (and a file nobody can open no longer blocks every rerun).
void check_result(const fs::path& result, const Config& config) {
  if (!fs::exists(result)) return;
  const Distrust why = check_result_file(result, config, "/");
  if (!why.reason.empty()) move_aside(result, why);
}

// Rank 0 prepares result.h5.partial for `stage`; returns whether it resumes
// from this stage's checkpoint. A checkpoint is resumed from only when the
// file passes its checksums (the checkpoint's data included) and belongs to
// this run; otherwise it is moved aside and the stage starts afresh.
bool prepare_partial(const fs::path& result, const fs::path& partial, const std::string& stage,
                     const Config& config) {
  if (fs::exists(partial)) {
    bool has_checkpoint = false;
    try {
      h5::File f = h5::File::open(partial.string(), h5::Mode::ReadOnly);
      has_checkpoint = f.exists("/checkpoint") && f.open_group("/checkpoint").has_attribute("stage") &&
                       f.open_group("/checkpoint").string_attribute("stage") == stage;
    } catch (const h5::Error&) {
      has_checkpoint = true;  // unreadable: check_result_file says why, and it is kept
    }
    if (has_checkpoint) {
      const Distrust why = check_result_file(partial, config, "/checkpoint");
      if (why.reason.empty()) return true;
      move_aside(partial, why);
    } else {
      fs::remove(partial);  // a copy of result.h5 from an interrupted start, or another stage's leftover
    }
  }
  if (fs::exists(result)) {
    fs::copy_file(result, partial, fs::copy_options::overwrite_existing);
  } else {
    h5::File f = h5::File::open(partial.string(), h5::Mode::Create);
    f.close();
  }
  return false;
}

}  // namespace

std::vector<std::string> done_stages(const fs::path& result_file) {
  std::vector<std::string> out;
  if (!fs::exists(result_file)) return out;
  h5::File f = h5::File::open(result_file.string(), h5::Mode::ReadOnly);
  if (!f.exists("/stages")) return out;
  // Stage names may nest ("integrate/verlet"): walk two levels.
  h5::Group stages = f.open_group("/stages");
  for (const auto& name : stages.children()) {
    h5::Group g = stages.open_group(name);
    if (g.has_attribute("status")) {
      if (g.string_attribute("status") == "done") out.push_back(name);
      continue;
    }
    for (const auto& sub : g.children())
      if (stage_done(f, name + "/" + sub)) out.push_back(name + "/" + sub);
  }
  return out;
}

RunStatus execute_run(const Config& config, const ExperimentKind& kind, const RunOptions& options,
                      const mpi::Comm& comm) {
  const fs::path dir = options.directory.empty() ? run_directory(config, options.runs_dir) : fs::path(options.directory);
  const fs::path result = dir / options.result_name;
  const fs::path partial = dir / (options.result_name + ".partial");

  // Everything rank 0 does alone goes through on_root: a failure there
  // (a name too long, a read-only or full disk, a locked directory) reaches
  // every rank with rank 0's message instead of leaving the others waiting.
  RunLock lock;  // rank 0 holds it until the run returns
  on_root(comm, [&] {
    create_run_directory(dir, config);
    lock = RunLock(dir);
    const std::string canonical = config.canonical_toml();
    if (!fs::exists(dir / "config.toml") || read_text_file(dir / "config.toml") != canonical)
      write_file_atomically(dir / "config.toml", canonical);
  });
  // The shared data sets first: each is a run of its own (own log.txt).
  // (Not when this invocation runs other stage groups only: under Slurm the
  // data sets are a job of their own that the runs' jobs wait for.)
  if (!make_data_sets(config, kind, options, comm)) return RunStatus::Interrupted;
  if (options.data_sets_only) return RunStatus::Done;
  log::open_file((dir / "log.txt").string());
  log::info("run {} of {} ({} of {}), {} rank(s): {}", config.run_id(), config.name(), config.sweep_index + 1,
            config.sweep_size, comm.size(), dir.string());
  struct CloseLogFile {
    ~CloseLogFile() { log::close_file(); }
  } close_log_file;  // on every way out, errors included
  if (comm.is_root() && !lock.held()) log::warn("{} is not writable; no lock taken", dir.string());
  on_root(comm, [&] { check_result(result, config); });

  const std::string started = now_iso8601();
  std::vector<Stage> stages = kind.stages(config);
  const std::vector<std::string> imported = import_data_sets(config, kind, options, dir, comm);
  Checkpointer checkpointer(comm, config.get_float("run.checkpoint_interval"));
  for (Stage& stage : stages) {
    if (!options.groups.empty() &&
        std::find(options.groups.begin(), options.groups.end(), stage.group) == options.groups.end())
      continue;
    if (std::find(imported.begin(), imported.end(), stage.name) != imported.end()) continue;  // from a data set
    const std::int64_t done = on_root_value<std::int64_t>(comm, [&] {
      if (!fs::exists(result)) return std::int64_t{0};
      h5::File f = h5::File::open(result.string(), h5::Mode::ReadOnly);
      return std::int64_t{stage_done(f, stage.name) ? 1 : 0};
    });
    if (done && !options.force) {
      log::info("stage {}: done already, skipped (--force redoes it)", stage.name);
      continue;
    }
    const std::int64_t resume = on_root_value<std::int64_t>(
        comm, [&] { return std::int64_t{prepare_partial(result, partial, stage.name, config) ? 1 : 0}; });
    log::info("stage {}: {}", stage.name, resume ? "resuming from its checkpoint" : "starting");

    const auto start = std::chrono::steady_clock::now();
    bool interrupted = false;
    bool kept_checkpoint = false;  // an interrupted stage left /checkpoint to resume from
    {
      std::optional<h5::File> file;
      file.emplace(h5::File::open_parallel(partial.string(), h5::Mode::ReadWrite, comm.get()));
      if (!resume) file->remove("/checkpoint");
      // Before the stage, so that a checkpoint it leaves says whose it is.
      write_identity(*file, config);
      StageContext ctx{comm, config, *file, checkpointer, stage.name, dir.string(), resume != 0};
      try {
        stage.run(ctx);
      } catch (const Interrupted&) {
        interrupted = true;
      } catch (const structura::Error& e) {
        // InputError and NumericalError are raised by all ranks together
        // (stages decide them collectively), so closing the file is safe.
        // Anything else may be local to this rank: the others are waiting in
        // a collective call, and only MPI_Abort ends the run without a hang.
        if (!dynamic_cast<const InputError*>(&e) && !dynamic_cast<const NumericalError*>(&e)) abort_run(comm, e.what());
        file.reset();
        comm.barrier();
        // The partial file is useless after a failure: drop it so that the
        // next attempt starts this stage cleanly from result.h5.
        if (comm.is_root()) fs::remove(partial);
        throw;
      } catch (const std::exception& e) {
        abort_run(comm, e.what());
      }
      // The bookkeeping and the close are collective HDF5 calls on the
      // shared file: a rank that fails in one (a full disk) cannot tell the
      // others, which wait in the next, so it ends the run as a stage would.
      try {
        if (interrupted) kept_checkpoint = file->exists("/checkpoint");
        if (!interrupted) {
          file->remove("/checkpoint");
          h5::Group g = file->require_group("/stages/" + stage.name);
          std::string finished = now_iso8601();
          comm.broadcast(finished);
          g.set_attribute("status", "done");
          g.set_attribute("wall_time_s",
                          comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
          g.set_attribute("ranks", static_cast<std::int64_t>(comm.size()));
          g.set_attribute("finished_at", finished);
          g.set_attribute("group", stage.group);
        }
        file->write_string_dataset("/config", config.canonical_toml());
        write_provenance(*file, comm, options.command_line, started);
        // Closed here, on every rank, before the rename; a close that fails
        // (the metadata did not reach the disk) must not be renamed into
        // result.h5.
        file->close();
      } catch (const std::exception& e) {
        abort_run(comm, e.what());
      }
    }
    comm.barrier();
    if (interrupted && kept_checkpoint) {
      log::info("stage {}: interrupted by signal; checkpoint written to {} (exit status 3; run again to resume)",
                stage.name, partial.string());
      return RunStatus::Interrupted;
    }
    if (interrupted) {
      // A stage without a checkpoint leaves only a half-written copy: drop
      // it, so that nothing of this stage can be mistaken for a result.
      on_root(comm, [&] { fs::remove(partial); });
      log::info(
          "stage {}: stopped by signal before it finished; it keeps no checkpoint, so nothing of it was kept and "
          "the next run starts it again ({} holds the stages done before it; exit status 3)",
          stage.name, result.string());
      return RunStatus::Interrupted;
    }
    on_root(comm, [&] {
      fsync_file(partial);
      fs::rename(partial, result);
    });
    log::info("stage {}: done", stage.name);
  }
  return RunStatus::Done;
}

}  // namespace structura::pipeline
