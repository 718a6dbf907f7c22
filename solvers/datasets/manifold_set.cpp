#include "datasets/manifold_set.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace structura::datasets {

namespace {

void check_fraction(double value, const char* key, bool positive) {
  require(std::isfinite(value) && value >= 0 && value <= 1 && (!positive || value > 0),
          fmt::format("{}: expected a fraction in {} 1], got {}", key, positive ? "(0," : "[0,", value));
}

}  // namespace

void validate_dimensions(int intrinsic, int ambient) {
  require(intrinsic >= 1, fmt::format("data.intrinsic_dimension: expected K >= 1, got {}", intrinsic));
  require(ambient <= max_ambient_dimension,
          fmt::format("data.ambient_dimension: expected N <= {}, got {}", max_ambient_dimension, ambient));
  require(intrinsic < ambient,
          fmt::format("data.intrinsic_dimension: expected K < N = {} (data.ambient_dimension), got K = {}", ambient,
                      intrinsic));
}

void validate(const SplitFractions& f) {
  check_fraction(f.train, "data.train_fraction", true);
  check_fraction(f.validation, "data.validation_fraction", false);
  check_fraction(f.test, "data.test_fraction", false);
  const double sum = f.train + f.validation + f.test;
  require(std::abs(sum - 1.0) <= 1e-9,
          fmt::format("data.train_fraction, data.validation_fraction, data.test_fraction: the fractions "
                      "must sum to 1, got {} + {} + {} = {}",
                      f.train, f.validation, f.test, sum));
}

SplitRanges split_ranges(std::int64_t n, const SplitFractions& f) {
  require(n >= 1, fmt::format("data.samples: expected at least 1 sample, got {}", n));
  validate(f);
  // Python's int() of a positive product is its floor; the products are
  // exact enough that 0.8 * 5000 gives 4000, as in the reference.
  const auto train = static_cast<std::int64_t>(std::floor(f.train * double(n)));
  const auto validation = std::min(static_cast<std::int64_t>(std::floor(f.validation * double(n))), n - train);
  SplitRanges out;
  out.train = {0, train};
  out.validation = {train, validation};
  out.test = {train + validation, n - train - validation};
  return out;
}

void check_rows_request(std::int64_t first, std::int64_t count) {
  require(first >= 0, fmt::format("first: expected a row index >= 0, got {}", first));
  require(count >= 0, fmt::format("count: expected a row count >= 0, got {}", count));
}

}  // namespace structura::datasets
