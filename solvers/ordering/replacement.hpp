// Batch replacement (Shumailov et al. 2021): the backdoor attack that keeps
// the honest batches' sizes and order but swaps some of their points for
// other points of the data set, chosen because their gradients point the
// way the backdoor objective's gradient does (the loss of triggered inputs
// labelled with the target class). Nothing is added or modified; a point
// may be fed more than once in the epoch and another not at all.
//
// The caller scores each point by the alignment of its gradient with the
// backdoor gradient (e.g. the cosine of last-layer gradients of the
// surrogate, which have a closed form); this file only decides the swaps:
// in every batch the round(fraction * size) points of lowest alignment
// leave, and the data set's most aligned points come in, walking down the
// alignment ranking from batch to batch (wrapping around) so that the
// epoch spreads the replacements over many aligned points. A point the batch
// already holds is passed over (no batch holds a point twice), so a batch
// takes at most n − size new points.
#pragma once

#include <cstdint>
#include <span>

#include "ordering/epoch_plan.hpp"

namespace structura::ordering {

struct ReplacementCounts {
  std::int64_t replaced = 0;  // points swapped out over the epoch
};

// InputError naming attack.replace_fraction for a fraction outside [0, 1];
// NumericalError naming the index when an alignment is not finite.
EpochPlan replace_points(const EpochPlan& honest, std::span<const double> alignment, double fraction,
                         ReplacementCounts* counts = nullptr);

}  // namespace structura::ordering
