// A fully resolved experiment configuration (one run): every parameter of
// the kind's schema with its value, from the file, a command-line override,
// a sweep, or the default. Loading validates everything first and reports
// the file, key and line of the first problem as a ConfigError.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/schema.hpp"
#include "core/error.hpp"

namespace structura::pipeline {

// Usage or configuration error: exit status 2, message only, no stack trace.
class ConfigError : public InputError {
public:
  using InputError::InputError;
};

class Config {
public:
  Config(const Schema* schema, std::string source_file);

  const std::string& source_file() const { return source_file_; }
  const Schema& schema() const { return *schema_; }
  std::string kind() const { return get_string("experiment.kind"); }
  std::string name() const { return get_string("experiment.name"); }

  const Value& get(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  std::vector<double> get_floats(const std::string& key) const;
  // Where a value came from ("henon.toml:12", "override", "sweep", "default").
  std::string origin(const std::string& key) const;

  void set(const std::string& key, Value v, std::string origin);

  // The whole configuration as TOML with sorted tables and keys and
  // normalised numbers. With identity_only, only the parameters that define
  // the result (not resources, logging or Slurm settings).
  std::string canonical_toml(bool identity_only = false) const;
  // Short hash of canonical_toml(true): equal configurations get equal ids.
  std::string run_id() const;

  // Sweep position of this run (0 when the file has no sweep) and count.
  int sweep_index = 0;
  int sweep_size = 1;

  // Throws ConfigError("<file>: <key>: <message>") naming where the key was set.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

private:
  const Schema* schema_;
  std::string source_file_;
  std::map<std::string, Value> values_;
  std::map<std::string, std::string> origins_;
};

// Looks up the schema of an experiment kind; returns nullptr for unknown kinds.
using SchemaLookup = std::function<const Schema*(const std::string& kind)>;

struct LoadOptions {
  std::vector<std::string> overrides;      // "key.path=value"
  std::vector<std::string> known_kinds;    // for did-you-mean on experiment.kind
};

// Limits on what a file may ask for, checked before the work they would cost.
inline constexpr std::size_t kMaxSweepRuns = 10000;  // runs one file expands to
inline constexpr int kMaxNesting = 128;              // levels of tables, dotted keys and arrays
inline constexpr std::size_t kMaxNameBytes = 128;    // experiment.name (a directory name)

// Parses and validates an experiment file and expands its [sweep] into one
// Config per run, in a fixed order (documented in the README).
std::vector<Config> load_experiment(const std::string& path, const SchemaLookup& lookup, const LoadOptions& options);
// The same for a document already in memory; `path` names it in messages.
std::vector<Config> load_experiment_text(const std::string& text, const std::string& path, const SchemaLookup& lookup,
                                         const LoadOptions& options);

// Checks every kind shares (experiment.name is a safe directory name);
// throws ConfigError via Config::fail.
void check_common(const Config& c);

// Parses one value of a TOML document fragment, e.g. "0.5", "[1, 2]", "\"x\"".
// Bare words that are not TOML (e.g. verlet) are taken as strings.
Value parse_override_value(const std::string& text, const Param& param, const std::string& where);

}  // namespace structura::pipeline
