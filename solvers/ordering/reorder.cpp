#include "ordering/reorder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace structura::ordering {
namespace {

void check_losses(const EpochPlan& honest, std::span<const double> point_loss) {
  std::int64_t items = 0;
  for (const auto& b : honest.batches) items += static_cast<std::int64_t>(b.size());
  require(static_cast<std::int64_t>(point_loss.size()) == items,
          fmt::format("ordering: {} surrogate losses for an epoch of {} points", point_loss.size(), items));
  for (std::size_t i = 0; i < point_loss.size(); ++i)
    if (!std::isfinite(point_loss[i]))
      throw NumericalError(fmt::format("ordering: the surrogate's loss of point {} is {}", i, point_loss[i]));
}

// Indices 0 .. n-1 sorted by (score, index).
std::vector<std::int64_t> ranked(const std::vector<double>& score) {
  std::vector<std::int64_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return score[static_cast<std::size_t>(a)] < score[static_cast<std::size_t>(b)];
  });
  return order;
}

}  // namespace

Attack parse_attack(std::string_view name, std::string_view key) {
  if (name == "none") return Attack::none;
  if (name == "reordering") return Attack::reordering;
  if (name == "reshuffling") return Attack::reshuffling;
  throw InputError(fmt::format("{}: unknown attack '{}' (expected none, reordering or reshuffling)", key, name));
}

std::string_view attack_name(Attack attack) {
  switch (attack) {
    case Attack::none: return "none";
    case Attack::reordering: return "reordering";
    case Attack::reshuffling: return "reshuffling";
  }
  return "?";
}

EpochPlan reorder_batches(const EpochPlan& honest, std::span<const double> point_loss, Policy policy) {
  check_losses(honest, point_loss);
  if (policy == Policy::random) return honest;
  std::vector<double> batch_loss;
  for (const auto& b : honest.batches) {
    double sum = 0;
    for (const auto i : b) sum += point_loss[static_cast<std::size_t>(i)];
    batch_loss.push_back(sum / static_cast<double>(b.size()));
  }
  const auto by_rank = ranked(batch_loss);
  EpochPlan out;
  for (const auto rank : emission_order(honest.steps(), policy))
    out.batches.push_back(honest.batches[static_cast<std::size_t>(by_rank[static_cast<std::size_t>(rank)])]);
  return out;
}

EpochPlan reshuffle_points(const EpochPlan& honest, std::span<const double> point_loss, std::int64_t batch,
                           Policy policy) {
  check_losses(honest, point_loss);
  const auto items = static_cast<std::int64_t>(point_loss.size());
  require(batch >= 1 && batch <= items,
          fmt::format("training.batch: expected a batch of 1 .. {} (the data set's size), got {}", items, batch));
  if (policy == Policy::random) return honest;
  const auto points = ranked({point_loss.begin(), point_loss.end()});
  // Chunk c holds ranks [c * batch, (c + 1) * batch): chunks are ranked too.
  const std::int64_t chunks = (items + batch - 1) / batch;
  EpochPlan out;
  for (const auto c : emission_order(chunks, policy)) {
    const std::int64_t begin = c * batch, end = std::min(items, begin + batch);
    out.batches.emplace_back(points.begin() + begin, points.begin() + end);
  }
  return out;
}

EpochPlan attacked_plan(Attack attack, Policy policy, const EpochPlan& honest, std::span<const double> point_loss,
                        std::int64_t batch) {
  switch (attack) {
    case Attack::none: return honest;
    case Attack::reordering: return reorder_batches(honest, point_loss, policy);
    case Attack::reshuffling: return reshuffle_points(honest, point_loss, batch, policy);
  }
  return honest;
}

}  // namespace structura::ordering
