#include "slurm/records.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>

#include "config/schema.hpp"
#include "core/error.hpp"
#include "run/files.hpp"

namespace structura::pipeline::slurm {

namespace fs = std::filesystem;

std::string toml_string(const std::string& s) { return value_to_string(Value(s)); }

void write_run_jobs(const fs::path& run_dir, const RunJobs& r) {
  std::string text =
      "# The Slurm jobs of this run, written by `structura submit` and read by `structura status`.\n"
      "# job_id is the job (or job array) id; array_task this run's task in the array.\n";
  text += fmt::format("submitted_at = {}\nsweep_index = {}\nsweep_size = {}\n", toml_string(r.submitted_at),
                      r.sweep_index, r.sweep_size);
  for (const JobRecord& j : r.jobs) {
    text += fmt::format("\n[[job]]\ngroup = {}\njob_id = {}\n", toml_string(j.group), toml_string(j.job_id));
    if (j.array_task >= 0) text += fmt::format("array_task = {}\n", j.array_task);
  }
  write_file_atomically(run_dir / run_jobs_file_name, text);
}

std::optional<RunJobs> read_run_jobs(const fs::path& run_dir) {
  const fs::path file = run_dir / run_jobs_file_name;
  if (!fs::exists(file)) return std::nullopt;
  toml::table doc;
  try {
    doc = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}: {}", file.string(), e.source().begin.line, e.description()));
  }
  RunJobs r;
  r.submitted_at = doc["submitted_at"].value_or(std::string());
  r.sweep_index = static_cast<int>(doc["sweep_index"].value_or(std::int64_t{-1}));
  r.sweep_size = static_cast<int>(doc["sweep_size"].value_or(std::int64_t{-1}));
  if (const toml::array* jobs = doc["job"].as_array()) {
    for (auto&& node : *jobs) {
      const toml::table* t = node.as_table();
      if (!t) continue;
      JobRecord j;
      j.group = (*t)["group"].value_or(std::string("?"));
      j.job_id = (*t)["job_id"].value_or(std::string());
      j.array_task = static_cast<int>((*t)["array_task"].value_or(std::int64_t{-1}));
      if (!j.job_id.empty()) r.jobs.push_back(j);
    }
  }
  return r;
}

}  // namespace structura::pipeline::slurm
