// What a data-ordering sampler hands the training loop for one epoch: the
// global batches, in the order they are fed, each a list of data-set
// indices in the order they are laid out. This is the whole interface an
// attacker of "Manipulating SGD with Data Ordering Attacks" (Shumailov et
// al., NeurIPS 2021) controls: which points share a batch and in which
// order the batches come; no point is added or changed.
//
// Under data parallelism every rank takes its block of each global batch
// (share()), so the union over ranks, and with it the attack, does not
// depend on the number of ranks.
#pragma once

#include <cstdint>
#include <vector>

namespace structura::ordering {

struct EpochPlan {
  std::vector<std::vector<std::int64_t>> batches;

  std::int64_t steps() const { return static_cast<std::int64_t>(batches.size()); }
  // All indices in feeding order (batch after batch).
  std::vector<std::int64_t> flattened() const;
  // Part `part` of `parts` of batch `step` (a block of it; all of it for
  // parts = 1), in the batch's order.
  std::vector<std::int64_t> share(std::int64_t step, int parts, int part) const;
};

// The honest sampler: a counter-based shuffle keyed by (seed, epoch), cut
// into consecutive batches of `batch` (the last may be shorter); the same
// order as nn::MinibatchSampler's pass `epoch` on the same stream.
// InputError naming training.batch when batch < 1 or batch > items.
EpochPlan honest_plan(std::uint64_t seed, std::uint64_t stream, std::int64_t epoch, std::int64_t items,
                      std::int64_t batch);

// True when the plan feeds every index 0 .. items - 1 exactly once.
bool is_permutation_of(const EpochPlan& plan, std::int64_t items);

}  // namespace structura::ordering
