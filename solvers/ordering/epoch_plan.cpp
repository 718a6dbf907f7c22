#include "ordering/epoch_plan.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/partition.hpp"
#include "nn/minibatch_sampler.hpp"

namespace structura::ordering {

std::vector<std::int64_t> EpochPlan::flattened() const {
  std::vector<std::int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<std::int64_t> EpochPlan::share(std::int64_t step, int parts, int part) const {
  const auto& b = batches.at(static_cast<std::size_t>(step));
  const Range mine = block_range(static_cast<std::int64_t>(b.size()), parts, part);
  return {b.begin() + mine.begin, b.begin() + mine.end()};
}

EpochPlan honest_plan(std::uint64_t seed, std::uint64_t stream, std::int64_t epoch, std::int64_t items,
                      std::int64_t batch) {
  require(items >= 1, fmt::format("ordering: the data set is empty ({} items)", items));
  require(batch >= 1 && batch <= items,
          fmt::format("training.batch: expected a batch of 1 .. {} (the data set's size), got {}", items, batch));
  const auto order = nn::MinibatchSampler::order(seed, stream, epoch, items);
  EpochPlan plan;
  for (std::int64_t begin = 0; begin < items; begin += batch) {
    const std::int64_t end = std::min(items, begin + batch);
    plan.batches.emplace_back(order.begin() + begin, order.begin() + end);
  }
  return plan;
}

bool is_permutation_of(const EpochPlan& plan, std::int64_t items) {
  std::vector<char> seen(static_cast<std::size_t>(items), 0);
  std::int64_t count = 0;
  for (const auto& b : plan.batches)
    for (const auto i : b) {
      if (i < 0 || i >= items || seen[static_cast<std::size_t>(i)]) return false;
      seen[static_cast<std::size_t>(i)] = 1;
      ++count;
    }
  return count == items;
}

}  // namespace structura::ordering
