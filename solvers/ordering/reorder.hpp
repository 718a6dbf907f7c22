// Batch reordering and batch reshuffling: the two attacks that only permute
// an epoch (Shumailov et al. 2021). Both rank by a surrogate model's
// per-point loss, which the caller computes (black box: a surrogate trained
// on the clean epoch; white box: the victim itself).
//   reordering   the honest epoch's batches stay as they are; they are ranked
//                by their mean point loss and fed in the policy's order
//   reshuffling  the points are ranked by their loss and cut, in rank order,
//                into batches of `batch` (the last, highest-loss one may be
//                shorter); those batches are fed in the policy's order, so
//                the attacker also chooses which points share a batch
// Ties rank by the lower honest position (reordering) or data-set index
// (reshuffling), so the plan is a pure function of its inputs. Policy
// random returns the honest plan unchanged: the baseline, bit for bit.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ordering/epoch_plan.hpp"
#include "ordering/policy.hpp"

namespace structura::ordering {

enum class Attack { none, reordering, reshuffling };

// "none", "reordering", "reshuffling"; InputError naming `key` otherwise.
// (Batch replacement, which swaps points, lives in replacement.hpp.)
Attack parse_attack(std::string_view name, std::string_view key);
std::string_view attack_name(Attack attack);

// The attacked epoch. `point_loss` holds one loss per data-set index.
// InputError if its size is not the plan's item count; NumericalError
// naming the index when a loss is not finite.
EpochPlan reorder_batches(const EpochPlan& honest, std::span<const double> point_loss, Policy policy);
EpochPlan reshuffle_points(const EpochPlan& honest, std::span<const double> point_loss, std::int64_t batch,
                           Policy policy);
EpochPlan attacked_plan(Attack attack, Policy policy, const EpochPlan& honest, std::span<const double> point_loss,
                        std::int64_t batch);

}  // namespace structura::ordering
