// What a stage gets to do its work: the communicator, the resolved config,
// the result file (open collectively), checkpoint polling and progress.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/h5.hpp"
#include "core/mpi.hpp"
#include "run/checkpointer.hpp"
#include "run/progress.hpp"

namespace structura::pipeline {

struct StageContext {
  mpi::Comm comm;
  const Config& config;
  h5::File& file;
  Checkpointer& checkpointer;
  std::string stage;
  std::string run_dir;
  bool resuming = false;  // the file holds this stage's /checkpoint

  // /checkpoint, tagged with this stage's name (collective).
  h5::Group checkpoint_group();
  // The stage's output group `path`, empty: what an earlier, interrupted
  // attempt left there is removed first, so a rerun never mixes the two
  // (collective).
  h5::Group fresh_group(const std::string& path);
  Progress progress(const std::string& label, std::int64_t total, const std::string& unit) const;
};

}  // namespace structura::pipeline
