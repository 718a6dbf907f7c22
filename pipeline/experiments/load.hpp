// Loads an experiment file for the registered kinds: parse, validate
// (schema and the kind's own checks), expand the sweep.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "experiments/kind.hpp"

namespace structura::pipeline {

std::vector<Config> load_runs(const std::string& file, const std::vector<std::string>& overrides);

}  // namespace structura::pipeline
