#include "ordering/policy.hpp"

#include <fmt/format.h>

#include <array>
#include <numeric>
#include <utility>

#include "core/error.hpp"

namespace structura::ordering {
namespace {

constexpr std::array<std::pair<std::string_view, Policy>, 5> names{{
    {"random", Policy::random},
    {"low-high", Policy::low_high},
    {"high-low", Policy::high_low},
    {"oscillating-in", Policy::oscillating_in},
    {"oscillating-out", Policy::oscillating_out},
}};

}  // namespace

Policy parse_policy(std::string_view name, std::string_view key) {
  for (const auto& [n, p] : names)
    if (n == name) return p;
  throw InputError(fmt::format("{}: unknown policy '{}' (expected random, low-high, high-low, oscillating-in or "
                               "oscillating-out)",
                               key, name));
}

std::string_view policy_name(Policy policy) {
  for (const auto& [n, p] : names)
    if (p == policy) return n;
  return "?";
}

std::vector<std::int64_t> emission_order(std::int64_t m, Policy policy) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(m));
  const std::int64_t h = m / 2;
  for (std::int64_t k = 0; k < m; ++k) {
    std::int64_t rank = k;
    switch (policy) {
      case Policy::random:
      case Policy::low_high: rank = k; break;
      case Policy::high_low: rank = m - 1 - k; break;
      // Even positions walk down from the top, odd ones up from the bottom;
      // the two walks meet in the middle, so every rank appears once.
      case Policy::oscillating_in: rank = k % 2 == 0 ? m - 1 - k / 2 : k / 2; break;
      // Even positions walk up from h, odd ones down from h - 1.
      case Policy::oscillating_out: rank = k % 2 == 0 ? h + k / 2 : h - 1 - k / 2; break;
    }
    out[static_cast<std::size_t>(k)] = rank;
  }
  return out;
}

}  // namespace structura::ordering
