// The Slurm resources of a submission: the experiment's [slurm] table, with
// what it leaves unset (empty or 0) taken from the site profile
// <data dir>/sites/<slurm.site>.toml, and then from built-in defaults.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace structura::pipeline::slurm {

struct Resources {
  std::string site;
  std::string site_file;  // empty when the profile "default" is missing and built-ins apply
  std::string partition, account, time, launcher;
  std::int64_t nodes = 1, ntasks = 1, cpus_per_task = 1, throttle = 0, signal_seconds = 300;
  std::vector<std::string> extra;             // the site's lines, then the experiment's
  std::map<std::string, std::string> origin;  // key (without "slurm.") -> where its value came from

  bool operator==(const Resources&) const = default;
};

// Throws ConfigError naming the file and key of a bad value, also of
// experiment.name (check_name_for_slurm).
Resources resolve_resources(const Config& config, const std::filesystem::path& data_dir);

// experiment.name as it goes into job names, #SBATCH lines and log file
// names: ConfigError unless it holds only letters, digits, blanks and
// . _ - + , : @ = (and no control character).
void check_name_for_slurm(const Config& config);

// Seconds of a Slurm time limit ("MM", "MM:SS", "HH:MM:SS", "D-HH",
// "D-HH:MM", "D-HH:MM:SS"); nullopt for "" , "infinite"/"unlimited" or
// text that is not a time, and for a limit above kMaxTimeLimitSeconds.
inline constexpr std::int64_t kMaxTimeLimitSeconds = 36500LL * 86400;  // 100 years
std::optional<std::int64_t> time_limit_seconds(const std::string& text);
std::string format_time_limit(std::int64_t seconds);

}  // namespace structura::pipeline::slurm
