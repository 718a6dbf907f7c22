// The settings of a `collapse.gmm` run, read once from its config and checked
// as they are read: validation, the stage list, the stages and the summary
// all call read_settings.
#pragma once

#include <cstdint>
#include <vector>

#include "collapse/mixture_em.hpp"
#include "config/config.hpp"

namespace structura::pipeline::collapse_gmm {

// Rows are summed over fixed blocks of this many rows, so that every fit, and
// with it the whole recursion, is the same on any number of ranks.
inline constexpr std::int64_t kRowBlock = 256;

struct Settings {
  std::uint64_t seed = 0;         // experiment.seed
  int dimension = 2;              // data.dimension
  std::int64_t samples = 1000;    // data.samples: rows of every generation
  double spread = 1.0;            // data.std: the real data are N(0, std² I)
  collapse::EmOptions em;         // mixture.components, em.* (row_block = kRowBlock; seed per generation)
  std::int64_t generations = 0;   // recursion.generations: the last generation (0 = the fit to the real data)
  double keep_fraction = 0;       // recursion.keep_fraction of every later generation's rows are real
  std::int64_t kept = 0;          // round(keep_fraction · samples)
  std::vector<std::int64_t> snapshots;  // generations whose data are stored, sorted, ≤ generations (the last included)

  bool stores_data(std::int64_t g) const;
};

Settings read_settings(const Config& c);

}  // namespace structura::pipeline::collapse_gmm
