// Whether a result.h5 (or result.h5.partial) found in a run directory may be
// served or resumed from: it must be readable down to every checksum and
// belong to this run (its kind, run id and configuration hash). A file that
// fails is moved aside, never deleted, and the stages are redone.
#pragma once

#include <filesystem>
#include <string>

#include "config/config.hpp"
#include "core/h5.hpp"

namespace structura::pipeline {

// FNV-1a 64 over the kind and the identity keys of the canonical config,
// 16 hex digits. run_id() is a shorter hash of the same text; this one is
// kept in the file beside it, so that a file whose run id matches by
// accident (or by an edit) is still told apart.
std::string config_hash(const Config& config);

// The root attributes that say which run a file belongs to (collective on a
// parallel file): experiment_kind, experiment_name, run_id, config_hash.
void write_identity(h5::Group& root, const Config& config);

struct Distrust {
  std::string reason;  // "" (trusted), "corrupt" or "foreign"
  std::string detail;  // what is wrong, for the message
};

// Rank 0 only, file closed elsewhere. Reads all metadata and the data of
// every dataset under `data_prefix` ("/" all, "/checkpoint" a checkpoint).
Distrust check_result_file(const std::filesystem::path& file, const Config& config, const std::string& data_prefix);

// Renames `file` to <file>.<reason>-<UTC time> and says so (log and stderr);
// returns the new path.
std::filesystem::path move_aside(const std::filesystem::path& file, const Distrust& why);

}  // namespace structura::pipeline
