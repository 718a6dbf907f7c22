#include "run/data_sets.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/h5.hpp"
#include "run/collective_errors.hpp"
#include "run/files.hpp"
#include "run/log.hpp"
#include "run/result_trust.hpp"
#include "run/runner.hpp"

namespace structura::pipeline {

namespace fs = std::filesystem;

namespace {

// A data set's file: not result.h5, which marks a run directory.
constexpr const char* kDataFile = "data.h5";

bool covered(const std::string& key, const std::vector<std::string>& keys) {
  if (key == "experiment.kind" || key == "experiment.name") return true;
  return std::any_of(keys.begin(), keys.end(),
                     [&](const std::string& k) { return k.ends_with('.') ? key.starts_with(k) : key == k; });
}

// The kind restricted to the stages that make `set`, without data sets of
// its own (so that making one does not recurse). The stages are those `run`
// declares: a kind may declare a data stage only for some of its settings
// (sympflow's data, for supervised variants), which the data set's own
// configuration, every other key at its default, need not have.
ExperimentKind restricted(const ExperimentKind& kind, const DataSet& set, const Config& run) {
  ExperimentKind k = kind;
  k.data_sets = nullptr;
  std::vector<Stage> stages;
  for (Stage& s : kind.stages(run))
    if (std::find(set.stages.begin(), set.stages.end(), s.name) != set.stages.end()) stages.push_back(std::move(s));
  k.stages = [stages](const Config&) { return stages; };
  return k;
}

bool stage_done(const h5::Group& root, const std::string& stage) {
  const std::string path = "/stages/" + stage;
  return root.exists(path) && root.open_group(path).has_attribute("status") &&
         root.open_group(path).string_attribute("status") == "done";
}

// Whether `file` exists, passes its checksums, belongs to `config` and has
// every stage of `set` done. (One that fails is made again, and making it
// moves the bad file aside first.)
bool complete(const fs::path& file, const DataSet& set, const Config& config) {
  if (!fs::exists(file)) return false;
  if (!check_result_file(file, config, "/").reason.empty()) return false;
  try {
    h5::File f = h5::File::open(file.string(), h5::Mode::ReadOnly);
    return std::all_of(set.stages.begin(), set.stages.end(), [&](const std::string& s) { return stage_done(f, s); });
  } catch (const Error&) {
    return false;  // unreadable: making it again says why
  }
}

// Whether result.h5 holds every stage of `set`, imported from `directory`.
bool imported_already(const fs::path& result, const DataSet& set, const std::string& directory) {
  if (!fs::exists(result)) return false;
  h5::File f = h5::File::open(result.string(), h5::Mode::ReadOnly);
  for (const std::string& s : set.stages) {
    if (!stage_done(f, s)) return false;
    const h5::Group g = f.open_group("/stages/" + s);
    if (!g.has_attribute("data_set") || g.string_attribute("data_set") != directory) return false;
  }
  return true;
}

}  // namespace

Config data_set_config(const Config& run, const DataSet& set) {
  Config c = run;
  for (const Param& p : run.schema().params())
    if (p.identity && !covered(p.key, set.keys))
      c.set(p.key, p.default_value, "default (not a key of data set " + set.name + ")");
  c.sweep_index = 0;
  c.sweep_size = 1;
  return c;
}

fs::path data_set_directory(const Config& run, const DataSet& set, const std::string& runs_dir_override) {
  const fs::path base = run_directory(run, runs_dir_override).parent_path();  // <runs_dir>/<experiment>
  return base / "data-sets" / fmt::format("{}-{}", set.name, data_set_config(run, set).run_id());
}

std::vector<DataSet> data_sets_of(const Config& run, const ExperimentKind& kind) {
  return kind.data_sets ? kind.data_sets(run) : std::vector<DataSet>{};
}

namespace {

// Whether this invocation runs the stages of `set` (all groups, or the
// group of its first stage).
bool runs_stages_of(const Config& run, const ExperimentKind& kind, const DataSet& set, const RunOptions& options) {
  if (options.groups.empty()) return true;
  for (const Stage& s : kind.stages(run))
    if (s.name == set.stages.front())
      return std::find(options.groups.begin(), options.groups.end(), s.group) != options.groups.end();
  return false;
}

}  // namespace

bool make_data_sets(const Config& run, const ExperimentKind& kind, const RunOptions& options, const mpi::Comm& comm) {
  for (const DataSet& set : data_sets_of(run, kind)) {
    if (!runs_stages_of(run, kind, set, options)) continue;
    const fs::path directory = data_set_directory(run, set, options.runs_dir);
    // Made already: read only, so that the runs of a Slurm array can share
    // it at once (only the data-sets job, or the first run, writes it).
    std::int64_t made_already = 0;
    if (comm.is_root()) made_already = complete(directory / kDataFile, set, data_set_config(run, set)) ? 1 : 0;
    comm.broadcast(made_already);
    if (made_already) continue;
    RunOptions made = options;
    made.directory = directory.string();
    made.force = false;  // other runs share it: remove its directory to make it anew
    made.groups.clear();
    made.data_sets_only = false;
    made.result_name = kDataFile;
    if (execute_run(data_set_config(run, set), restricted(kind, set, run), made, comm) == RunStatus::Interrupted)
      return false;
  }
  return true;
}

std::vector<std::string> import_data_sets(const Config& run, const ExperimentKind& kind, const RunOptions& options,
                                          const fs::path& run_dir, const mpi::Comm& comm) {
  std::vector<std::string> imported;
  const fs::path result = run_dir / "result.h5", partial = run_dir / "result.h5.partial";
  for (const DataSet& set : data_sets_of(run, kind)) {
    if (!runs_stages_of(run, kind, set, options)) continue;
    const fs::path source_dir = data_set_directory(run, set, options.runs_dir);
    const std::string relative = fs::relative(source_dir, run_dir).string();
    agree_on_errors(comm, [&] {
      if (!comm.is_root() || imported_already(result, set, relative)) return;
      try {
        if (fs::exists(result)) fs::copy_file(result, partial, fs::copy_options::overwrite_existing);
        else h5::File::open(partial.string(), h5::Mode::Create);
        {
          h5::File to = h5::File::open(partial.string(), h5::Mode::ReadWrite);
          const h5::File from = h5::File::open((source_dir / kDataFile).string(), h5::Mode::ReadOnly);
          to.remove("/checkpoint");
          for (const std::string& g : set.groups) {
            to.remove(g);
            from.copy_to(g, to, g);
          }
          for (const std::string& s : set.stages) {
            to.remove("/stages/" + s);
            from.copy_to("/stages/" + s, to, "/stages/" + s);
            to.open_group("/stages/" + s).set_attribute("data_set", relative);
          }
          to.write_string_dataset("/config", run.canonical_toml());
          write_identity(to, run);
        }
        for (const std::string& file : set.sidecars)
          if (fs::exists(source_dir / file))
            fs::copy_file(source_dir / file, run_dir / file, fs::copy_options::overwrite_existing);
        fsync_file(partial);
        fs::rename(partial, result);
      } catch (const Error& e) {  // a rank-0 failure reaches every rank
        fs::remove(partial);
        throw InputError(
            fmt::format("cannot copy data set {} into {}: {}", source_dir.string(), result.string(), e.what()));
      }
    });
    log::info("data set {}: {} (stages {})", set.name, relative, fmt::join(set.stages, ", "));
    imported.insert(imported.end(), set.stages.begin(), set.stages.end());
  }
  return imported;
}

}  // namespace structura::pipeline
