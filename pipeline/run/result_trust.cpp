#include "run/result_trust.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ctime>

#include "run/log.hpp"

namespace structura::pipeline {

namespace fs = std::filesystem;

std::string config_hash(const Config& config) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : config.kind() + "\n" + config.canonical_toml(true)) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

void write_identity(h5::Group& root, const Config& config) {
  root.set_attribute("experiment_kind", config.kind());
  root.set_attribute("experiment_name", config.name());
  root.set_attribute("run_id", config.run_id());
  root.set_attribute("config_hash", config_hash(config));
}

namespace {
std::string attribute_or(const h5::Group& root, const std::string& name, const std::string& missing) {
  return root.has_attribute(name) ? root.string_attribute(name) : missing;
}

std::string utc_stamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}
}  // namespace

Distrust check_result_file(const fs::path& file, const Config& config, const std::string& data_prefix) {
  try {
    const h5::File f = h5::File::open(file.string(), h5::Mode::ReadOnly);
    h5::verify_readable(f, data_prefix);
    const std::string kind = attribute_or(f, "experiment_kind", "(none)");
    const std::string run_id = attribute_or(f, "run_id", "(none)");
    const std::string name = attribute_or(f, "experiment_name", "(none)");
    if (kind != config.kind() || run_id != config.run_id())
      return {"foreign", fmt::format("it belongs to run {} of {} ({}), not to run {} of {} ({})", run_id, name, kind,
                                     config.run_id(), config.name(), config.kind())};
    // Files written before the configuration hash was recorded have only
    // the run id, which matched.
    if (f.has_attribute("config_hash") && f.string_attribute("config_hash") != config_hash(config))
      return {"foreign", fmt::format("its configuration hash {} differs from this run's {} (same run id {})",
                                     f.string_attribute("config_hash"), config_hash(config), run_id)};
  } catch (const h5::Error& e) {
    return {"corrupt", e.what()};
  }
  return {};
}

fs::path move_aside(const fs::path& file, const Distrust& why) {
  const std::string base = fmt::format("{}.{}-{}", file.string(), why.reason, utc_stamp());
  fs::path target = base;
  for (int i = 2; fs::exists(target); ++i) target = fmt::format("{}-{}", base, i);
  fs::rename(file, target);
  const char* what = why.reason == "foreign" ? "belongs to another run" : "is unreadable or corrupt";
  log::warn("{} {}: {}", file.string(), what, why.detail);
  log::warn("moved it to {} (kept, not deleted); its stages are redone", target.string());
  return target;
}

}  // namespace structura::pipeline
