// Which of the original rows a generation of a model-collapse recursion keeps
// (issue 13: "optionally mixed with a fraction of the original data"): a
// uniformly random subset of exactly `kept` of `rows` rows, another one for
// every stream (generation), the same on every rank and every rank count.
// The rows with the `kept` smallest keyed 64-bit draws (seed, stream, row)
// are chosen (ties broken by the row), returned in increasing row order.
// O(rows) memory: for the recursions' data sets (10³–10⁶ rows).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::collapse {

inline std::vector<std::int64_t> kept_rows(std::uint64_t seed, std::uint64_t stream, std::int64_t rows,
                                           std::int64_t kept) {
  require(rows >= 0 && kept >= 0 && kept <= rows, "kept_rows: need 0 <= kept <= rows");
  const CounterRng rng(seed, stream);
  std::vector<std::pair<std::uint64_t, std::int64_t>> keyed(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) keyed[i] = {rng.bits(static_cast<std::uint64_t>(i), 0).v[0], i};
  std::nth_element(keyed.begin(), keyed.begin() + kept, keyed.end());
  std::vector<std::int64_t> out;
  out.reserve(static_cast<std::size_t>(kept));
  for (std::int64_t i = 0; i < kept; ++i) out.push_back(keyed[i].second);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace structura::collapse
