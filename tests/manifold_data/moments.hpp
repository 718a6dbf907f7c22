// Helpers of the manifold-data tests: column moments summed over the ranks
// (each rank holds its block of rows), their Monte-Carlo standard errors,
// and gathering every rank's rows on every rank.
#pragma once

#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/mpi.hpp"
#include "datasets/manifold_set.hpp"

namespace manifold_test {

// Mean and (population) variance of column values, pooled over the ranks.
struct Moments {
  double n = 0, mean = 0, variance = 0;
  // Standard errors: of the mean sqrt(var / n); of the variance of a
  // Gaussian column sqrt(2 / n) var (for others an estimate from the fourth moment).
  double mean_error() const { return std::sqrt(variance / n); }
  double gaussian_variance_error() const { return std::sqrt(2.0 / n) * variance; }
};

inline Moments pooled_moments(const std::vector<double>& local, const structura::mpi::Comm& comm) {
  std::vector<double> s{double(local.size()), 0.0, 0.0};
  for (double v : local) s[1] += v;
  comm.sum_in_place(s);
  const double mean = s[1] / s[0];
  std::vector<double> q{0.0};
  for (double v : local) q[0] += (v - mean) * (v - mean);
  comm.sum_in_place(q);
  return {s[0], mean, q[0] / s[0]};
}

inline std::vector<double> column(const structura::datasets::ManifoldRows& rows, std::int64_t c) {
  std::vector<double> out(std::size_t(rows.count));
  for (std::int64_t r = 0; r < rows.count; ++r) out[std::size_t(r)] = rows.row(r)[c];
  return out;
}

// Every rank's values in rank order, on every rank.
inline std::vector<double> all_gather(const std::vector<double>& local, const structura::mpi::Comm& comm) {
  const int size = comm.size();
  int mine = static_cast<int>(local.size());
  std::vector<int> counts(size), offsets(size, 0);
  MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm.get());
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<double> all(std::size_t(offsets[size - 1] + counts[size - 1]));
  MPI_Allgatherv(local.data(), mine, MPI_DOUBLE, all.data(), counts.data(), offsets.data(), MPI_DOUBLE, comm.get());
  return all;
}

}  // namespace manifold_test
