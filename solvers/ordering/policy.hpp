// The attacker's policies (Shumailov et al. 2021; the "AdversarialBatcher"
// of the same group, flags lowhigh, highlow, oscilatorin, oscilatorout):
// given m units ranked by a surrogate's loss (rank 0 = lowest loss), the
// order in which they are emitted.
//   low-high          0, 1, ..., m-1
//   high-low          m-1, ..., 1, 0
//   oscillating-in    one from the high end, one from the low end, moving
//                     towards the middle: m-1, 0, m-2, 1, ...
//   oscillating-out   from the middle outwards, high side first: the
//                     reference re-arranges the ranked list as its lower
//                     half reversed followed by its upper half reversed and
//                     then alternates end, start, ...; for h = floor(m/2)
//                     that is h, h-1, h+1, h-2, ... (h is the median for odd m)
//   random            no attack: the honest order (the baseline)
// A unit is a point-sized batch chunk for batch reshuffling and a whole
// batch for batch reordering (reorder.hpp).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace structura::ordering {

enum class Policy { random, low_high, high_low, oscillating_in, oscillating_out };

// "random", "low-high", "high-low", "oscillating-in", "oscillating-out";
// InputError naming `key` and the accepted names otherwise.
Policy parse_policy(std::string_view name, std::string_view key);
std::string_view policy_name(Policy policy);

// The emission order of m ranked units: position k holds the rank emitted
// k-th. For Policy::random the identity (the caller keeps its honest order).
std::vector<std::int64_t> emission_order(std::int64_t m, Policy policy);

}  // namespace structura::ordering
