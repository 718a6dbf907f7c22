#include "ordering/replacement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace structura::ordering {

EpochPlan replace_points(const EpochPlan& honest, std::span<const double> alignment, double fraction,
                         ReplacementCounts* counts) {
  require(std::isfinite(fraction) && fraction >= 0 && fraction <= 1,
          fmt::format("attack.replace_fraction: expected a fraction in [0, 1], got {}", fraction));
  for (std::size_t i = 0; i < alignment.size(); ++i)
    if (!std::isfinite(alignment[i]))
      throw NumericalError(fmt::format("ordering: the backdoor alignment of point {} is {}", i, alignment[i]));
  const auto n = static_cast<std::int64_t>(alignment.size());
  for (const auto& b : honest.batches)
    for (const auto i : b)
      require(i >= 0 && i < n, fmt::format("ordering: point {} of the plan has no alignment ({} given)", i, n));

  // Most aligned first; ties by index.
  std::vector<std::int64_t> best(static_cast<std::size_t>(n));
  std::iota(best.begin(), best.end(), 0);
  std::stable_sort(best.begin(), best.end(), [&](std::int64_t a, std::int64_t b) {
    return alignment[static_cast<std::size_t>(a)] > alignment[static_cast<std::size_t>(b)];
  });

  EpochPlan out = honest;
  std::int64_t next = 0, replaced = 0;
  for (auto& batch : out.batches) {
    const auto size = static_cast<std::int64_t>(batch.size());
    const auto swaps = static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(size)));
    // Positions in the batch ordered by increasing alignment: the least
    // useful points to the attacker leave first; the batch keeps its layout.
    std::vector<std::int64_t> position(static_cast<std::size_t>(size));
    std::iota(position.begin(), position.end(), 0);
    std::stable_sort(position.begin(), position.end(), [&](std::int64_t a, std::int64_t b) {
      return alignment[static_cast<std::size_t>(batch[a])] < alignment[static_cast<std::size_t>(batch[b])];
    });
    // A candidate the batch already holds is passed over: feeding a point
    // twice in one step would weight it double, which is not a reordering
    // of the data any more. At most n − size distinct points can come in.
    const std::vector<std::int64_t> held(batch.begin(), batch.end());
    auto is_held = [&](std::int64_t i) { return std::find(held.begin(), held.end(), i) != held.end(); };
    const auto possible = std::min(swaps, n - size);
    for (std::int64_t s = 0; s < possible; ++s) {
      while (is_held(best[static_cast<std::size_t>(next)])) next = (next + 1) % n;
      batch[static_cast<std::size_t>(position[static_cast<std::size_t>(s)])] = best[static_cast<std::size_t>(next)];
      next = (next + 1) % n;
    }
    replaced += possible;
  }
  if (counts) counts->replaced = replaced;
  return out;
}

}  // namespace structura::ordering
