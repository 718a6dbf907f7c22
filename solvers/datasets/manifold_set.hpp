// What the synthetic manifold data sets of the pullback-geometry paper
// (banana, squeezed banana, river, sinusoid, hemisphere) generate into: a
// block of rows of the infinite keyed sequence of samples, and the
// reference code's train / validation / test split of an index range.
#pragma once

#include <cstdint>
#include <vector>

#include "core/partition.hpp"

namespace structura::datasets {

// Rows first .. first + count - 1 of a set, row-major [count, dimension].
struct ManifoldRows {
  std::int64_t first = 0, count = 0, dimension = 0;
  std::vector<double> values;

  const double* row(std::int64_t local) const { return values.data() + local * dimension; }
  double* row(std::int64_t local) { return values.data() + local * dimension; }
};

// Counter-based streams of the sets (the key's second word, beside the
// seed), distinct so that two sets or two purposes never share draws.
namespace manifold_streams {
inline constexpr std::uint64_t planar_exact = 0x6d616e6966000001ULL;
inline constexpr std::uint64_t planar_mala = 0x6d616e6966000002ULL;
inline constexpr std::uint64_t sinusoid_shears = 0x6d616e6966000003ULL;
inline constexpr std::uint64_t sinusoid_rows = 0x6d616e6966000004ULL;
inline constexpr std::uint64_t hemisphere_embedding = 0x6d616e6966000005ULL;
inline constexpr std::uint64_t hemisphere_rows = 0x6d616e6966000006ULL;
}  // namespace manifold_streams

// The largest ambient dimension N accepted for sinusoid and hemisphere (the
// paper goes to 100; the per-row cost is O(N K) and the hemisphere's
// embedding O(N K^2)).
inline constexpr int max_ambient_dimension = 1024;

// The intrinsic dimension K and ambient dimension N of an embedded set
// (sinusoid, hemisphere): InputError naming data.intrinsic_dimension for
// K < 1 or K >= N, data.ambient_dimension for N > max_ambient_dimension.
void validate_dimensions(int intrinsic, int ambient);

// Fractions of the index range [0, n): train first, then validation, then
// test, as the reference's save_data (train = int(0.8 n), validation =
// int(0.1 n), test = the rest).
struct SplitFractions {
  double train = 0.8, validation = 0.1, test = 0.1;
};

struct SplitRanges {
  Range train, validation, test;
};

// InputError naming data.train_fraction / data.validation_fraction /
// data.test_fraction for a fraction outside [0, 1] (train in (0, 1]) or
// fractions whose sum is not 1 (to 1e-9).
void validate(const SplitFractions& fractions);

// train = floor(train * n), validation = floor(validation * n), test =
// the remaining rows; InputError naming data.samples for n < 1.
SplitRanges split_ranges(std::int64_t n, const SplitFractions& fractions = {});

// InputError naming the argument for first < 0 or count < 0.
void check_rows_request(std::int64_t first, std::int64_t count);

}  // namespace structura::datasets
