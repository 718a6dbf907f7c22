// A data set of many independent 2-D Allen-Cahn solves spread over the
// ranks of a communicator, the 2-D counterpart of solution_set.hpp: sample
// indices [0, n) in contiguous blocks (core/partition: the first n % P ranks
// one more), each rank solving its own samples one by one on MPI_COMM_SELF
// (allen_cahn_2d.hpp), so that each sample is a pure function of its index
// and the set is the same bit for bit on any number of ranks. The initial
// condition of each sample is a function of its index the caller gives.
//
// Each rank gets its block: sample indices [first, first + count) and their
// snapshots, count x times x M^2 row-major (M = points / stride), which is
// the hyperslab [first, first + count) x T x M^2 of an n x T x M^2 data set.
// Output grid: the solve runs on N^2 = points^2 and every stride-th point in
// each direction is kept (the fine solve's values, not a coarse solve).
//
// Errors: as solution_set.hpp: a failing sample stops the set on every
// rank with the lowest failing index's message (which names solve.dt_key),
// InputError or NumericalError as the solver threw it; one agreement after
// the loops, no hang.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/mpi.hpp"
#include "pde/allen_cahn_2d.hpp"

namespace structura::pde {

struct SolutionSet2dOptions {
  AllenCahn2dOptions solve;  // grid, epsilon, dt, output_times (empty: t_end alone)
  std::int64_t samples = 0;  // n >= 0
  std::int64_t stride = 1;   // keep grid points 0, stride, 2 stride, ... in x and in y

  // InputError naming samples, stride (and the solve's fields).
  void validate() const;
  std::int64_t output_points() const { return solve.points / stride; }  // M, per direction
};

struct SolutionSet2dBlock {
  std::int64_t samples = 0;    // n, the whole set
  std::int64_t first = 0;      // this rank's first sample index
  std::int64_t count = 0;      // this rank's number of samples
  std::vector<double> times;   // the output times, T of them
  std::int64_t points = 0;     // M per direction; M^2 values per snapshot
  std::vector<double> values;  // count x T x M^2: values[(s T + k) M^2 + j M + i], sample first + s
};

// The initial condition of sample `index` on the solve grid (points^2 values, row-major).
using InitialCondition2dFn = std::function<std::vector<double>(std::int64_t index)>;

SolutionSet2dBlock solve_solution_set_2d(const SolutionSet2dOptions& options, const InitialCondition2dFn& initial,
                                         const mpi::Comm& comm);

// One N x N snapshot reduced to every stride-th point in each direction.
std::vector<double> downsample_2d(const std::vector<double>& u, std::int64_t n, std::int64_t stride);

}  // namespace structura::pde
