// Reading and checking the `collapse.gmm` keys (see settings.hpp).
#include "experiments/collapse_gmm/settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>


namespace structura::pipeline::collapse_gmm {

bool Settings::stores_data(std::int64_t g) const {
  return std::binary_search(snapshots.begin(), snapshots.end(), g);
}

Settings read_settings(const Config& c) {
  Settings s;
  s.seed = static_cast<std::uint64_t>(c.get_int("experiment.seed"));
  s.dimension = static_cast<int>(c.get_int("data.dimension"));
  s.samples = c.get_int("data.samples");
  s.spread = c.get_float("data.std");
  s.em.components = static_cast<int>(c.get_int("mixture.components"));
  s.em.tolerance = c.get_float("em.tolerance");
  s.em.max_iterations = static_cast<int>(c.get_int("em.max_iterations"));
  s.em.covariance_floor = c.get_float("em.covariance_floor");
  s.em.kmeans_iterations = static_cast<int>(c.get_int("em.kmeans_iterations"));
  s.em.row_block = kRowBlock;
  s.generations = c.get_int("recursion.generations");
  s.keep_fraction = c.get_float("recursion.keep_fraction");
  s.kept = std::llround(s.keep_fraction * static_cast<double>(s.samples));
  if (s.samples < s.em.components)
    c.fail("data.samples", fmt::format("{} rows cannot be fitted by mixture.components = {} components", s.samples,
                                       s.em.components));
  if (s.samples - s.kept < s.em.components && s.keep_fraction < 1)
    c.fail("recursion.keep_fraction",
           fmt::format("keeps {} of {} rows real: fewer than mixture.components = {} generated rows remain",
                       s.kept, s.samples, s.em.components));
  for (std::int64_t g : std::get<std::vector<std::int64_t>>(c.get("output.data_generations")))
    if (g <= s.generations) s.snapshots.push_back(g);
  s.snapshots.push_back(s.generations);
  std::sort(s.snapshots.begin(), s.snapshots.end());
  s.snapshots.erase(std::unique(s.snapshots.begin(), s.snapshots.end()), s.snapshots.end());
  return s;
}

}  // namespace structura::pipeline::collapse_gmm
